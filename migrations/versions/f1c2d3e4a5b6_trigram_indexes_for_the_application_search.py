"""trigram indexes for the back office application search on PostgreSQL: company name, e-mail and last
name, as for customers and companies

Revision ID: f1c2d3e4a5b6
Revises: e5a0c4d7b912
Create Date: 2026-11-24 07:10:00.000000

"""
from alembic import op

revision = "f1c2d3e4a5b6"
down_revision = "e5a0c4d7b912"
branch_labels = None
depends_on = None

SEARCHED = (("company_applications", "company_name"), ("company_applications", "email"),
            ("company_applications", "last_name"))


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in SEARCHED:
        op.create_index(f"ix_{table}_{column}_trgm", table, [column], postgresql_using="gin",
                        postgresql_ops={column: "gin_trgm_ops"})


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in SEARCHED:
        op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)
