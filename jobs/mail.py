"""Mail delivery from the outbox: idempotent, retried, re-sent when left behind."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_mail import Message
from sqlalchemy import select

from extensions import db, mail
from jobs.queue import enqueue, with_app_context
from models.base import utcnow
from models.mail import MailState, OutboxMessage

MAX_ATTEMPTS = 8


def _lock_pending(message_id: int) -> OutboxMessage | None:
    """The message, locked for this worker; None if sent or another worker has it."""
    return db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state == MailState.PENDING.value)
        .with_for_update(skip_locked=True)
    )


def _send_smtp(message: OutboxMessage) -> None:
    domain = current_app.config["PUBLIC_URL"].split("://")[-1].split("/")[0].split(":")[0]
    outgoing = Message(
        subject=message.subject,
        recipients=[message.recipient],
        body=message.body_text,
        html=message.body_html,
    )
    # One Message-ID per outbox row, so a receiving server can drop a repeated delivery.
    outgoing.msgId = f"<{message.idempotency_key}@{domain}>"
    mail.send(outgoing)


@with_app_context
def deliver_mail(message_id: int) -> str:
    """Send one outbox message, once.

    Without MAIL_SERVER the outbox is the destination: the message is marked
    delivered there and the back office shows it. A failure is recorded on the row
    and re-raised so that RQ retries; the periodic re-send covers the rest.
    """
    message = _lock_pending(message_id)
    if message is None:
        db.session.rollback()
        return "skipped"
    message.attempts += 1
    if not current_app.config.get("MAIL_SERVER"):
        message.transport = "outbox"
    else:
        try:
            _send_smtp(message)
        except Exception as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.state = MailState.FAILED.value
            db.session.commit()
            raise
        message.transport = "smtp"
    message.state = MailState.SENT.value
    message.sent_at = utcnow()
    message.last_error = ""
    db.session.commit()
    return "sent"


@with_app_context
def resend_pending_mail(older_than_minutes: int = 2) -> int:
    """Queue delivery again for mail still pending (Redis or SMTP was down)."""
    cutoff = utcnow() - timedelta(minutes=older_than_minutes)
    ids = db.session.scalars(
        select(OutboxMessage.id).where(
            OutboxMessage.state == MailState.PENDING.value, OutboxMessage.created_at <= cutoff
        )
    ).all()
    db.session.rollback()
    for message_id in ids:
        enqueue("emails", "jobs.mail.deliver_mail", message_id)
    return len(ids)
