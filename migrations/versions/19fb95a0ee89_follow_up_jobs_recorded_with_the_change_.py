"""follow-up jobs recorded with the change that asks for them

Mail delivery and the jobs later capabilities ask for are written in the same
transaction as their cause, so Redis being down at commit loses nothing.

Revision ID: 19fb95a0ee89
Revises: b71e9a3c0d24
Create Date: 2026-11-23 23:15:10.537600

"""
from alembic import op
import sqlalchemy as sa
import models.base


# revision identifiers, used by Alembic.
revision = '19fb95a0ee89'
down_revision = 'b71e9a3c0d24'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('queue', sa.String(length=20), nullable=False),
    sa.Column('job', sa.String(length=120), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'done', 'failed')", name=op.f('ck_follow_ups_state')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_state_created', ['state', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_ups_state_created')

    op.drop_table('follow_ups')
