"""an asset's and an inquiry's files read through partial indexes (rows that name one): SQLite's planner took
the whole-column indexes for "asset_id IS NULL" on the back office's list of company documents and sorted
half the files

Revision ID: 3743ada3c8f1
Revises: 9f36340a6846
Create Date: 2026-11-24 20:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = "3743ada3c8f1"
down_revision = "9f36340a6846"
branch_labels = None
depends_on = None


def upgrade():
    for column in ("asset_id", "inquiry_id"):
        op.drop_index(f"ix_files_{column}", table_name="files")
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(f"ix_files_{column.removesuffix('_id')}", "files", [column], sqlite_where=where,
                        postgresql_where=where)
    connection = op.get_bind()
    if connection.dialect.name == "sqlite" and connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
        op.execute("ANALYZE files")


def downgrade():
    for column in ("asset_id", "inquiry_id"):
        op.drop_index(f"ix_files_{column.removesuffix('_id')}", table_name="files")
        op.create_index(f"ix_files_{column}", "files", [column])
