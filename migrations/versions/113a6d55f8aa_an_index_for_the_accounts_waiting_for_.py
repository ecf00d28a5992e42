"""an index for the accounts waiting for approval: shop accesses by state

Revision ID: 113a6d55f8aa
Revises: 7d2e9c4b1a60
Create Date: 2026-11-24 17:05:34.201087

"""
from alembic import op

revision = "113a6d55f8aa"
down_revision = "7d2e9c4b1a60"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_shop_assignments_state", "shop_assignments", ["state", "user_id"])
    connection = op.get_bind()
    if connection.dialect.name == "sqlite" and connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
        op.execute("ANALYZE ix_shop_assignments_state")  # as for the indexes before it


def downgrade():
    op.drop_index("ix_shop_assignments_state", table_name="shop_assignments")
