"""shops: keep registration_mode inside its values

Revision ID: 5c1e2a7b9d40
Revises: 071dd105da73
Create Date: 2026-11-23 11:45:00

"""
from alembic import op

revision = '5c1e2a7b9d40'
down_revision = '071dd105da73'
branch_labels = None
depends_on = None


def upgrade():
    from models.base import enum_check
    from models.shops import RegistrationMode

    check = enum_check("registration_mode", RegistrationMode, "registration_mode")
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_shops_registration_mode'), check.sqltext)


def downgrade():
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_shops_registration_mode'), type_='check')
