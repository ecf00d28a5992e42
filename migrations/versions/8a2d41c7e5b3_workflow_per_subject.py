"""workflows per subject row: tones, guards, recipients; history points at audit events

Each company application names its workflow; states get a badge tone; transitions
get a guard and mail recipients; a workflow says what it drives. Who moved a
subject was copied into the history; each existing history row becomes an audit
event that the row points at.

Revision ID: 8a2d41c7e5b3
Revises: 3f6b0c9d2e11
Create Date: 2026-11-24 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '8a2d41c7e5b3'
down_revision = '3f6b0c9d2e11'
branch_labels = None
depends_on = None

audit_events = sa.table(
    "audit_events", sa.column("id", sa.Integer), sa.column("at"),  # passed through as the database gave it
    sa.column("company_id", sa.Integer), sa.column("actor_kind", sa.String), sa.column("actor_id", sa.Integer),
    sa.column("actor_label", sa.String), sa.column("on_behalf_of_label", sa.String), sa.column("action", sa.String),
    sa.column("target_type", sa.String), sa.column("target_id", sa.Integer), sa.column("target_label", sa.String),
    sa.column("details", sa.JSON),
)


def upgrade():
    with op.batch_alter_table("workflows") as batch:
        batch.add_column(sa.Column("subject_type", sa.String(40), nullable=False, server_default=""))
        batch.create_index(batch.f("ix_workflows_subject_type"), ["subject_type"], unique=False)
    op.execute("UPDATE workflows SET subject_type = key")
    with op.batch_alter_table("workflow_states") as batch:
        batch.add_column(sa.Column("tone", sa.String(12), nullable=False, server_default="neutral"))
        batch.create_check_constraint(
            batch.f("ck_workflow_states_tone"),
            "tone IN ('neutral', 'info', 'primary', 'success', 'warning', 'danger')")
    with op.batch_alter_table("workflow_transitions") as batch:
        batch.add_column(sa.Column("guard", sa.String(60), nullable=False, server_default=""))
        batch.add_column(sa.Column("mail_to", sa.String(200), nullable=False, server_default=""))
    op.execute("UPDATE workflow_transitions SET mail_to = 'contact' WHERE mail_template <> ''")

    with op.batch_alter_table("company_applications") as batch:
        batch.add_column(sa.Column("workflow_id", sa.Integer(), nullable=True))
    op.execute("UPDATE company_applications SET workflow_id = "
               "(SELECT id FROM workflows WHERE workflows.key = 'company_application')")
    with op.batch_alter_table("company_applications") as batch:
        batch.alter_column("workflow_id", existing_type=sa.Integer(), nullable=False)
        batch.create_index(batch.f("ix_company_applications_workflow_id"), ["workflow_id"], unique=False)
        batch.create_foreign_key(batch.f("fk_company_applications_workflow_id_workflows"), "workflows",
                                 ["workflow_id"], ["id"])

    with op.batch_alter_table("workflow_history") as batch:
        batch.add_column(sa.Column("workflow_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("audit_event_id", sa.Integer(), nullable=True))
    _history_into_audit_events()
    with op.batch_alter_table("workflow_history") as batch:
        batch.drop_index("ix_workflow_history_subject_id")
        batch.drop_column("workflow_key")
        batch.drop_column("actor_kind")
        batch.drop_column("actor_id")
        batch.drop_column("actor_label")
        batch.alter_column("workflow_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("audit_event_id", existing_type=sa.Integer(), nullable=False)
        batch.create_index("ix_workflow_history_subject", ["subject_type", "subject_id", "at"], unique=False)
        batch.create_index(batch.f("ix_workflow_history_audit_event_id"), ["audit_event_id"], unique=False)
        batch.create_foreign_key(batch.f("fk_workflow_history_workflow_id_workflows"), "workflows",
                                 ["workflow_id"], ["id"])
        batch.create_foreign_key(batch.f("fk_workflow_history_audit_event_id_audit_events"), "audit_events",
                                 ["audit_event_id"], ["id"])
    for table in ("workflows", "workflow_states", "workflow_transitions"):
        with op.batch_alter_table(table) as batch:
            for column, kind in {"workflows": [("subject_type", sa.String(40))],
                                 "workflow_states": [("tone", sa.String(12))],
                                 "workflow_transitions": [("guard", sa.String(60)),
                                                          ("mail_to", sa.String(200))]}[table]:
                batch.alter_column(column, existing_type=kind, server_default=None)


def _history_into_audit_events():
    """Each history row's actor becomes an audit event of the move; the row points at it."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT h.id, h.at, h.subject_id, h.from_state, h.to_state, h.reason, h.actor_kind, h.actor_id, "
        "h.actor_label, w.id AS workflow_id, w.name, a.company_name, a.company_id "
        "FROM workflow_history h JOIN workflows w ON w.key = h.workflow_key "
        "LEFT JOIN company_applications a ON a.id = h.subject_id AND h.subject_type = 'CompanyApplication'"
    )).mappings().all()
    labels = {(row.workflow_id, row.key): row.label for row in connection.execute(sa.text(
        "SELECT workflow_id, key, label FROM workflow_states")).mappings()}
    for row in rows:
        before = labels.get((row["workflow_id"], row["from_state"]), row["from_state"])
        after = labels.get((row["workflow_id"], row["to_state"]), row["to_state"])
        event_id = connection.execute(audit_events.insert().values(
            at=row["at"], company_id=row["company_id"], actor_kind=row["actor_kind"], actor_id=row["actor_id"],
            actor_label=row["actor_label"], on_behalf_of_label="", action="workflow.moved",
            target_type="CompanyApplication", target_id=row["subject_id"], target_label=row["company_name"] or "",
            details={"workflow": row["name"], "before": before, "after": after, "reason": row["reason"]},
        ).returning(audit_events.c.id)).scalar_one()
        connection.execute(sa.text(
            "UPDATE workflow_history SET audit_event_id = :event, workflow_id = :workflow WHERE id = :id"),
            {"event": event_id, "workflow": row["workflow_id"], "id": row["id"]})
    connection.execute(sa.text(
        "UPDATE workflow_history SET subject_type = 'company_application' WHERE subject_type = 'CompanyApplication'"))


