"""Mail delivery from the outbox: idempotent, retried, re-sent when left behind."""
from __future__ import annotations

import smtplib
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from flask_mail import Message
from sqlalchemy import select, update

from extensions import db, mail
from jobs.queue import enqueue, with_app_context
from jobs.runner import job
from models.base import utcnow
from models.mail import DELIVERY_BATCH, MailState, OutboxMessage

MAX_ATTEMPTS = 8
REFUSALS = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)  # the server answered "not this one, now"


def _lock_pending(message_id: int) -> OutboxMessage | None:
    """The message, locked for this worker; None if sent or another worker has it."""
    return db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state == MailState.PENDING.value)
        .with_for_update(skip_locked=True)
    )


def _send_smtp(message: OutboxMessage, text: str, html: str, smtp) -> None:
    domain = current_app.config["PUBLIC_URL"].split("://")[-1].split("/")[0].split(":")[0]
    outgoing = Message(subject=message.subject, recipients=[message.recipient], body=text, html=html)
    # One Message-ID per outbox row, so a receiving server can drop a repeated delivery.
    outgoing.msgId = f"<{message.idempotency_key}@{domain}>"
    smtp.send(outgoing)


@contextmanager
def _smtp_session():
    """One SMTP connection for a batch; if it cannot open now, each message tries (and records why) on its own."""
    connection = mail.connect()
    try:
        connection.__enter__()
    except (OSError, smtplib.SMTPException):
        yield mail
        return
    try:
        yield connection
    finally:
        try:
            connection.__exit__(None, None, None)
        except (OSError, smtplib.SMTPException):
            pass  # the server went away after the batch: what was sent is recorded


@job
@with_app_context
def deliver_mails(message_ids: list[int]) -> int:
    """Deliver a batch of outbox messages (the follow-up that the transaction writing them asked for).

    Without MAIL_SERVER the outbox is the destination: one UPDATE marks the whole
    batch delivered there. With SMTP each message is sent and committed on its
    own, on one connection, so a failure part-way keeps what went out; a message
    the server refuses does not hold up the rest of the batch. A failure is raised
    so the follow-up is retried, and the retry skips what was sent.
    """
    if not current_app.config.get("MAIL_SERVER"):
        done = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids), OutboxMessage.state == MailState.PENDING.value)
            .values(state=MailState.SENT.value, transport="outbox", attempts=OutboxMessage.attempts + 1,
                    sent_at=utcnow(), last_error="")
            .execution_options(synchronize_session=False)
        )
        return done.rowcount
    with _smtp_session() as smtp:
        sent, refused = 0, None
        for message_id in message_ids:
            try:
                sent += _deliver_one(message_id, smtp) == "sent"
            except REFUSALS as error:  # this message only: the others still go out, the retry takes it again
                refused = refused or error
        if refused is not None:
            raise refused
        return sent


@with_app_context
def deliver_mail(message_id: int) -> str:
    """Send one outbox message, once (a worker asked for that one message)."""
    return _deliver_one(message_id)


def _deliver_one(message_id: int, smtp=mail) -> str:
    """Send one message unless it is sent or another worker has it; commit its outcome.

    A failure is recorded on the row and re-raised so that it is retried; the
    periodic re-send covers the rest.
    """
    message = _lock_pending(message_id)
    if message is None:
        db.session.rollback()
        return "skipped"
    message.attempts += 1
    if not current_app.config.get("MAIL_SERVER"):
        message.transport = "outbox"
    else:
        bodies = message.bodies_for_recipient()
        if bodies is None:
            return _give_up(message, "Its link was sealed under an earlier secret key; ask for a new link.")
        try:
            _send_smtp(message, *bodies, smtp)
        except Exception as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.state = MailState.FAILED.value
                message.forget_secret()
            db.session.commit()
            raise
        message.transport = "smtp"
        message.forget_secret()
    message.state = MailState.SENT.value
    message.sent_at = utcnow()
    message.last_error = ""
    db.session.commit()
    return "sent"


def _give_up(message: OutboxMessage, reason: str) -> str:
    message.state, message.last_error = MailState.FAILED.value, reason
    message.forget_secret()
    db.session.commit()
    return "failed"


@with_app_context
def resend_pending_mail(older_than_minutes: int = 2) -> int:
    """Queue delivery again for mail still pending (Redis or SMTP was down), in batches of
    ``DELIVERY_BATCH`` as the transactions that wrote it asked for: one job and one SMTP connection each."""
    cutoff = utcnow() - timedelta(minutes=older_than_minutes)
    ids = db.session.scalars(
        select(OutboxMessage.id).where(
            OutboxMessage.state == MailState.PENDING.value, OutboxMessage.created_at <= cutoff
        )
    ).all()
    db.session.rollback()
    for start in range(0, len(ids), DELIVERY_BATCH):
        enqueue("emails", "jobs.mail.deliver_mails", list(ids[start:start + DELIVERY_BATCH]))
    return len(ids)
