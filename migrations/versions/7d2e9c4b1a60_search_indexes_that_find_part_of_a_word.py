"""search indexes that find a part of a word: FTS5 trigram tables on SQLite, pg_trgm on lower(column)

SQLite: each large searched table gets ``<table>_search``, an external-content FTS5 table with the trigram
tokenizer over the columns ``models.search.INDEXED`` names, kept in step by triggers and filled once here.
A later migration that rebuilds one of these tables (batch mode copies and drops it, and its triggers with
it) must create the triggers again; ``tests/test_search.py`` checks every table's index against its rows.
PostgreSQL: the trigram indexes of the customer, company and application searches move from the bare
column (Flask-Admin's ILIKE) to ``lower(column)``, which every search box now compares.

Revision ID: 7d2e9c4b1a60
Revises: 5669db399a82
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op

from models.search import drop_search_table_ddl, search_table_ddl

revision = "7d2e9c4b1a60"
down_revision = "5669db399a82"
branch_labels = None
depends_on = None

INDEXED = {
    "products": ("sku", "name"),
    "company_users": ("email", "first_name", "last_name"),
    "companies": ("name", "vat_id"),
    "company_applications": ("company_name", "email", "last_name"),
}
RETYPED = [(table, column) for table in ("company_users", "companies", "company_applications")
           for column in INDEXED[table]]


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table, columns in INDEXED.items():
            for statement in search_table_ddl(table, columns):
                op.execute(statement)
    elif dialect == "postgresql":
        for table, column in RETYPED:
            op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)
            op.execute(f"CREATE INDEX ix_{table}_{column}_trgm ON {table} USING gin (lower({column}) gin_trgm_ops)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in INDEXED:
            for statement in drop_search_table_ddl(table):
                op.execute(statement)
    elif dialect == "postgresql":
        for table, column in RETYPED:
            op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)
            op.create_index(f"ix_{table}_{column}_trgm", table, [column], postgresql_using="gin",
                            postgresql_ops={column: "gin_trgm_ops"})
