"""The one engine that moves workflow subjects: ``transition(subject, key, actor=...)``.

It reads the subject's own workflow, refuses a move that does not exist from
the current state, that the actor's roles do not allow or that a guard
refuses, asks for a reason where the transition requires one, and then moves
the state with a conditional UPDATE (``... WHERE state = <the state it read>``):
of two people moving one subject at the same moment exactly one wins, and the
other hears what it was moved to. The move is recorded once, as an audit event
that the subject's history points at; then the side effect runs and the mail
goes to the transition's recipients.
"""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from extensions import db
from models.actors import Actor
from models.audit import AuditEvent, record, record_many
from models.base import DomainError, NotPermitted
from models.companies import account_admins
from models.mail import Mail, queue_mail, queue_mails
from models.operations import operation
from models.permissions import Perm, StaffPerm
from models.staff import StaffUser
from models.workflows import (
    ATRIUM_ONLY,
    GUARDS,
    RECIPIENTS,
    SIDE_EFFECTS,
    Workflow,
    WorkflowHistory,
    WorkflowSubject,
    WorkflowTransition,
    recipients,
)


def _loaded(query):
    return db.session.scalar(query.options(
        selectinload(Workflow.states), selectinload(Workflow.transitions), selectinload(Workflow.reasons)))


def get_workflow(key: str) -> Workflow:
    """The workflow stored under ``key`` (shipped by the migrations, edited by staff), loaded once per session
    like ``workflow_of``: a job starting many subjects reads it once."""
    loaded = db.session.info.setdefault("workflow_keys", {})
    workflow = loaded.get(key)
    if workflow is None or workflow not in db.session:
        workflow = _loaded(select(Workflow).where(Workflow.key == key))
        if workflow is None:
            raise DomainError(f"The workflow “{key}” is not set up; run the database migrations.")
        loaded[key] = workflow
    return workflow


def workflow_of(subject: WorkflowSubject) -> Workflow:
    """The workflow this subject row names, with its states, transitions and reasons (loaded once per
    session: a page asks for it for its buttons, its reasons and its history)."""
    loaded = db.session.info.setdefault("workflows", {})
    workflow = loaded.get(subject.workflow_id)
    if workflow is None or workflow not in db.session:  # (a session that was closed and reused forgets it)
        workflow = loaded[subject.workflow_id] = _loaded(select(Workflow).where(Workflow.id == subject.workflow_id))
    return workflow


def workflows_for(subject_type: str) -> list[Workflow]:
    """Every workflow that drives subjects of a kind (e.g. one per inquiry type)."""
    return db.session.scalars(
        select(Workflow).where(Workflow.subject_type == subject_type).order_by(Workflow.id)
        .options(selectinload(Workflow.states))
    ).all()


def start(subject: WorkflowSubject, workflow: Workflow | None = None) -> None:
    """Put a new subject into its workflow's initial state (the class's default workflow unless given)."""
    workflow = workflow or get_workflow(subject.default_workflow)
    subject.workflow, subject.workflow_id = workflow, workflow.id
    subject.state = workflow.initial_state.key


def actor_may(actor: Actor, permission: str) -> bool:
    """Whether ``actor`` holds the permission a transition names (staff or company)."""
    if actor.is_system:
        return True
    for enum_cls in (StaffPerm, Perm):
        try:
            return actor.can(enum_cls(permission))
        except (ValueError, TypeError):
            continue
    return False


def available_transitions(subject: WorkflowSubject, *, actor: Actor) -> list[WorkflowTransition]:
    """The moves ``actor`` may fire from the subject's current state."""
    return [t for t in workflow_of(subject).transitions
            if t.from_state.key == subject.state and actor_may(actor, t.permission)
            and (actor.is_system or t.guard not in ATRIUM_ONLY)]


def offered_transitions(subject: WorkflowSubject, *, actor: Actor) -> list[WorkflowTransition]:
    """The moves to offer ``actor`` as buttons: those they may fire now whose condition lets them."""
    offered = []
    for move in available_transitions(subject, actor=actor):
        try:
            if move.guard:
                GUARDS[move.guard](subject, actor=actor)
        except DomainError:
            continue
        offered.append(move)
    return offered


