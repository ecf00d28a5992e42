"""one open application per address and shop; self-registered addresses confirmed

An application keeps its address in ``open_email`` while its workflow has not
reached a final state, under a unique constraint per shop: two submissions at
the same moment cannot both be in review. Where an installation already has
several open ones for an address, the oldest holds the place.

Self-registered users confirm their address before they can sign in; every
account that exists already counts as confirmed.

Revision ID: 5f98ee22e09a
Revises: df876864734a
Create Date: 2026-11-24 00:56:33.646136

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5f98ee22e09a'
down_revision = 'df876864734a'
branch_labels = None
depends_on = None

OPEN = ("NOT EXISTS (SELECT 1 FROM workflow_states s WHERE s.workflow_id = {a}.workflow_id "
        "AND s.key = {a}.state AND s.final = {true})")


def upgrade():
    with op.batch_alter_table('company_applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_email', sa.String(length=254), nullable=True))
    true = "true" if op.get_bind().dialect.name == "postgresql" else "1"
    op.execute(
        "UPDATE company_applications SET open_email = email WHERE "
        + OPEN.format(a="company_applications", true=true)
        + " AND id = (SELECT min(a.id) FROM company_applications a WHERE a.shop_id = company_applications.shop_id"
        " AND a.email = company_applications.email AND " + OPEN.format(a="a", true=true) + ")"
    )
    with op.batch_alter_table('company_applications', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_application_open_email', ['shop_id', 'open_email'])

    with op.batch_alter_table('company_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmation_pending', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('company_users', schema=None) as batch_op:
        batch_op.drop_column('confirmation_pending')

    with op.batch_alter_table('company_applications', schema=None) as batch_op:
        batch_op.drop_constraint('uq_application_open_email', type_='unique')
        batch_op.drop_column('open_email')
