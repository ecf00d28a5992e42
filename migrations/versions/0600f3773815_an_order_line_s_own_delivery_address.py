"""an order line's own delivery address

At checkout a customer may send delivered items to different addresses of the
address book; the line keeps its address (NULL: the order's).

Revision ID: 0600f3773815
Revises: 25ea03b6d70f
Create Date: 2026-11-24 11:44:03.142870

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0600f3773815'
down_revision = '25ea03b6d70f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shipping_address', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_column('shipping_address')

