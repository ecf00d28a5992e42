"""The audit trail: who did what, to which record, on whose behalf, when."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, insert, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.actors import Actor
from models.base import UTCDateTime, utcnow
from models.search import contains


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_company_at", "company_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))  # company, staff, system, visitor
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(200))
    on_behalf_of_id: Mapped[int | None] = mapped_column(Integer)
    on_behalf_of_label: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[int | None] = mapped_column(Integer)
    target_label: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    @property
    def who(self) -> str:
        """"Rita Representative <rita@…> for Ben Buyer <ben@…>" when an agent acted for a customer."""
        if self.on_behalf_of_label:
            return f"{self.actor_label} for {self.on_behalf_of_label}"
        return self.actor_label


def record(actor: Actor, action: str, *, company_id=None, target=None, **details) -> AuditEvent:
    """Add an audit row in the current transaction."""
    event = AuditEvent(
        company_id=company_id,
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=getattr(target, "id", None),
        target_label=str(target)[:200] if target is not None else "",
        details=details,
        **actor.audit_fields(),
    )
    db.session.add(event)
    return event


def record_many(actor: Actor, action: str, *, targets, company_id=None, each=None, **details) -> datetime:
    """One audit row per target in a single statement (bulk work: an invitation list, a bulk action), all at
    one moment, which it returns. Without ``company_id`` each row belongs to its target's company; ``each``
    gives one row's own details."""
    each, at = each or [{}] * len(targets), utcnow()
    rows = [dict(at=at, company_id=company_id if company_id is not None else getattr(target, "company_id", None),
                 action=action, target_type=type(target).__name__,
                 target_id=target.id, target_label=str(target)[:200], details=dict(details, **own), **actor.audit_fields())
            for target, own in zip(targets, each)]
    if rows:
        db.session.execute(insert(AuditEvent), rows)
    return at


#: audit log filter: kind of record → label
AUDIT_KINDS = {
    "user": "Users", "invitation": "Invitations", "role": "Roles", "company": "Company",
    "business_unit": "Business units", "address": "Addresses", "shop": "Shop access",
    "asset": "Assets", "file": "Files", "inquiry": "Inquiries", "booked_service": "Booked services",
}


def company_audit(company_id: int, *, kind: str = "", search: str = ""):
    """The company's audit log, newest first: filter by kind of record, search who or what."""
    query = select(AuditEvent).where(AuditEvent.company_id == company_id)
    if kind in AUDIT_KINDS:
        query = query.where(AuditEvent.action.startswith(kind + ".", autoescape=True))
    if search:
        query = query.where(or_(*(contains(c, search) for c in (
            AuditEvent.actor_label, AuditEvent.on_behalf_of_label, AuditEvent.target_label))))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
