"""Inquiries: a customer's question or claim, worked by staff through its type's workflow.

Each inquiry has a type (general, asset, order claim, and the types staff add
in the back office); each type names its workflow, shipped with the defaults
Pending → In Review → Approved / Rejected, and Pending → Canceled (the author
may cancel while it is Pending). An asset inquiry names an asset and an order
claim an order, both ones the author may see. Up to ``INQUIRY_MAX_FILES``
files go with it, checked before anything is stored. Staff keep internal
notes that customers never see; approving or rejecting records the resolution
and mails it to the author. Who sees an inquiry follows the inquiries triad.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from extensions import db
from models.actors import Actor
from models.audit import record
from models.base import DomainError, NotPermitted, UTCDateTime, apply_changes, utcnow
from models.operations import operation
from models.permissions import Perm, StaffPerm
from models.scopes import Owned, get_chosen, visible
from models.search import contains
from models.workflow_engine import get_workflow, start
from models.workflows import Workflow, WorkflowState, WorkflowSubject, guard, side_effect

SUBJECT_LENGTH, DESCRIPTION_LENGTH, NOTE_LENGTH, RESOLUTION_LENGTH = 255, 1000, 2000, 2000
NEEDS_LABELS = {"": "Nothing else", "asset": "An asset", "order": "An order"}


class InquiryType(db.Model):
    __tablename__ = "inquiry_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    needs: Mapped[str] = mapped_column(String(10), default="")  # "", "asset" or "order"
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    workflow: Mapped[Workflow] = relationship()

    def __str__(self) -> str:
        return self.name


class Inquiry(Owned, WorkflowSubject, db.Model):
    __tablename__ = "inquiries"
    __table_args__ = (Index("ix_inquiries_company_created", "company_id", "created_at", "id"),
                      Index("ix_inquiries_company_state", "company_id", "state", "created_at", "id"),  # Pending
                      Index("ix_inquiries_state_created", "state", "created_at", "id"),
                      Index("ix_inquiries_type_state", "type_id", "state", "created_at"),
                      Index("ix_inquiries_created", "created_at", "id"))
    scope = "inquiries"
    subject_type = "inquiry"
    default_workflow = "inquiry_general"
    subject_noun = "inquiry"

    id: Mapped[int] = mapped_column(primary_key=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("inquiry_types.id"))
    state: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH))
    description: Mapped[str] = mapped_column(Text)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    author_name: Mapped[str] = mapped_column(String(170))
    author_email: Mapped[str] = mapped_column(String(254), index=True)
    resolution: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    type: Mapped[InquiryType] = relationship(lazy="joined")
    company: Mapped["Company"] = relationship()  # noqa: F821
    asset: Mapped["Asset | None"] = relationship()  # noqa: F821
    order: Mapped["Order | None"] = relationship()  # noqa: F821
    notes: Mapped[list[InquiryNote]] = relationship(back_populates="inquiry", cascade="all, delete-orphan",
                                                    order_by="InquiryNote.at")

    @property
    def reference(self) -> str:
        return inquiry_reference(self.id)

    def contact_emails(self) -> list[str]:
        return [self.author_email] if self.author_email else []

    def columns_in_state(self, state: WorkflowState) -> dict:
        return {"closed_at": utcnow() if state.final else None}

    def __str__(self) -> str:
        return f"Inquiry {self.reference}"


class InquiryNote(db.Model):
    """Staff's internal note on an inquiry: customers never see it."""

    __tablename__ = "inquiry_notes"
    __table_args__ = (Index("ix_inquiry_notes_inquiry", "inquiry_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(170))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    inquiry: Mapped[Inquiry] = relationship(back_populates="notes")


def inquiry_reference(inquiry_id: int) -> str:
    return f"INQ-{inquiry_id:05d}"


def id_from_reference(text: str) -> int | None:
    """42 for "INQ-00042", "inq-42" or "42"; None if it is not an inquiry reference."""
    raw = (text or "").strip().upper().removeprefix("INQ-").removeprefix("INQ")
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


def inquiry_types(*, active_only: bool = True) -> list[InquiryType]:
    query = select(InquiryType).order_by(InquiryType.position, InquiryType.id)
    if active_only:
        query = query.where(InquiryType.active.is_(True))
    return db.session.scalars(query).all()


def _text(value: str, length: int, what: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(f"Write the {what}.", field)
    if len(value) > length:
        raise DomainError(f"The {what} has at most {length:,} characters; this has {len(value):,}.", field)
    return value


def _about(kind: InquiryType, actor: Actor, asset_id, order_id) -> dict:
    """The asset or order the type asks for, checked to be one the author may see."""
    from models.assets import Asset
    from models.orders import Order

    if kind.needs == "asset":
        asset = get_chosen(Asset, asset_id, actor)
        if asset is None:
            raise DomainError("Choose one of your assets for an asset inquiry.", "asset")
        return {"asset_id": asset.id}
    if kind.needs == "order":
        order = get_chosen(Order, order_id, actor)
        if order is None:
            raise DomainError("Choose one of your orders for an order claim.", "order")
        return {"order_id": order.id}
    return {}


@operation(Perm.CREATE_INQUIRIES, on="company")
def create_inquiry(company, *, actor: Actor, type_key: str, subject: str, description: str, asset_id=None,
                   order_id=None, uploads=()) -> Inquiry:
    """Submit an inquiry for the company; its files are all checked before any is stored."""
    from models.files import add_file, check_uploads
    from models.users import CompanyUser

    if not actor.acts_as_customer:
        raise NotPermitted("An inquiry is submitted by a customer (or an agent for one).")
    kind = db.session.scalar(select(InquiryType).where(InquiryType.key == type_key, InquiryType.active.is_(True)))
    if kind is None:
        raise DomainError("Choose the kind of inquiry from the list.", "type")
    values = {"subject": " ".join(_text(subject, SUBJECT_LENGTH, "subject", "subject").split()),
              "description": _text(description, DESCRIPTION_LENGTH, "description", "description"),
              **_about(kind, actor, asset_id, order_id)}
    checked = check_uploads(uploads, limit=current_app.config["INQUIRY_MAX_FILES"])
    author = db.session.get(CompanyUser, actor.customer_id)
    inquiry = Inquiry(company_id=company.id, business_unit_id=author.business_unit_id, owner_id=author.id,
                      type_id=kind.id, type=kind, author_name=author.full_name, author_email=author.email, **values)
    start(inquiry, kind.workflow)
    db.session.add(inquiry)
    db.session.flush()
    for item in checked:
        add_file(item, actor=actor, company_id=company.id, inquiry=inquiry)
    record(actor, "inquiry.created", company_id=company.id, target=inquiry, reference=inquiry.reference,
           kind=kind.name, files=len(checked))
    return inquiry


@operation(staff=StaffPerm.WORK_INQUIRIES)
def add_note(inquiry: Inquiry, body: str, *, actor: Actor) -> InquiryNote:
    """Staff's internal note on the inquiry."""
    note = InquiryNote(inquiry_id=inquiry.id, staff_id=actor.id, author_name=actor.name,
                       body=_text(body, NOTE_LENGTH, "note", "body"))
    db.session.add(note)
    db.session.flush()
    # Internal: kept out of the company's own audit log (no company), seen in the back office's.
    record(actor, "inquiry.noted", target=inquiry, reference=inquiry.reference)
    return note


@operation(staff=StaffPerm.MANAGE_WORKFLOWS)
def add_inquiry_type(key: str, name: str, *, actor: Actor, needs: str = "", copy_of: str = "general") -> InquiryType:
    """A new kind of inquiry with its own workflow, a copy of ``copy_of``'s to edit from there."""
    from models.workflow_definitions import check_key

    key = check_key(key, "inquiry type")
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise DomainError("Give the inquiry type a name of at most 80 characters.", "name")
    if needs not in NEEDS_LABELS:
        raise DomainError("Choose what the inquiry is about from the list.", "needs")
    if db.session.scalar(select(InquiryType.id).where(InquiryType.key == key)) is not None:
        raise DomainError(f"An inquiry type with the key “{key}” exists already.", "key")
    source = db.session.scalar(select(InquiryType).where(InquiryType.key == copy_of))
    if source is None:
        raise DomainError("Choose the inquiry type whose workflow to start from.", "copy_of")
    workflow = copy_workflow(get_workflow(source.workflow.key), f"inquiry_{key}", f"Inquiry: {name}")
    position = (db.session.scalar(select(db.func.max(InquiryType.position))) or 0) + 1
    kind = InquiryType(key=key, name=name, needs=needs, workflow=workflow, position=position)
    db.session.add(kind)
    db.session.flush()
    record(actor, "inquiry_type.created", target=kind, name=name)
    return kind


@operation(staff=StaffPerm.MANAGE_WORKFLOWS)
def change_inquiry_type(kind: InquiryType, *, actor: Actor, name: str, active: bool, position: int | None = None):
    """Rename an inquiry type, offer it or retire it (its key, what it asks for and its workflow stay)."""
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise DomainError("Give the inquiry type a name of at most 80 characters.", "name")
    values = {"name": name, "active": bool(active)}
    if position is not None:
        values["position"] = int(position)
    changed = apply_changes(kind, values)
    if changed:
        db.session.flush()
        record(actor, "inquiry_type.changed", target=kind, name=kind.name, fields=changed)
    return changed


def copy_workflow(source: Workflow, key: str, name: str) -> Workflow:
    """A new workflow with ``source``'s states, transitions and reasons."""
    from models.workflows import WorkflowReason, WorkflowTransition

    if db.session.scalar(select(Workflow.id).where(Workflow.key == key)) is not None:
        raise DomainError(f"A workflow with the key “{key}” exists already.", "key")
    copy = Workflow(key=key, name=name, subject_type=source.subject_type)
    states = {s.id: WorkflowState(key=s.key, label=s.label, tone=s.tone, initial=s.initial, final=s.final,
                                  position=s.position) for s in source.states}
    copy.states = list(states.values())
    copy.transitions = [WorkflowTransition(
        key=t.key, label=t.label, from_state=states[t.from_state_id], to_state=states[t.to_state_id],
        permission=t.permission, requires_reason=t.requires_reason, guard=t.guard, side_effect=t.side_effect,
        mail_template=t.mail_template, mail_subject=t.mail_subject, mail_to=t.mail_to, position=t.position)
        for t in source.transitions]
    copy.reasons = [WorkflowReason(label=r.label, active=r.active, steps=r.steps) for r in source.reasons]
    db.session.add(copy)
    return copy


@guard("inquiry.author")
def _by_author(inquiry: Inquiry, *, actor: Actor) -> None:
    """Only the inquiry's author (or an agent for them) withdraws it."""
    if actor.is_system:
        return
    if not actor.acts_as_customer or actor.customer_id != inquiry.owner_id:
        raise DomainError("Only the person who sent the inquiry can cancel it.")


@side_effect("inquiry.resolve")
def _resolve(inquiry: Inquiry, *, actor: Actor, reason, comment: str) -> None:
    """Keep what staff wrote with the decision as the resolution the customer reads."""
    text = "\n".join(part for part in (reason.label if reason else "", (comment or "").strip()) if part)
    inquiry.resolution = text[:RESOLUTION_LENGTH]


def _narrowed(query, type_id: int | None, state: str, search: str, found) -> object:
    """``query`` filtered on type and state, and on the reference or what ``found(search)`` matches."""
    if type_id:
        query = query.where(Inquiry.type_id == type_id)
    if state:
        query = query.where(Inquiry.state == state)
    if search.strip():
        number = id_from_reference(search)
        query = query.where(or_(Inquiry.id == number, *found(search)) if number else or_(*found(search)))
    return query.order_by(Inquiry.created_at.desc(), Inquiry.id.desc())


def inquiry_list(actor: Actor, *, type_id: int | None = None, state: str = "", search: str = ""):
    """The inquiries ``actor`` may see, newest first: filter type and state, search reference or subject."""
    return _narrowed(visible(Inquiry, actor), type_id, state, search,
                     lambda text: [contains(Inquiry.subject, text), contains(Inquiry.author_name, text)])


def worklist(*, type_id: int | None = None, state: str = "", search: str = ""):
    """Every inquiry for staff, newest first: filter type and state, search reference or customer."""
    from models.companies import Company

    return _narrowed(select(Inquiry), type_id, state, search, lambda text: [
        contains(Inquiry.author_email, text), contains(Inquiry.author_name, text),
        Inquiry.company_id.in_(select(Company.id).where(contains(Company.name, text)))])


def inquiry_states() -> list[tuple[str, str]]:
    """Every state of every inquiry workflow, once per key, for a filter."""
    rows = db.session.execute(select(WorkflowState.key, WorkflowState.label).join(Workflow)
                              .where(Workflow.subject_type == "inquiry")
                              .order_by(WorkflowState.position, WorkflowState.id)).all()
    return list(dict(rows).items())


def load_inquiry(query) -> Inquiry | None:
    return db.session.scalar(query.options(selectinload(Inquiry.notes)))
