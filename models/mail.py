"""The mail outbox: mail is written in the same transaction as its cause.

``queue_mail`` (one) and ``queue_mails`` (many, set-based) render the paired
templates ``mail/NAME.txt`` and ``mail/NAME.html`` into outbox rows. When the
transaction commits, their delivery is requested as follow-up jobs of up to
``DELIVERY_BATCH`` messages (``models.followups``); if it rolls back, neither
the rows nor the jobs exist. Delivery is idempotent (``jobs.mail``).

A mail whose template gets a ``token`` (password links, invitations) is stored
with the token hidden and sealed beside it (``models.sealing``): the Outbox
shows no live link to staff, delivery puts the token back for the recipient
and then forgets it.
"""
from __future__ import annotations

import enum
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, render_template
from sqlalchemy import Integer, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from extensions import db
from models.actors import Actor
from models.base import UTCDateTime, enum_check, utcnow
from models.followups import request_job
from models.permissions import StaffPerm
from models.sealing import hide, reveal, seal, unseal

DELIVERY_BATCH = 100
UNSENT_KEY = "mail_to_deliver"


class MailState(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (enum_check("state", MailState, "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(
        String(120), unique=True, default=lambda: uuid.uuid4().hex, insert_sentinel=True
    )
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    template: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    sealed_secret: Mapped[str | None] = mapped_column(Text)  # the token hidden in the bodies, encrypted
    state: Mapped[str] = mapped_column(String(16), default=MailState.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    transport: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"

    @property
    def holds_secret(self) -> bool:
        return self.sealed_secret is not None

    def bodies_for_recipient(self) -> tuple[str, str] | None:
        """Text and HTML with the hidden link put back; None if it can no longer be read (new ``SECRET_KEY``)."""
        if self.sealed_secret is None:
            return self.body_text, self.body_html
        secret = unseal(self.sealed_secret)
        if secret is None:
            return None
        return reveal(self.body_text, secret), reveal(self.body_html, secret)

    def forget_secret(self) -> None:
        """Once delivered by SMTP (or given up), the stored mail keeps no live link."""
        self.sealed_secret = None


def may_open_links(actor: Actor) -> bool:
    """Whether ``actor`` sees Outbox mail with its links working.

    Only without SMTP, where the Outbox is the demo's mailbox, and only staff
    holding ``OPEN_MAIL_LINKS`` (administrators): otherwise anyone reading the
    Outbox could take over the accounts whose password links it holds.
    """
    return not current_app.config.get("MAIL_SERVER") and actor.can(StaffPerm.OPEN_MAIL_LINKS)


@dataclass
class Mail:
    """One mail to write: to whom, which template, the subject line, what the template needs."""

    recipient: str
    template: str
    subject: str
    context: dict = field(default_factory=dict)


@contextmanager
def mail_rendering():
    """Render mail on PUBLIC_URL, never on the host a request came in by (one context for many mails)."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        yield


def render_mail(template: str, context: dict) -> tuple[str, str]:
    """The text and HTML parts of a mail."""
    with mail_rendering():
        return _render(template, context)


def _render(template: str, context: dict) -> tuple[str, str]:
    return render_template(f"mail/{template}.txt", **context), render_template(f"mail/{template}.html", **context)


def one_line(text: str) -> str:
    """A header value: no line breaks (a name with CR/LF must not stop or forge a mail header)."""
    return " ".join(str(text).split())


def queue_mails(mails: list[Mail]) -> list[OutboxMessage]:
    """Write many mails to the outbox in a constant number of statements; delivered after the commit."""
    messages = []
    with mail_rendering():
        for mail in mails:
            subject = one_line(mail.subject)[:200]
            text, html = _render(mail.template, dict(mail.context, subject=subject))
            secret = mail.context.get("token")
            if secret:
                text, html = hide(text, secret), hide(html, secret)
            messages.append(OutboxMessage(recipient=one_line(mail.recipient), template=mail.template,
                                          subject=subject, body_text=text, body_html=html,
                                          sealed_secret=seal(secret) if secret else None))
    db.session.add_all(messages)
    db.session.flush()
    db.session.info.setdefault(UNSENT_KEY, []).extend(m.id for m in messages)
    return messages


def queue_mail(recipient: str, template: str, *, subject: str, key: str | None = None, **context) -> OutboxMessage:
    """Write one mail to the outbox; it is delivered after the commit.

    ``key`` makes the mail idempotent: queueing the same key twice keeps one mail.
    """
    if key is not None:
        existing = db.session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
        if existing is not None:
            return existing
    [message] = queue_mails([Mail(recipient, template, subject, context)])
    if key is not None:
        message.idempotency_key = key
    return message


@event.listens_for(Session, "before_commit")
def _ask_for_delivery(session) -> None:
    """The transaction that wrote mail also records the jobs that deliver it, in batches."""
    unsent = session.info.pop(UNSENT_KEY, [])
    for start in range(0, len(unsent), DELIVERY_BATCH):
        request_job("emails", "jobs.mail.deliver_mails", unsent[start:start + DELIVERY_BATCH])


@event.listens_for(Session, "after_rollback")
def _forget_unsent(session) -> None:
    session.info.pop(UNSENT_KEY, None)
