"""indexes for the lists' filters and orders: users by company and name, users of a unit, holders of a
role, a company's invitations by state and date

Revision ID: c3ec6b1c233e
Revises: b63fd989a271
Create Date: 2026-11-24 04:31:28.848092

"""
from alembic import op

revision = 'c3ec6b1c233e'
down_revision = 'b63fd989a271'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_company_users_business_unit', 'company_users', ['business_unit_id'])
    op.create_index('ix_company_users_company_name', 'company_users', ['company_id', 'last_name', 'first_name', 'id'])
    op.create_index('ix_invitations_company_state_created', 'invitations', ['company_id', 'state', 'created_at'])
    op.create_index('ix_user_roles_role', 'user_roles', ['role_id', 'user_id'])


def downgrade():
    op.drop_index('ix_user_roles_role', 'user_roles')
    op.drop_index('ix_invitations_company_state_created', 'invitations')
    op.drop_index('ix_company_users_company_name', 'company_users')
    op.drop_index('ix_company_users_business_unit', 'company_users')
