"""indexes for the back office's after-sales lists in their default order

The back office lists every company's inquiries newest first, files newest
first, assets by name and booked services by time: without these, each page
sorted all rows (130 ms for 100,000 inquiries on SQLite; under 1 ms with).

Revision ID: bde1e4d11e1b
Revises: 0600f3773815
Create Date: 2026-11-24 12:21:39.607418

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bde1e4d11e1b'
down_revision = '0600f3773815'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.create_index('ix_assets_name', ['name', 'id'], unique=False)

    with op.batch_alter_table('booked_services', schema=None) as batch_op:
        batch_op.create_index('ix_booked_services_at', ['scheduled_at', 'id'], unique=False)

    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.create_index('ix_files_uploaded', ['uploaded_at', 'id'], unique=False)

    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.create_index('ix_inquiries_created', ['created_at', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.drop_index('ix_inquiries_created')

    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.drop_index('ix_files_uploaded')

    with op.batch_alter_table('booked_services', schema=None) as batch_op:
        batch_op.drop_index('ix_booked_services_at')

    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_index('ix_assets_name')

