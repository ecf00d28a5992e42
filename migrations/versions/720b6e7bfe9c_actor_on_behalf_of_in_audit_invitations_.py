"""actor on behalf of in audit; invitations keep their role optional

Revision ID: 720b6e7bfe9c
Revises: 5c1e2a7b9d40
Create Date: 2026-11-23 22:30:18.476003

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '720b6e7bfe9c'
down_revision = '5c1e2a7b9d40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_behalf_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('on_behalf_of_label', sa.String(length=200), nullable=False, server_default=''))
        batch_op.create_index('ix_audit_events_company_at', ['company_id', 'at', 'id'], unique=False)

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.alter_column('role_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_invitations_role_id'), ['role_id'], unique=False)
        batch_op.drop_constraint(batch_op.f('fk_invitations_role_id_roles'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_invitations_role_id_roles'), 'roles', ['role_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invitations_role_id_roles'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_invitations_role_id_roles'), 'roles', ['role_id'], ['id'])
        batch_op.drop_index(batch_op.f('ix_invitations_role_id'))
        batch_op.alter_column('role_id',
               existing_type=sa.INTEGER(),
               nullable=False)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_company_at')
        batch_op.drop_column('on_behalf_of_label')
        batch_op.drop_column('on_behalf_of_id')

