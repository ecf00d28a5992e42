"""a cart line may be a service for one of the company's assets

Revision ID: 47e1dfb8455a
Revises: 113a6d55f8aa
Create Date: 2026-11-24 19:48:45.145345

"""
import sqlalchemy as sa
from alembic import op

revision = "47e1dfb8455a"
down_revision = "113a6d55f8aa"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cart_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("asset_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_cart_lines_asset_id"), ["asset_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_cart_lines_asset_id_assets"), "assets", ["asset_id"], ["id"],
                                    ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("cart_lines", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cart_lines_asset_id_assets"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_cart_lines_asset_id"))
        batch_op.drop_column("asset_id")
