"""Workflows as data: states, transitions, reasons and history.

A workflow drives the ``state`` of its subjects (company applications now;
inquiries, quotes and orders later). Each subject row names its workflow, so
each inquiry type can have its own. Staff edit workflows in the back office;
``models.workflow_definitions`` keeps an edited definition runnable and
``models.workflow_engine`` moves subjects.

What a transition does besides moving the state is code registered here under
a name the definition stores: a side effect (``application.accept`` creates
the company), a guard (a condition checked before the move) and mail
recipients (``contact``, ``account_admins``, ``staff``).
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Callable

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, enum_check, utcnow

SIDE_EFFECTS: dict[str, Callable] = {}
GUARDS: dict[str, Callable] = {}
ATRIUM_ONLY: set[str] = set()  # guards of steps only Atrium itself takes (jobs, checkout): no button offers them
RECIPIENTS: dict[str, Callable] = {}


def side_effect(name: str):
    """Register code a transition can name as its side effect: ``func(subject, *, actor, reason, comment)``."""

    def register(func):
        SIDE_EFFECTS[name] = func
        return func

    return register


def guard(name: str, *, atrium_only: bool = False):
    """Register a condition a transition can name: ``func(subject, *, actor)`` raises ``DomainError`` to refuse.
    ``atrium_only``: the step is Atrium's own (a job's, checkout's), never offered to a person."""

    def register(func):
        GUARDS[name] = func
        if atrium_only:
            ATRIUM_ONLY.add(name)
        return func

    return register


def recipients(name: str):
    """Register who a transition's mail can go to: ``func(subject, transition)`` returns e-mail addresses."""

    def register(func):
        RECIPIENTS[name] = func
        return func

    return register


class Tone(str, enum.Enum):
    """How a state looks on a badge, in both faces."""

    NEUTRAL = "neutral"
    INFO = "info"
    PRIMARY = "primary"
    SUCCESS = "success"
    WARNING = "warning"
    DANGER = "danger"


class Workflow(db.Model):
    __tablename__ = "workflows"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    subject_type: Mapped[str] = mapped_column(String(40), index=True)  # what it drives: company_application, ...

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

    def label_of(self, state_key: str) -> str:
        state = self.state(state_key)
        return state.label if state is not None else state_key

    def __str__(self) -> str:
        return self.name


class WorkflowState(db.Model):
    __tablename__ = "workflow_states"
    __table_args__ = (
        UniqueConstraint("workflow_id", "key", name="uq_workflow_state_key"),
        enum_check("tone", Tone, "tone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(80))
    tone: Mapped[str] = mapped_column(String(12), default=Tone.NEUTRAL.value)
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
    guard: Mapped[str] = mapped_column(String(60), default="")
    side_effect: Mapped[str] = mapped_column(String(60), default="")
    mail_template: Mapped[str] = mapped_column(String(60), default="")
    mail_subject: Mapped[str] = mapped_column(String(160), default="")
    mail_to: Mapped[str] = mapped_column(String(200), default="")  # recipient names, comma-separated
    position: Mapped[int] = mapped_column(Integer, default=0)

    workflow: Mapped[Workflow] = relationship(back_populates="transitions")
    from_state: Mapped[WorkflowState] = relationship(foreign_keys=[from_state_id], lazy="joined")
    to_state: Mapped[WorkflowState] = relationship(foreign_keys=[to_state_id], lazy="joined")

    @property
    def recipient_names(self) -> list[str]:
        return [name.strip() for name in (self.mail_to or "").split(",") if name.strip()]

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
    # The steps (transition keys, comma-separated) this reason explains, e.g. "hold, reject"; empty: every step.
    steps: Mapped[str] = mapped_column(String(200), default="", server_default="")

    workflow: Mapped[Workflow] = relationship(back_populates="reasons")

    def fits(self, transition: "WorkflowTransition") -> bool:
        keys = {key.strip() for key in self.steps.split(",") if key.strip()}
        return self.active and (not keys or transition.key in keys)

    def __str__(self) -> str:
        return self.label


class WorkflowHistory(db.Model):
    """One move of one subject; who made it is its audit event (one record of who acted)."""

    __tablename__ = "workflow_history"
    __table_args__ = (Index("ix_workflow_history_subject", "subject_type", "subject_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id"))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    transition_key: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(160), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    audit_event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"), index=True)

    workflow: Mapped[Workflow] = relationship()
    audit_event: Mapped["AuditEvent"] = relationship()  # noqa: F821


class WorkflowSubject:
    """Mixin for rows whose ``state`` a workflow drives; each row names its workflow.

    A subclass sets ``subject_type`` (what its workflows drive), ``default_workflow``
    (the key new rows start in) and ``subject_noun`` (how messages name a row).
    """

    subject_type: str = ""
    default_workflow: str = ""
    subject_noun: str = "item"
    customer_sees_comments: bool = True  # a step's comment shows in the portal's history of the subject

    @declared_attr
    def workflow_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("workflows.id"), index=True)

    @declared_attr
    def workflow(cls) -> Mapped[Workflow]:
        return relationship(Workflow)

    def contact_emails(self) -> list[str]:
        """Who the ``contact`` recipients of a transition's mail are."""
        return []

    def columns_in_state(self, state: WorkflowState) -> dict:
        """Columns that follow the state, set with it in the same UPDATE (e.g. one kept only while open)."""
        return {}

    def move_summary(self, move: "WorkflowTransition") -> str:
        """What a move did, in a sentence for the person who made it."""
        return f"{move.label}: {self} is now {move.to_state.label}."
