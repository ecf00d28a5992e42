"""The audit trail: who did what, to which record, on whose behalf, when."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))  # company, staff, agent, system
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[int | None] = mapped_column(Integer)
    target_label: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


def actor_fields(actor) -> dict:
    """Who an actor is, for the audit row (None means the system)."""
    if actor is None:
        return {"actor_kind": "system", "actor_id": None, "actor_label": "Atrium"}
    return {"actor_kind": actor.kind, "actor_id": actor.id, "actor_label": str(actor)}


def actor_name(actor) -> str:
    """How a person is named in mail: "Anna Admin", or "Atrium" for the system."""
    if actor is None:
        return "Atrium"
    return getattr(actor, "full_name", None) or getattr(actor, "name", None) or str(actor)


def record(actor, action: str, *, company_id=None, target=None, **details) -> AuditEvent:
    """Add an audit row in the current transaction."""
    event = AuditEvent(
        company_id=company_id,
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=getattr(target, "id", None),
        target_label=str(target) if target is not None else "",
        details=details,
        **actor_fields(actor),
    )
    db.session.add(event)
    return event
