"""trigram indexes for the back office searches on PostgreSQL: customers by e-mail and name, companies
by name, so a search for any part of a word reads an index instead of every row

Revision ID: e5a0c4d7b912
Revises: c3ec6b1c233e
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op

revision = "e5a0c4d7b912"
down_revision = "c3ec6b1c233e"
branch_labels = None
depends_on = None

# The columns the back office searches with "contains" (ILIKE '%…%'); pg_trgm answers those from a GIN index.
SEARCHED = (("company_users", "email"), ("company_users", "first_name"), ("company_users", "last_name"),
            ("companies", "name"), ("companies", "vat_id"))


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in SEARCHED:
        op.create_index(f"ix_{table}_{column}_trgm", table, [column], postgresql_using="gin",
                        postgresql_ops={column: "gin_trgm_ops"})


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in SEARCHED:
        op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)
