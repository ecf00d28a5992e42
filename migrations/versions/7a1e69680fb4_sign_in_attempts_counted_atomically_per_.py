"""sign-in attempts counted atomically per account and address

Failed sign-ins were rows counted before a new one was written, so concurrent
guesses all passed the count. A counter per key (account, address) is taken
with one conditional UPDATE instead; the old rows only mattered for fifteen
minutes and are dropped.

Revision ID: 7a1e69680fb4
Revises: b4545631c50b
Create Date: 2026-11-24 00:24:51.831792

"""
from alembic import op
import sqlalchemy as sa
import models.base


# revision identifiers, used by Alembic.
revision = '7a1e69680fb4'
down_revision = 'b4545631c50b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('throttles',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('window_start', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_throttles'))
    )
    with op.batch_alter_table('throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttles_window_start'), ['window_start'], unique=False)

    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_at'))
        batch_op.drop_index(batch_op.f('ix_login_failures_email'))
        batch_op.drop_index(batch_op.f('ix_login_failures_ip'))

    op.drop_table('login_failures')


def downgrade():
    op.create_table('login_failures',
    sa.Column('id', sa.INTEGER(), nullable=False),
    sa.Column('email', sa.VARCHAR(length=254), nullable=False),
    sa.Column('ip', sa.VARCHAR(length=64), nullable=False),
    sa.Column('at', sa.DATETIME(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_ip'), ['ip'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_at'), ['at'], unique=False)

    with op.batch_alter_table('throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttles_window_start'))

    op.drop_table('throttles')
