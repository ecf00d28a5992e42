"""permissions to see the orders of one's business unit and of the whole company

Orders are seen through the scope triad (own / business unit / company). Account
Admins get both new permissions, Approvers the business-unit one; the permission
column's check constraint learns the new names.

Revision ID: d4c8e2f1a9b7
Revises: 19fb95a0ee89
Create Date: 2026-11-24 14:00:00

"""
from migrations.reference import grant_builtin, permission_check

revision = 'd4c8e2f1a9b7'
down_revision = '19fb95a0ee89'
branch_labels = None
depends_on = None

BEFORE = [
    "purchase", "approve_orders", "manage_users", "manage_company", "manage_cost_centers", "manage_own_quotes",
    "create_inquiries", "view_business_unit_inquiries", "view_company_inquiries", "view_business_unit_services",
    "view_company_services", "view_business_unit_assets", "view_company_assets", "manage_assets", "view_files",
    "view_dashboard", "view_audit_log",
]
NEW = ["view_business_unit_orders", "view_company_orders"]


def upgrade():
    permission_check(BEFORE + NEW)
    grant_builtin("account_admin", "Account Admin", NEW)
    grant_builtin("approver", "Approver", ["view_business_unit_orders"])


def downgrade():
    from alembic import op

    op.execute("DELETE FROM role_permissions WHERE permission IN ('view_business_unit_orders', 'view_company_orders')")
    permission_check(BEFORE)
