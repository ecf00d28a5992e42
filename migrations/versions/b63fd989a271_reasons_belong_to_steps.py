"""reasons belong to steps

A reason names the steps (transition keys) it explains, so a rejection reason
is not offered when accepting. Reasons of a workflow whose reason-requiring
steps share one key (the company application's "reject") get that key; the
shipped application reasons that also explain putting on hold get "hold" too.
Elsewhere they stay offered for every step.

Revision ID: b63fd989a271
Revises: 5f98ee22e09a
Create Date: 2026-11-24 02:24:29.077431

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b63fd989a271'
down_revision = '5f98ee22e09a'
branch_labels = None
depends_on = None

STEPS = ("FROM workflow_transitions t WHERE t.workflow_id = workflow_reasons.workflow_id "
         "AND t.requires_reason = {true}")
ALSO_ON_HOLD = ("Company could not be verified", "Incomplete information")


def upgrade():
    with op.batch_alter_table('workflow_reasons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('steps', sa.String(length=200), server_default='', nullable=False))
    true = "true" if op.get_bind().dialect.name == "postgresql" else "1"
    steps = STEPS.format(true=true)
    op.execute(f"UPDATE workflow_reasons SET steps = (SELECT MIN(t.key) {steps}) "
               f"WHERE (SELECT COUNT(DISTINCT t.key) {steps}) = 1")
    reasons = sa.table("workflow_reasons", sa.column("label", sa.String), sa.column("steps", sa.String),
                       sa.column("workflow_id", sa.Integer))
    application = sa.select(sa.text("id")).select_from(sa.text("workflows")).where(
        sa.text("key = 'company_application'")).scalar_subquery()
    op.execute(reasons.update().where(reasons.c.workflow_id == application, reasons.c.steps == "reject",
                                      reasons.c.label.in_(ALSO_ON_HOLD)).values(steps="hold, reject"))


def downgrade():
    with op.batch_alter_table('workflow_reasons', schema=None) as batch_op:
        batch_op.drop_column('steps')