@operation(per_transition=True)
def transition(subject: WorkflowSubject, key: str, *, actor: Actor, reason_id: int | None = None,
               comment: str = "", expected_state: str | None = None) -> WorkflowTransition:
    """Move ``subject`` along the transition ``key`` of its workflow (see the module docstring).

    ``expected_state`` is the state the person saw; if the subject has moved on
    since, nothing happens and they are told where it is now.
    """
    workflow = workflow_of(subject)
    noun = subject.subject_noun
    if expected_state is not None and expected_state != subject.state:
        raise DomainError(f"This {noun} was already moved to {workflow.label_of(subject.state)} by someone else; "
                          "nothing was changed.")
    current = workflow.state(subject.state)
    if current is None:
        raise DomainError(f"This {noun} is in a state its workflow no longer has; ask an administrator to move it.")
    move = next((t for t in workflow.transitions if t.key == key and t.from_state_id == current.id), None)
    if move is None:  # also a step that an edit of the workflow removed or moved since the page was shown
        label = next((t.label for t in workflow.transitions if t.key == key), key)
        raise DomainError(f"“{label}” is not possible while the {noun} is {current.label}.")
    if not actor_may(actor, move.permission):
        raise NotPermitted("Your roles do not allow this step.")
    if actor.acts_as_customer and getattr(subject, "company_id", None) != actor.company_id:
        raise NotPermitted("This belongs to another company.")
    if move.guard:
        GUARDS[move.guard](subject, actor=actor)
    reason = _reason(workflow, move, reason_id)
    before = {column: getattr(subject, column) for column in ("state", *subject.columns_in_state(move.to_state))}
    try:
        with db.session.begin_nested():  # the move, its record and its side effect stand or fall together
            _move(subject, workflow, current.key, move.to_state.key)
            _record(subject, workflow, move, current, reason, comment, actor)
            if move.side_effect:
                SIDE_EFFECTS[move.side_effect](subject, actor=actor, reason=reason, comment=comment)
            _mail(subject, move, reason, comment)
            db.session.flush()
    except Exception:
        for column, value in before.items():  # the row went back with the savepoint; so does the object
            set_committed_value(subject, column, value)
        raise
    return move


@operation(per_transition=True)
def transition_all(subjects: list[WorkflowSubject], key: str, *, actor: Actor, comment=None) -> list[WorkflowSubject]:
    """Move many subjects of one kind along the transition ``key`` at once (a job's batch) in a few statements,
    whatever their number: for each workflow and state one UPDATE of those still in it, then their audit events
    and history rows in three statements and their mail in one. ``comment(subject)`` gives a subject's comment.

    A subject that another move took first, or whose guard refuses it, stays where it is; a transition with a
    side effect moves its subjects one by one (``transition``). The actor needs each move's permission, as for
    ``transition``. Returns the subjects moved.
    """
    groups: dict[tuple, list] = {}
    for subject in subjects:
        workflow = workflow_of(subject)
        current = workflow.state(subject.state)
        move = next((t for t in workflow.transitions if t.key == key and current is not None
                     and t.from_state_id == current.id), None)
        if move is not None:
            groups.setdefault((workflow.id, move.id), []).append(subject)
    moved = []
    for group in groups.values():
        moved += _move_group(group, key, actor=actor, comment=comment or (lambda subject: ""))
    return moved


def _move_group(subjects, key: str, *, actor: Actor, comment) -> list:
    """Move subjects of one workflow in one state along one transition (see ``transition_all``)."""
    workflow = workflow_of(subjects[0])
    current = workflow.state(subjects[0].state)
    move = next(t for t in workflow.transitions if t.key == key and t.from_state_id == current.id)
    if not actor_may(actor, move.permission) or (move.guard in ATRIUM_ONLY and not actor.is_system):
        raise NotPermitted("Your roles do not allow this step.")
    if actor.acts_as_customer and any(getattr(s, "company_id", None) != actor.company_id for s in subjects):
        raise NotPermitted("This belongs to another company.")
    if move.side_effect:
        return [subject for subject in subjects if _one_by_one(subject, key, actor, comment(subject))]
    allowed = [subject for subject in subjects if _guard_lets(move, subject, actor)]
    model, values = type(subjects[0]), {"state": move.to_state.key,
                                        **subjects[0].columns_in_state(move.to_state)}
    ids = set(db.session.scalars(
        update(model).where(model.id.in_([s.id for s in allowed]), model.state == current.key).values(**values)
        .returning(model.id).execution_options(synchronize_session=False)).all()) if allowed else set()
    moved = [subject for subject in allowed if subject.id in ids]
    comments = {subject.id: (comment(subject) or "").strip() for subject in moved}
    for subject in moved:
        for column, value in values.items():
            set_committed_value(subject, column, value)
    if moved:
        _record_all(moved, workflow, move, current, comments, actor)
        queue_mails([mail for subject in moved for mail in _mails(subject, move, None, comments[subject.id])])
    return moved


