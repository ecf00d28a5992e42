"""indexes for the dashboard's counts and the company documents: pending inquiries and upcoming
services of a company, a company's files that belong to no asset and no inquiry, and the orders
of a recurring order

Revision ID: 5669db399a82
Revises: bde1e4d11e1b
Create Date: 2026-11-24 15:38:59.616238

"""
import sqlalchemy as sa
from alembic import op

revision = '5669db399a82'
down_revision = 'bde1e4d11e1b'
branch_labels = None
depends_on = None

DOCUMENTS = sa.text('asset_id IS NULL AND inquiry_id IS NULL')


def upgrade():
    op.create_index('ix_booked_services_company_state', 'booked_services',
                    ['company_id', 'state', 'scheduled_at', 'id'])
    op.create_index('ix_files_company_documents', 'files', ['company_id', 'uploaded_at', 'id'],
                    sqlite_where=DOCUMENTS, postgresql_where=DOCUMENTS)
    op.create_index('ix_inquiries_company_state', 'inquiries', ['company_id', 'state', 'created_at', 'id'])
    recurring = sa.text('recurring_order_id IS NOT NULL')
    op.create_index('ix_orders_recurring_placed', 'orders', ['recurring_order_id', 'placed_at', 'id'],
                    sqlite_where=recurring, postgresql_where=recurring)
    analyze('ix_booked_services_company_state', 'ix_files_company_documents', 'ix_inquiries_company_state',
            'ix_orders_recurring_placed')


def analyze(*indexes):
    """On a SQLite database that has statistics (``ANALYZE`` ran), give the new indexes theirs: without,
    the planner takes ix_inquiries_company_state for a company's newest inquiries and sorts them all."""
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite' and bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
        for index in indexes:
            op.execute(f'ANALYZE {index}')


def downgrade():
    op.drop_index('ix_orders_recurring_placed', 'orders')
    op.drop_index('ix_inquiries_company_state', 'inquiries')
    op.drop_index('ix_files_company_documents', 'files')
    op.drop_index('ix_booked_services_company_state', 'booked_services')
