"""indexes for an asset's booked services (its service history, latest first; only the rows that name an asset,
so the planner's statistics count assets, not the many bookings without one) and a product type's products by
name (the services an asset's page offers)

Revision ID: 9f36340a6846
Revises: 47e1dfb8455a
Create Date: 2026-11-24 20:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "9f36340a6846"
down_revision = "47e1dfb8455a"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_booked_services_asset_id", table_name="booked_services")
    op.create_index("ix_booked_services_asset_at", "booked_services", ["asset_id", "scheduled_at", "id"],
                    sqlite_where=sa.text("asset_id IS NOT NULL"), postgresql_where=sa.text("asset_id IS NOT NULL"))
    op.drop_index("ix_products_product_type_id", table_name="products")
    op.create_index("ix_products_type_name", "products", ["product_type_id", "name", "id"])
    connection = op.get_bind()
    if connection.dialect.name == "sqlite" and connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
        op.execute("ANALYZE ix_booked_services_asset_at")  # as for the indexes before them
        op.execute("ANALYZE ix_products_type_name")


def downgrade():
    op.drop_index("ix_products_type_name", table_name="products")
    op.create_index("ix_products_product_type_id", "products", ["product_type_id"])
    op.drop_index("ix_booked_services_asset_at", table_name="booked_services")
    op.create_index("ix_booked_services_asset_id", "booked_services", ["asset_id"])
