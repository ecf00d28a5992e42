"""Rules for editing workflow definitions (states, transitions, reasons) safely.

Staff change workflows in the back office; these checks keep a definition usable
by the engine: one initial state, stable state keys (subjects store them), no
state removed while something is in it or a transition uses it, transitions
inside their own workflow, known side effects and mail templates.
"""
from __future__ import annotations

import functools
import os
import re

from flask import current_app
from sqlalchemy import func, insert, inspect, or_, select, update

from extensions import db
from models.actors import Actor
from models.base import DomainError
from models.operations import operation
from models.permissions import Perm, StaffPerm
from models.workflows import (
    GUARDS,
    RECIPIENTS,
    SIDE_EFFECTS,
    Workflow,
    WorkflowState,
    WorkflowSubject,
    WorkflowTransition,
)

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
KEY_RULE = "lower-case letters, digits and underscores, starting with a letter"


def subject_models(subject_type: str) -> list[type]:
    """The model classes whose rows workflows of ``subject_type`` drive."""
    found, pending = [], list(WorkflowSubject.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if getattr(cls, "subject_type", "") == subject_type and hasattr(cls, "__table__"):
            found.append(cls)
    return found


def subjects_in_state(workflow: Workflow, state_key: str) -> int:
    """How many subjects of this workflow are currently in ``state_key``."""
    return sum(
        db.session.scalar(
            select(func.count()).select_from(model)
            .where(model.workflow_id == workflow.id, model.state == state_key).execution_options(unscoped=True)
        )
        for model in subject_models(workflow.subject_type)
    )


def mail_templates() -> list[str]:
    """Names of the mail templates that exist as a .txt/.html pair."""
    folder = os.path.join(current_app.root_path, current_app.template_folder or "templates", "mail")
    names = {n[:-4] for n in os.listdir(folder) if n.endswith(".txt")}
    return sorted(n for n in names if os.path.exists(os.path.join(folder, n + ".html")) and n != "base")


def check_key(key: str, what: str) -> str:
    """A valid key for a state or transition, or a ``DomainError`` naming the rule."""
    key = (key or "").strip()
    if not KEY_PATTERN.match(key):
        raise DomainError(f"The {what} key “{key}” is not valid: use {KEY_RULE} (at most 40).", "key")
    return key



def _without_autoflush(check):
    """Checks read the pending edit as it stands: nothing is flushed (a removed state
    would cascade to its transitions, a new row would be inserted) before the check ends."""
    @functools.wraps(check)
    def wrapper(*args, **kwargs):
        with db.session.no_autoflush:
            return check(*args, **kwargs)
    return wrapper


@operation(staff=StaffPerm.MANAGE_WORKFLOWS)
@_without_autoflush
def check_definition(workflow: Workflow, *, actor: Actor) -> None:
    """Refuse an edited workflow definition the engine could not run."""
    _check_states(workflow)
    _check_removed_states(workflow)
    labels = [(r.label or "").strip() for r in workflow.reasons]
    if any(not label for label in labels):
        raise DomainError("Every reason needs a text.", "reasons")
    duplicates = {label for label in labels if labels.count(label) > 1}
    if duplicates:
        raise DomainError(f"The reason “{sorted(duplicates)[0]}” is listed twice.", "reasons")


def _check_states(workflow: Workflow) -> None:
    keys = []
    for state in workflow.states:
        keys.append(check_key(state.key, "state"))
        if not (state.label or "").strip():
            raise DomainError(f"The state “{state.key}” needs a label.", "states")
        history = inspect(state).attrs.key.history
        if history.deleted and history.deleted[0] != state.key:
            raise DomainError(
                f"The key of the state “{history.deleted[0]}” cannot change (items are stored with it); "
                "change its label instead.", "states"
            )
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise DomainError(f"The state key “{sorted(duplicates)[0]}” is used twice.", "states")
    if sum(1 for s in workflow.states if s.initial) != 1:
        raise DomainError("Mark exactly one state as the initial state (where new items start).", "states")


def _check_removed_states(workflow: Workflow) -> None:
    removed = [obj for obj in db.session.deleted if isinstance(obj, WorkflowState) and obj.workflow_id == workflow.id]
    for state in removed:
        used = db.session.scalar(
            select(func.count(WorkflowTransition.id)).where(
                or_(WorkflowTransition.from_state_id == state.id, WorkflowTransition.to_state_id == state.id)
            )
        )
        if used:
            raise DomainError(f"The state “{state.label}” is used by {used} transition(s); delete those first.", "states")
        waiting = subjects_in_state(workflow, state.key)
        if waiting:
            raise DomainError(f"{waiting} item(s) are in the state “{state.label}”; it cannot be deleted.", "states")


@operation(staff=StaffPerm.MANAGE_WORKFLOWS)
@_without_autoflush
def check_transition(transition: WorkflowTransition, *, actor: Actor) -> None:
    """Refuse a transition the engine could not fire."""

    transition.key = check_key(transition.key, "transition")
    if not (transition.label or "").strip():
        raise DomainError("The transition needs a label (shown on its button).", "label")
    workflow = transition.workflow
    if transition.from_state is None or transition.to_state is None:
        raise DomainError("Choose the state the transition starts from and the one it leads to.")
    if transition.from_state.workflow_id != workflow.id or transition.to_state.workflow_id != workflow.id:
        raise DomainError(f"Both states must belong to the workflow “{workflow.name}”.")
    if transition.from_state is transition.to_state:
        raise DomainError("A transition must lead to another state.")
    if transition.permission not in {p.value for p in StaffPerm} | {p.value for p in Perm}:
        raise DomainError(f"“{transition.permission}” is not a permission.", "permission")
    if transition.side_effect and transition.side_effect not in SIDE_EFFECTS:
        known = ", ".join(sorted(SIDE_EFFECTS))
        raise DomainError(f"Unknown side effect “{transition.side_effect}”. Known: {known}.", "side_effect")
    if transition.guard and transition.guard not in GUARDS:
        raise DomainError(f"Unknown condition “{transition.guard}”. Known: {', '.join(sorted(GUARDS))}.", "guard")
    unknown = [name for name in transition.recipient_names if name not in RECIPIENTS]
    if unknown:
        raise DomainError(f"Unknown recipients “{', '.join(unknown)}”. Known: {', '.join(sorted(RECIPIENTS))}.",
                          "mail_to")
    if transition.mail_template and transition.mail_template not in mail_templates():
        raise DomainError(f"There is no mail template “{transition.mail_template}”.", "mail_template")
    if transition.mail_template and not (transition.mail_subject or "").strip():
        raise DomainError("A transition that sends mail needs a mail subject.", "mail_subject")
    if transition.mail_template and not transition.recipient_names:
        raise DomainError("Say who receives the transition's mail.", "mail_to")
    clash = next(
        (t for t in workflow.transitions
         if t is not transition and t.key == transition.key and t.from_state is transition.from_state),
        None,
    )
    if clash is not None:
        raise DomainError(f"“{transition.key}” already leaves the state {transition.from_state.label}.", "key")


@operation(staff=StaffPerm.MANAGE_WORKFLOWS)
def move_subjects(workflow: Workflow, from_state: str, to_state: str, *, actor: Actor) -> int:
    """Move every item of ``workflow`` in ``from_state`` to ``to_state`` (before a state is removed or
    retired): one UPDATE per kind of item, each move written to the items' history; how many moved."""
    from models.audit import record
    from models.workflows import WorkflowHistory

    source, target = workflow.state(from_state), workflow.state(to_state)
    if source is None or target is None:
        raise DomainError("Choose two states of this workflow.", "states")
    if source is target:
        raise DomainError("Choose another state to move the items to.", "states")
    moved = 0
    for model in subject_models(workflow.subject_type):
        ids = db.session.scalars(select(model.id).where(model.workflow_id == workflow.id, model.state == from_state)
                                 .execution_options(unscoped=True)).all()
        if not ids:
            continue
        follows = model.columns_in_state(model, target)  # (on the class, a column reads as SQL: "email")
        db.session.execute(update(model).where(model.id.in_(ids), model.state == from_state)
                           .values(state=to_state, **follows)
                           .execution_options(synchronize_session=False, unscoped=True))
        event = record(actor, "workflow.subjects_moved", target=workflow, workflow=workflow.name,
                       before=source.label, after=target.label, count=len(ids))
        db.session.flush()
        db.session.execute(insert(WorkflowHistory), [
            {"workflow_id": workflow.id, "subject_type": workflow.subject_type, "subject_id": subject_id,
             "transition_key": "moved_by_staff", "from_state": from_state, "to_state": to_state,
             "reason": "", "comment": f"Moved from {source.label} by {actor.name}", "audit_event_id": event.id}
            for subject_id in ids])
        moved += len(ids)
    if not moved:
        raise DomainError(f"No item is in the state “{source.label}”.", "states")
    return moved
