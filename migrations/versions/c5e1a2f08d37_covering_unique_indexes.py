"""the back office's lists by e-mail, SKU and price tier page through their unique index alone on PostgreSQL:
the index also holds the row's id (INCLUDE), so a deep page's ids come from an index-only scan, not a sort of
the whole table (SQLite's indexes always hold the row id)

Revision ID: c5e1a2f08d37
Revises: b2d7e0c4f915
Create Date: 2026-11-25 00:30:00

"""
from alembic import op

revision = "c5e1a2f08d37"
down_revision = "b2d7e0c4f915"
branch_labels = None
depends_on = None

CONSTRAINTS = (  # name, table, columns
    ("uq_company_users_email", "company_users", ["email"]),
    ("uq_products_sku", "products", ["sku"]),
    ("uq_price_tier", "prices", ["price_list_id", "product_id", "min_quantity"]),
)


def _rebuild(include: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, columns in CONSTRAINTS:
        op.drop_constraint(name, table, type_="unique")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({', '.join(columns)}){include}")


def upgrade():
    _rebuild(" INCLUDE (id)")


def downgrade():
    _rebuild("")
