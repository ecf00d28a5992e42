"""password links for staff accounts too

A link to choose a password belongs to a company user or to a staff member
(a new back office account, or a forgotten password), never both.

Revision ID: b4545631c50b
Revises: d4c8e2f1a9b7
Create Date: 2026-11-23 23:51:43.673605

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4545631c50b'
down_revision = 'd4c8e2f1a9b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_user_id', sa.Integer(), nullable=True))
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_password_reset_tokens_staff_user_id'), ['staff_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_password_reset_tokens_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_password_reset_tokens_staff_user_id_staff_users'), 'staff_users', ['staff_user_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(batch_op.f('ck_password_reset_tokens_one_account'),
                                         '(user_id IS NULL) <> (staff_user_id IS NULL)')



def downgrade():
    op.execute("DELETE FROM password_reset_tokens WHERE user_id IS NULL")
    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_password_reset_tokens_one_account'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_password_reset_tokens_staff_user_id_staff_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_password_reset_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_password_reset_tokens_staff_user_id'))
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('staff_user_id')

