"""Helpers for migrations that ship reference data: built-in roles and workflows.

A migration passes its data literally, as it stood when the migration was
written, so that running it years later does the same thing. The helpers add
what is missing and never undo what staff changed: a workflow that exists keeps
its states, transitions and reasons; a role keeps the permissions it has and
gains the ones listed.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

roles = sa.table("roles", sa.column("id", sa.Integer), sa.column("key", sa.String),
                 sa.column("name", sa.String), sa.column("company_id", sa.Integer))
grants = sa.table("role_permissions", sa.column("role_id", sa.Integer), sa.column("permission", sa.String))
workflows = sa.table("workflows", sa.column("id", sa.Integer), sa.column("key", sa.String),
                     sa.column("name", sa.String), sa.column("subject_type", sa.String))
states = sa.table("workflow_states", sa.column("id", sa.Integer), sa.column("workflow_id", sa.Integer),
                  sa.column("key", sa.String), sa.column("label", sa.String), sa.column("tone", sa.String),
                  sa.column("initial", sa.Boolean), sa.column("final", sa.Boolean), sa.column("position", sa.Integer))
transitions = sa.table(
    "workflow_transitions", sa.column("id", sa.Integer), sa.column("workflow_id", sa.Integer),
    sa.column("key", sa.String), sa.column("label", sa.String), sa.column("from_state_id", sa.Integer),
    sa.column("to_state_id", sa.Integer), sa.column("permission", sa.String), sa.column("requires_reason", sa.Boolean),
    sa.column("guard", sa.String), sa.column("side_effect", sa.String), sa.column("mail_template", sa.String),
    sa.column("mail_subject", sa.String), sa.column("mail_to", sa.String), sa.column("position", sa.Integer),
)
reasons = sa.table("workflow_reasons", sa.column("workflow_id", sa.Integer), sa.column("label", sa.String),
                   sa.column("active", sa.Boolean))


def permission_check(permissions: list[str]) -> None:
    """Let ``role_permissions.permission`` hold exactly these names (its CHECK constraint)."""
    values = ", ".join(f"'{p}'" for p in sorted(permissions))
    with op.batch_alter_table("role_permissions") as batch:
        batch.drop_constraint(op.f("ck_role_permissions_permission"), type_="check")
        batch.create_check_constraint(op.f("ck_role_permissions_permission"), f"permission IN ({values})")


def grant_builtin(role_key: str, name: str, permissions: list[str]) -> None:
    """Create the built-in role unless it exists, and give it each listed permission it lacks."""
    connection = op.get_bind()
    role_id = connection.scalar(sa.select(roles.c.id).where(roles.c.key == role_key))
    if role_id is None:
        role_id = connection.execute(
            roles.insert().values(key=role_key, name=name, company_id=None).returning(roles.c.id)).scalar_one()
    held = set(connection.scalars(sa.select(grants.c.permission).where(grants.c.role_id == role_id)))
    missing = [p for p in permissions if p not in held]
    if missing:
        connection.execute(grants.insert(), [{"role_id": role_id, "permission": p} for p in missing])


def ensure_workflow(spec: dict) -> None:
    """Create the workflow ``spec["key"]`` with its states, transitions and reasons, unless it exists.

    ``spec``: key, name, subject_type; states as (key, label, tone, initial, final);
    transitions as (key, label, from, to, permission, requires_reason, guard, side_effect,
    mail_template, mail_subject, mail_to); reasons as labels.
    """
    connection = op.get_bind()
    if connection.scalar(sa.select(workflows.c.id).where(workflows.c.key == spec["key"])) is not None:
        return
    workflow_id = connection.execute(workflows.insert().values(
        key=spec["key"], name=spec["name"], subject_type=spec["subject_type"]).returning(workflows.c.id)).scalar_one()
    state_ids = {}
    for position, (key, label, tone, initial, final) in enumerate(spec["states"]):
        state_ids[key] = connection.execute(states.insert().values(
            workflow_id=workflow_id, key=key, label=label, tone=tone, initial=initial, final=final,
            position=position).returning(states.c.id)).scalar_one()
    for position, row in enumerate(spec["transitions"]):
        key, label, source, target, permission, reason, guard, effect, template, subject, mail_to = row
        connection.execute(transitions.insert().values(
            workflow_id=workflow_id, key=key, label=label, from_state_id=state_ids[source],
            to_state_id=state_ids[target], permission=permission, requires_reason=reason, guard=guard,
            side_effect=effect, mail_template=template, mail_subject=subject, mail_to=mail_to, position=position))
    if spec["reasons"]:
        connection.execute(reasons.insert(), [{"workflow_id": workflow_id, "label": label, "active": True}
                                              for label in spec["reasons"]])
