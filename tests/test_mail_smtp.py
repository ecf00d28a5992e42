"""Mail leaves through a real SMTP server (aiosmtpd on loopback), jobs in process, SQLite."""
from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from app import create_app
from cli import upgrade_database
from extensions import db
from jobs.queue import dispatch_ready
from models.mail import OutboxMessage
from tests.helpers import free_port, outbox
from tests.mail_servers import RESET_LINK, SmtpInbox, request_reset, smtp_config


def seeded_app(path, port: int):
    """A separate app on its own SQLite file with the demo data, jobs in process."""
    app = create_app(smtp_config(f"sqlite:///{path}", port, REDIS_URL=""))
    with app.app_context():
        upgrade_database()
        from tests.world import build_world

        build_world()
        db.session.commit()
        dispatch_ready()
    return app


@pytest.fixture
def smtp_app(tmp_path, smtp_inbox):
    """A seeded app whose mail goes to ``smtp_inbox``; the demo data's own mail is cleared."""
    app = seeded_app(tmp_path / "mail.sqlite", smtp_inbox.port)
    smtp_inbox.messages.clear()
    yield app
    with app.app_context():
        db.engine.dispose()


def outbox_of(app, recipient: str | None) -> list[OutboxMessage]:
    """Outbox rows of this app's own database for ``recipient`` (all for None), detached for reading."""
    with app.app_context():
        rows = outbox(recipient)
        db.session.expunge_all()
        return rows


def test_reset_mail_reaches_the_smtp_server_with_a_working_link(smtp_app, smtp_inbox):
    client = request_reset(smtp_app, "ben.buyer@acme.example")

    assert len(smtp_inbox.messages) == 1
    recipients, message = smtp_inbox.messages[0]
    assert recipients == ["ben.buyer@acme.example"]
    assert message["Subject"] == "Reset your Atrium password"
    assert message["From"] == "Atrium <no-reply@atrium.example>"
    html_part = message.get_body(preferencelist=("html",)).get_content()
    token = RESET_LINK.search(smtp_inbox.text_of()).group(1)
    assert token in html_part

    [row] = outbox_of(smtp_app, "ben.buyer@acme.example")
    assert (row.state, row.transport, row.attempts) == ("sent", "smtp", 1)
    assert token not in row.body_text + row.body_html and row.sealed_secret is None  # no live link kept
    assert message.get_all("Message-ID") == [f"<{row.idempotency_key}@atrium.test>"]
    assert "New password" in client.get(f"/password-reset/{token}").get_data(as_text=True)


def test_mail_waits_in_the_outbox_while_smtp_is_down_and_is_sent_once(tmp_path):
    from jobs.mail import deliver_mail, resend_pending_mail

    port = free_port()
    app = seeded_app(tmp_path / "down.sqlite", port)  # SMTP is down: the demo mail waits too
    request_reset(app, "ben.buyer@acme.example")  # the page still answers
    [row] = outbox_of(app, "ben.buyer@acme.example")
    assert (row.state, row.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in row.last_error
    assert "/password-reset/⟦hidden⟧" in row.body_text and row.sealed_secret  # waiting, sealed
    waiting = len(outbox_of(app, None))

    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with app.app_context():
            assert resend_pending_mail(older_than_minutes=0) == waiting
            assert resend_pending_mail(older_than_minutes=0) == 0
            assert deliver_mail(row.id) == "skipped"
    finally:
        controller.stop()
    rows = outbox_of(app, None)
    assert {r.state for r in rows} == {"sent"}
    assert sorted(m["Message-ID"] for _, m in inbox.messages) == sorted(
        f"<{r.idempotency_key}@atrium.test>" for r in rows
    )
    [row] = outbox_of(app, "ben.buyer@acme.example")
    assert (row.attempts, row.last_error) == (2, "")


def test_mail_sealed_under_an_earlier_secret_key_fails_with_a_reason_instead_of_a_dead_link(tmp_path):
    from jobs.mail import deliver_mail

    app = seeded_app(tmp_path / "rotated.sqlite", free_port())  # SMTP down: the reset mail waits
    request_reset(app, "ben.buyer@acme.example")
    [row] = outbox_of(app, "ben.buyer@acme.example")
    app.config["SECRET_KEY"] = "a-rotated-secret-key"
    with app.app_context():
        assert deliver_mail(row.id) == "failed"
    [row] = outbox_of(app, "ben.buyer@acme.example")
    assert row.state == "failed" and row.sealed_secret is None
    assert row.last_error == "Its link was sealed under an earlier secret key; ask for a new link."


def test_a_company_name_with_line_breaks_cannot_stop_or_forge_a_mail_header(smtp_app, smtp_inbox):
    from models.invitations import invite
    from tests import factories as f

    with smtp_app.app_context():
        anna = f.user("anna.admin@acme.example")
        anna.company.name = "Acme\r\nBcc: victim@evil.example\r\n"
        invite(anna.company, "newcomer@acme.example", f.role("buyer"), actor=f.actor(anna))
        db.session.commit()
        dispatch_ready()

    [(recipients, message)] = smtp_inbox.messages
    assert recipients == ["newcomer@acme.example"]
    assert message["Subject"] == "You are invited to Acme Bcc: victim@evil.example on Atrium"
    assert message["Bcc"] is None and "victim@evil.example" not in message["To"]
    [row] = outbox_of(smtp_app, "newcomer@acme.example")
    assert (row.state, row.transport) == ("sent", "smtp")