def downgrade():
    with op.batch_alter_table("workflow_history") as batch:
        batch.add_column(sa.Column("workflow_key", sa.String(40), nullable=False, server_default="company_application"))
        batch.add_column(sa.Column("actor_kind", sa.String(16), nullable=False, server_default="system"))
        batch.add_column(sa.Column("actor_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("actor_label", sa.String(200), nullable=False, server_default="Atrium"))
    op.execute("UPDATE workflow_history SET actor_kind = (SELECT actor_kind FROM audit_events e "
               "WHERE e.id = workflow_history.audit_event_id), actor_id = (SELECT actor_id FROM audit_events e "
               "WHERE e.id = workflow_history.audit_event_id), actor_label = (SELECT actor_label FROM audit_events e "
               "WHERE e.id = workflow_history.audit_event_id), subject_type = 'CompanyApplication'")
    with op.batch_alter_table("workflow_history") as batch:
        batch.drop_constraint(batch.f("fk_workflow_history_audit_event_id_audit_events"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_workflow_history_workflow_id_workflows"), type_="foreignkey")
        batch.drop_index(batch.f("ix_workflow_history_audit_event_id"))
        batch.drop_index("ix_workflow_history_subject")
        batch.drop_column("audit_event_id")
        batch.drop_column("workflow_id")
        batch.create_index("ix_workflow_history_subject_id", ["subject_id"], unique=False)
    with op.batch_alter_table("company_applications") as batch:
        batch.drop_constraint(batch.f("fk_company_applications_workflow_id_workflows"), type_="foreignkey")
        batch.drop_index(batch.f("ix_company_applications_workflow_id"))
        batch.drop_column("workflow_id")
    with op.batch_alter_table("workflow_transitions") as batch:
        batch.drop_column("mail_to")
        batch.drop_column("guard")
    with op.batch_alter_table("workflow_states") as batch:
        batch.drop_constraint(batch.f("ck_workflow_states_tone"), type_="check")
        batch.drop_column("tone")
    with op.batch_alter_table("workflows") as batch:
        batch.drop_index(batch.f("ix_workflows_subject_type"))
        batch.drop_column("subject_type")
