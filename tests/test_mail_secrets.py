"""Links that sign someone in never reach staff: not in the Outbox, not at rest, not after delivery.

The Outbox is readable by support staff. A password or invitation link shown
there would let any of them take over the account; so the token is stored
hidden and sealed, and only administrators of an installation without SMTP
(where the Outbox is the demo's mailbox) see mail with working links.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from extensions import db
from models.auth import issue_password_link
from models.invitations import invite
from models.mail import OutboxMessage
from models.sealing import HIDDEN
from models.staff_accounts import send_staff_password_link
from tests import factories as f
from tests.helpers import mail_link, text

TOKEN = re.compile(r"/(?:invitations|password-reset|admin/password)/([\w-]{20,})")


def _secret_mails(app) -> dict[str, tuple[int, str]]:
    """One mail of each kind that carries a token: its outbox id and the token its recipient gets."""
    with app.app_context():
        anna = f.user("anna.admin@acme.example")
        invite(anna.company, "zoe@acme.example", f.role("buyer"), actor=f.actor(anna))
        issue_password_link(f.user("ben.buyer@acme.example"), template="password_reset",
                            subject="Reset your Atrium password")
        send_staff_password_link(f.staff("admin@atrium.example"), actor=f.actor(f.staff("admin@atrium.example")))
        db.session.commit()
        found = {}
        for email, path in (("zoe@acme.example", "/invitations/"), ("ben.buyer@acme.example", "/password-reset/"),
                            ("admin@atrium.example", "/admin/password/")):
            message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email)
                                         .order_by(OutboxMessage.id.desc())).first()
            found[email] = (message.id, mail_link(email, path).removeprefix(path))
        return found


def test_stored_mail_holds_no_token(app):
    mails = _secret_mails(app)
    with app.app_context():
        for message_id, token in mails.values():
            message = db.session.get(OutboxMessage, message_id)
            stored = " ".join(str(getattr(message, c.key)) for c in OutboxMessage.__table__.columns)
            assert len(token) >= 40 and token not in stored
            assert HIDDEN in message.body_text and HIDDEN in message.body_html


@pytest.mark.parametrize("staff", ["support@atrium.example", "admin@atrium.example"])
def test_with_smtp_no_staff_role_reads_a_live_link_in_the_outbox(app, login_as, monkeypatch, staff):
    mails = _secret_mails(app)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.atrium.example")  # the Outbox is then only a log
    client = login_as(staff)
    for message_id, token in mails.values():
        page = client.get(f"/admin/outbox/details/?id={message_id}").get_data(as_text=True)
        assert token not in page
        assert f"Links that sign someone in are shown as {HIDDEN}: only the recipient gets them." in text(page)


def test_without_smtp_support_staff_see_hidden_links(app, login_as):
    mails = _secret_mails(app)
    client = login_as("support@atrium.example")
    for message_id, token in mails.values():
        page = client.get(f"/admin/outbox/details/?id={message_id}").get_data(as_text=True)
        assert token not in page and HIDDEN in page


def test_without_smtp_administrators_open_the_links_from_the_outbox(app, login_as):
    mails = _secret_mails(app)
    client = login_as("admin@atrium.example")
    message_id, token = mails["zoe@acme.example"]
    page = client.get(f"/admin/outbox/details/?id={message_id}").get_data(as_text=True)
    assert f"/invitations/{token}" in page
    assert "The link in this mail works: only administrators see it" in text(page)


def test_a_sales_representative_cannot_open_the_outbox(app, login_as):
    mails = _secret_mails(app)
    client = login_as("agent@atrium.example")
    message_id, token = mails["ben.buyer@acme.example"]
    response = client.get(f"/admin/outbox/details/?id={message_id}")
    assert response.status_code in (302, 403) and token not in response.get_data(as_text=True)


def test_mail_sealed_under_another_key_cannot_be_opened(app, monkeypatch):
    mails = _secret_mails(app)
    message_id, _ = mails["ben.buyer@acme.example"]
    monkeypatch.setitem(app.config, "SECRET_KEY", "a-new-secret-key")
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).bodies_for_recipient() is None


def test_outbox_links_open_in_a_new_tab_from_both_parts(app, login_as):
    mails = _secret_mails(app)
    client = login_as("admin@atrium.example")
    message_id, token = mails["zoe@acme.example"]
    page = client.get(f"/admin/outbox/details/?id={message_id}").get_data(as_text=True)
    link = f"http://localhost/invitations/{token}"
    assert f'<a href="{link}" target="_blank" rel="noopener">{link}</a>' in page  # the text part
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page
    assert "&lt;base target=&#34;_blank&#34;&gt;" in page  # the HTML part's links leave the frame