def _record_all(subjects, workflow: Workflow, move: WorkflowTransition, current, comments: dict, actor) -> None:
    """What ``_record`` writes for one move, for a batch in three statements: the audit events, their ids,
    and the history rows pointing at them."""
    model = type(subjects[0])
    at = record_many(actor, "workflow.moved", targets=subjects, workflow=workflow.name, step=move.label,
                     before=current.label, after=move.to_state.label, reason="")
    events = dict(db.session.execute(select(AuditEvent.target_id, AuditEvent.id).where(
        AuditEvent.at == at, AuditEvent.action == "workflow.moved", AuditEvent.target_type == model.__name__,
        AuditEvent.target_id.in_(list(comments)))).all())
    db.session.execute(insert(WorkflowHistory), [
        {"workflow_id": workflow.id, "subject_type": subjects[0].subject_type, "subject_id": subject.id,
         "transition_key": move.key, "from_state": current.key, "to_state": move.to_state.key, "reason": "",
         "comment": comments[subject.id], "at": at, "audit_event_id": events[subject.id]} for subject in subjects])


def _guard_lets(move: WorkflowTransition, subject, actor: Actor) -> bool:
    try:
        if move.guard:
            GUARDS[move.guard](subject, actor=actor)
    except DomainError:
        return False
    return True


def _one_by_one(subject, key: str, actor: Actor, comment: str) -> bool:
    try:
        transition(subject, key, actor=actor, comment=comment)
    except DomainError:
        return False
    return True


def _record(subject, workflow: Workflow, move: WorkflowTransition, current, reason, comment: str, actor) -> None:
    event = record(actor, "workflow.moved", company_id=getattr(subject, "company_id", None), target=subject,
                   workflow=workflow.name, step=move.label, before=current.label, after=move.to_state.label,
                   reason=reason.label if reason else "")
    db.session.add(WorkflowHistory(
        workflow=workflow, subject_type=subject.subject_type, subject_id=subject.id, transition_key=move.key,
        from_state=current.key, to_state=move.to_state.key, reason=reason.label if reason else "",
        comment=(comment or "").strip(), audit_event=event,
    ))


def _move(subject, workflow: Workflow, before: str, after: str) -> None:
    """Change the state only if it is still ``before``; the loser of a race is told where it went."""
    model = type(subject)
    values = {"state": after, **subject.columns_in_state(workflow.state(after))}
    moved = db.session.execute(
        update(model).where(model.id == subject.id, model.state == before).values(**values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        now = db.session.scalar(select(model.state).where(model.id == subject.id))
        raise DomainError(f"This {subject.subject_noun} was already moved to {workflow.label_of(now)} by someone "
                          "else a moment ago; nothing was changed.")
    for column, value in values.items():
        set_committed_value(subject, column, value)


def _reason(workflow: Workflow, move: WorkflowTransition, reason_id: int | None):
    if reason_id is None:
        if move.requires_reason:
            raise DomainError("Pick a reason for this step.", "reason")
        return None
    reason = next((r for r in workflow.reasons if r.id == reason_id and r.fits(move)), None)
    if reason is None:
        raise DomainError(f"That reason is not one of the reasons for “{move.label}”.", "reason")
    return reason


def _mail(subject, move: WorkflowTransition, reason, comment) -> None:
    for mail in _mails(subject, move, reason, comment):
        queue_mail(mail.recipient, mail.template, subject=mail.subject, **mail.context)


def _mails(subject, move: WorkflowTransition, reason, comment) -> list[Mail]:
    """The mail a move sends: one to each of the transition's recipients."""
    if not move.mail_template:
        return []
    addresses = []
    for name in move.recipient_names:
        addresses += [a for a in RECIPIENTS[name](subject, move) if a and a not in addresses]
    context = {"item": subject, "reason": reason.label if reason else "", "comment": comment,
               "state": move.to_state.label}
    return [Mail(address, move.mail_template, move.mail_subject or move.label, context) for address in addresses]


def history_of(subject: WorkflowSubject) -> list[WorkflowHistory]:
    """Every move of the subject, oldest first, with who made it."""
    return db.session.scalars(
        select(WorkflowHistory)
        .where(WorkflowHistory.subject_type == subject.subject_type, WorkflowHistory.subject_id == subject.id)
        .options(joinedload(WorkflowHistory.audit_event))
        .order_by(WorkflowHistory.at, WorkflowHistory.id)
    ).all()


@recipients("contact")
def _contact(subject, move) -> list[str]:
    """The subject's contact person (an application's applicant, an inquiry's author)."""
    return subject.contact_emails()


@recipients("account_admins")
def _account_admins(subject, move) -> list[str]:
    """The active Account Admins of the subject's company."""
    company_id = getattr(subject, "company_id", None)
    return [u.email for u in account_admins(company_id)] if company_id else []


@recipients("staff")
def _staff(subject, move) -> list[str]:
    """Active staff who may fire the transition (those who work such subjects)."""
    staff = db.session.scalars(select(StaffUser).where(StaffUser.active.is_(True))).all()
    return [s.email for s in staff if actor_may(Actor.for_staff(s), move.permission)]
