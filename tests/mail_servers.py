"""A real SMTP server for tests: aiosmtpd on a free loopback port, and an app configuration that sends to it."""
from __future__ import annotations

import email
import email.policy
import re
from contextlib import contextmanager

from aiosmtpd.controller import Controller

from tests.conftest import TEST_CONFIG
from tests.helpers import csrf_token, free_port

PUBLIC_URL = "http://atrium.test"
RESET_LINK = re.compile(r"http://[\w.:-]+/password-reset/([\w-]+)")


class SmtpInbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def text_of(self, index: int = -1) -> str:
        return self.messages[index][1].get_body(preferencelist=("plain",)).get_content()


@contextmanager
def smtp_server():
    """A real SMTP server on a free loopback port while the block runs; yields its inbox (``.port`` set).

    Tests get it as the ``smtp_inbox`` fixture (tests/conftest.py).
    """
    inbox = SmtpInbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def smtp_config(database_url: str, port: int, **extra) -> dict:
    """An app configuration that sends mail to the SMTP server on ``port``."""
    return dict(
        TEST_CONFIG,
        DATABASE_URL=database_url,
        PUBLIC_URL=PUBLIC_URL,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_SUPPRESS_SEND=False,
        **extra,
    )


def request_reset(app, address: str):
    """Ask for a password reset for ``address`` through the form; returns the client used."""
    client = app.test_client()
    token = csrf_token(client.get("/password-reset").get_data(as_text=True))
    response = client.post("/password-reset", data={"email": address, "csrf_token": token})
    assert response.status_code == 302
    return client
