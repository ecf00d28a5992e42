"""the file name search reads an index: an FTS5 trigram table on SQLite, pg_trgm on lower(name) on PostgreSQL

Revision ID: b2d7e0c4f915
Revises: 3743ada3c8f1
Create Date: 2026-11-24 21:05:00

"""
from alembic import op

from models.search import drop_search_table_ddl, search_table_ddl

revision = "b2d7e0c4f915"
down_revision = "3743ada3c8f1"
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in search_table_ddl("files", ("name",)):
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute("CREATE INDEX ix_files_name_trgm ON files USING gin (lower(name) gin_trgm_ops)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in drop_search_table_ddl("files"):
            op.execute(statement)
    elif dialect == "postgresql":
        op.drop_index("ix_files_name_trgm", table_name="files")
