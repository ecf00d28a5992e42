"""The mail outbox: mail is written in the same transaction as its cause.

``queue_mail`` renders the paired templates ``mail/NAME.txt`` and
``mail/NAME.html`` into an outbox row and arranges for the delivery job to be
enqueued once the transaction commits. If the transaction rolls back, neither
the row nor the job exists. Delivery is idempotent (see ``jobs.mail``).
"""
from __future__ import annotations

import enum
import uuid
from datetime import datetime

from flask import current_app, render_template
from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from jobs.queue import enqueue_after_commit
from models.base import UTCDateTime, enum_check, utcnow


class MailState(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (enum_check("state", MailState, "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(
        String(120), unique=True, default=lambda: uuid.uuid4().hex
    )
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    template: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=MailState.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    transport: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"


def _render(template: str, context: dict) -> tuple[str, str]:
    text = render_template(f"mail/{template}.txt", **context)
    html = render_template(f"mail/{template}.html", **context)
    return text, html


def render_mail(template: str, context: dict) -> tuple[str, str]:
    """Render both parts; links are always built on PUBLIC_URL, never on the host a request came in by."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return _render(template, context)


def queue_mail(recipient: str, template: str, *, subject: str, key: str | None = None, **context):
    """Write a mail to the outbox and deliver it after the commit.

    ``key`` makes the mail idempotent: queueing the same key twice keeps one mail.
    """
    if key is not None:
        existing = db.session.scalar(
            db.select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        )
        if existing is not None:
            return existing
    text, html = render_mail(template, dict(context, subject=subject))
    message = OutboxMessage(
        recipient=recipient, template=template, subject=subject, body_text=text, body_html=html
    )
    if key is not None:
        message.idempotency_key = key
    db.session.add(message)
    db.session.flush()
    enqueue_after_commit("emails", "jobs.mail.deliver_mail", message.id)
    return message
