"""Workflows as data: states, transitions, reasons and history, one engine.

A workflow definition (company applications now; inquiries and quotes later) is
stored in the database with its documented defaults and edited in the back
office. ``transition(subject, key, actor=...)`` is the only way a subject's ``state``
changes: it checks that the move exists from the current state and that the
actor holds the permission the transition names, asks for a reason where the
transition requires one, writes the history and runs the transition's side
effect (registered in code under a name, e.g. ``application.accept``) and its
mail.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from extensions import db
from models.actors import Actor
from models.base import DomainError, NotPermitted, UTCDateTime, utcnow
from models.operations import operation
from models.permissions import Perm, StaffPerm

SIDE_EFFECTS: dict[str, Callable] = {}


def side_effect(name: str):
    """Register code a transition can name as its side effect."""

    def register(func):
        SIDE_EFFECTS[name] = func
        return func

    return register


class Workflow(db.Model):
    __tablename__ = "workflows"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))

    states: Mapped[list[WorkflowState]] = relationship(
        back_populates="workflow", order_by="WorkflowState.position", cascade="all, delete-orphan"
    )
    transitions: Mapped[list[WorkflowTransition]] = relationship(
        back_populates="workflow", order_by="WorkflowTransition.position", cascade="all, delete-orphan"
    )
    reasons: Mapped[list[WorkflowReason]] = relationship(
        back_populates="workflow", order_by="WorkflowReason.label", cascade="all, delete-orphan"
    )

    def state(self, key: str) -> WorkflowState | None:
        return next((s for s in self.states if s.key == key), None)

    @property
    def initial_state(self) -> WorkflowState:
        return next(s for s in self.states if s.initial)

    def __str__(self) -> str:
        return self.name


class WorkflowState(db.Model):
    __tablename__ = "workflow_states"
    __table_args__ = (UniqueConstraint("workflow_id", "key", name="uq_workflow_state_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(80))
    initial: Mapped[bool] = mapped_column(Boolean, default=False)
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    workflow: Mapped[Workflow] = relationship(back_populates="states")

    def __str__(self) -> str:
        return self.label


class WorkflowTransition(db.Model):
    """A move from one state to another that a holder of ``permission`` may fire."""

    __tablename__ = "workflow_transitions"
    __table_args__ = (
        UniqueConstraint("workflow_id", "key", "from_state_id", name="uq_workflow_transition_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(80))
    from_state_id: Mapped[int] = mapped_column(ForeignKey("workflow_states.id", ondelete="CASCADE"))
    to_state_id: Mapped[int] = mapped_column(ForeignKey("workflow_states.id", ondelete="CASCADE"))
    permission: Mapped[str] = mapped_column(String(40))
    requires_reason: Mapped[bool] = mapped_column(Boolean, default=False)
    side_effect: Mapped[str] = mapped_column(String(60), default="")
    mail_template: Mapped[str] = mapped_column(String(60), default="")
    mail_subject: Mapped[str] = mapped_column(String(160), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    workflow: Mapped[Workflow] = relationship(back_populates="transitions")
    from_state: Mapped[WorkflowState] = relationship(foreign_keys=[from_state_id], lazy="joined")
    to_state: Mapped[WorkflowState] = relationship(foreign_keys=[to_state_id], lazy="joined")

    def __str__(self) -> str:
        return f"{self.label}: {self.from_state} → {self.to_state}"


class WorkflowReason(db.Model):
    """A reason staff can give for a transition (e.g. why an application is rejected)."""

    __tablename__ = "workflow_reasons"
    __table_args__ = (UniqueConstraint("workflow_id", "label", name="uq_workflow_reason_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(160))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    workflow: Mapped[Workflow] = relationship(back_populates="reasons")

    def __str__(self) -> str:
        return self.label


class WorkflowHistory(db.Model):
    __tablename__ = "workflow_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_key: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    transition_key: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(160), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkflowSubject:
    """Mixin for models whose ``state`` is driven by a workflow."""

    workflow_key: str = ""

    def notification_email(self) -> str | None:
        return None


def get_workflow(key: str) -> Workflow:
    """The stored workflow ``key``, created from its shipped defaults on first use."""
    workflow = db.session.scalar(
        select(Workflow)
        .where(Workflow.key == key)
        .options(selectinload(Workflow.states), selectinload(Workflow.transitions), selectinload(Workflow.reasons))
    )
    if workflow is None:
        from models.workflow_defaults import install_default

        workflow = install_default(key)
    return workflow


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


def available_transitions(subject, *, actor: Actor) -> list[WorkflowTransition]:
    """The moves ``actor`` may fire from the subject's current state."""
    workflow = get_workflow(subject.workflow_key)
    return [
        t
        for t in workflow.transitions
        if t.from_state.key == subject.state and actor_may(actor, t.permission)
    ]


@operation(per_transition=True)
def transition(subject, key: str, *, actor: Actor, reason_id: int | None = None,
               comment: str = "") -> WorkflowTransition:
    """Move ``subject`` along transition ``key``; refuse moves that do not exist."""
    workflow = get_workflow(subject.workflow_key)
    transition = next(
        (t for t in workflow.transitions if t.key == key and t.from_state.key == subject.state), None
    )
    if transition is None:
        state = workflow.state(subject.state)
        raise DomainError(f"“{key}” is not possible while the {workflow.name.lower()} is {state or subject.state}.")
    if not actor_may(actor, transition.permission):
        raise NotPermitted("Your roles do not allow this step.")
    reason = _reason(workflow, transition, reason_id)
    before = subject.state
    subject.state = transition.to_state.key
    db.session.add(
        WorkflowHistory(
            workflow_key=workflow.key,
            subject_type=type(subject).__name__,
            subject_id=subject.id,
            transition_key=key,
            from_state=before,
            to_state=subject.state,
            reason=reason.label if reason else "",
            comment=(comment or "").strip(),
            actor_kind=actor.kind.value, actor_id=actor.id, actor_label=actor.label,
        )
    )
    if transition.side_effect:
        SIDE_EFFECTS[transition.side_effect](subject, actor=actor, reason=reason, comment=comment)
    _mail(subject, transition, reason, comment)
    db.session.flush()
    return transition


def _reason(workflow, transition, reason_id):
    if reason_id is None:
        if transition.requires_reason:
            raise DomainError("Pick a reason for this step.", "reason")
        return None
    reason = next((r for r in workflow.reasons if r.id == reason_id and r.active), None)
    if reason is None:
        raise DomainError("That reason is not in the list of reasons.", "reason")
    return reason


def _mail(subject, transition, reason, comment) -> None:
    recipient = subject.notification_email()
    if not transition.mail_template or not recipient:
        return
    from models.mail import queue_mail

    queue_mail(
        recipient,
        transition.mail_template,
        subject=transition.mail_subject or transition.label,
        item=subject,
        reason=reason.label if reason else "",
        comment=comment,
        state=transition.to_state.label,
    )


def history_of(subject) -> list[WorkflowHistory]:
    return db.session.scalars(
        select(WorkflowHistory)
        .where(
            WorkflowHistory.subject_type == type(subject).__name__,
            WorkflowHistory.subject_id == subject.id,
        )
        .order_by(WorkflowHistory.at, WorkflowHistory.id)
    ).all()
