"""exact money: amounts as integer ten-thousandths with their currency; shops get a locale and a currency

Budgets, spend limits and checkout thresholds were NUMERIC, which SQLite keeps as
binary floats. They become BIGINT counts of ten-thousandths, converted with their
data; companies take their shop's currency and users their company's.

Revision ID: 3f6b0c9d2e11
Revises: 720b6e7bfe9c
Create Date: 2026-11-24 08:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '3f6b0c9d2e11'
down_revision = '720b6e7bfe9c'
branch_labels = None
depends_on = None

AMOUNTS = {
    "companies": ("require_approval_over", "block_checkout_over"),
    "company_users": ("budget_amount", "order_spend_limit"),
}


def upgrade():
    with op.batch_alter_table("shops") as batch:
        batch.add_column(sa.Column("locale", sa.String(16), nullable=False, server_default="en_GB"))
        batch.add_column(sa.Column("currency", sa.String(3), nullable=False, server_default="EUR"))
    for table, columns in AMOUNTS.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("currency", sa.String(3), nullable=False, server_default="EUR"))
            for column in columns:
                batch.add_column(sa.Column(f"{column}_units", sa.BigInteger(), nullable=True))
        for column in columns:
            op.execute(f"UPDATE {table} SET {column}_units = CAST(ROUND({column} * 10000) AS BIGINT) "
                       f"WHERE {column} IS NOT NULL")
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column)
                batch.alter_column(f"{column}_units", new_column_name=column)
    op.execute("UPDATE companies SET currency = (SELECT shops.currency FROM shops WHERE shops.id = companies.shop_id)")
    op.execute("UPDATE company_users SET currency = "
               "(SELECT companies.currency FROM companies WHERE companies.id = company_users.company_id)")
    for table in ("shops", *AMOUNTS):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("currency", existing_type=sa.String(3), server_default=None)
    with op.batch_alter_table("shops") as batch:
        batch.alter_column("locale", existing_type=sa.String(16), server_default=None)


def downgrade():
    for table, columns in AMOUNTS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.add_column(sa.Column(f"{column}_decimal", sa.Numeric(12, 2), nullable=True))
        for column in columns:
            op.execute(f"UPDATE {table} SET {column}_decimal = {column} / 10000.0 WHERE {column} IS NOT NULL")
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column)
                batch.alter_column(f"{column}_decimal", new_column_name=column)
            batch.drop_column("currency")
    with op.batch_alter_table("shops") as batch:
        batch.drop_column("currency")
        batch.drop_column("locale")
