"""Password reset by mailed link: the request, the link's single use and expiry, the new password's checks."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from models.auth import PasswordResetToken
from models.base import utcnow
from models.mail import OutboxMessage
from tests.helpers import login, mail_link, post_form, unescaped
from tests.sign_in_pages import deactivate_ben, signed_in, user_row

NEW_PASSWORD = "a-new-long-password"


def request_reset(client, email: str):
    return post_form(client, "/password-reset", {"email": email})


def reset_link(app, email: str) -> str:
    with app.app_context():
        return mail_link(email, "/password-reset/")


def choose_password(client, link: str, password=NEW_PASSWORD, confirm=None, form_page=None):
    return post_form(client, link, {"password": password, "confirm": confirm or password}, form_page or link)


def test_password_reset_by_mailed_link(app, client, run_jobs):
    response = request_reset(client, "Ben.Buyer@acme.example")
    assert response.status_code == 302
    assert "a reset link is on its way. It works once." in unescaped(client.get("/login"))
    run_jobs()
    link = reset_link(app, "ben.buyer@acme.example")
    assert "New password" in unescaped(client.get(link))
    response = choose_password(client, link)
    assert response.status_code == 302 and response.location == "/login"
    assert "Your password is changed." in unescaped(client.get("/login"))
    assert login(client, "ben.buyer@acme.example").status_code == 401
    assert login(client, "ben.buyer@acme.example", NEW_PASSWORD).status_code == 302


def test_a_used_reset_link_cannot_be_used_again(app, client):
    request_reset(client, "ben.buyer@acme.example")
    link = reset_link(app, "ben.buyer@acme.example")
    choose_password(client, link)
    response = client.get(link)
    assert response.status_code == 302 and response.location == "/password-reset"
    assert "already been used" in unescaped(client.get("/password-reset"))
    before = user_row(app, "ben.buyer@acme.example")
    response = choose_password(client, link, "yet-another-password", form_page="/password-reset")
    assert response.status_code == 302 and response.location == "/password-reset"
    assert user_row(app, "ben.buyer@acme.example") == before


def test_an_expired_reset_link_is_refused(app, client):
    request_reset(client, "ben.buyer@acme.example")
    link = reset_link(app, "ben.buyer@acme.example")
    with app.app_context():
        db.session.execute(db.update(PasswordResetToken).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    before = user_row(app, "ben.buyer@acme.example")
    response = client.get(link)
    assert response.status_code == 302 and response.location == "/password-reset"
    assert "This password reset link has expired. Ask for a new one." in unescaped(client.get("/password-reset"))
    assert choose_password(client, link, form_page="/password-reset").location == "/password-reset"
    assert user_row(app, "ben.buyer@acme.example") == before


def test_an_unknown_reset_link_is_refused(client):
    response = client.get("/password-reset/not-a-real-token")
    assert response.status_code == 302
    assert "This password reset link is not valid." in unescaped(client.get("/password-reset"))


@pytest.mark.parametrize("email", ["nobody@acme.example", "admin@atrium.example", "ben.buyer@acme.example"])
def test_reset_requests_answer_alike_and_mail_only_active_users(app, client, email):
    if email == "ben.buyer@acme.example":
        with app.app_context():
            deactivate_ben()
            db.session.commit()
    response = request_reset(client, email)
    assert response.status_code == 302
    assert "If that address belongs to an active account" in unescaped(client.get("/login"))
    with app.app_context():
        sent = select(func.count()).where(OutboxMessage.recipient == email, OutboxMessage.template == "password_reset")
        assert db.session.scalar(sent) == 0


def test_a_malformed_reset_address_is_refused_by_the_form(client):
    response = request_reset(client, "not an address")
    assert response.status_code == 200 and "Enter a valid e-mail address." in unescaped(response)


@pytest.mark.parametrize("password,confirm,message", [
    ("short", "short", "Choose a password of at least 10 characters."),
    (NEW_PASSWORD, "something-else-entirely", "The two passwords do not match."),
])
def test_a_bad_new_password_keeps_the_link_usable(app, client, password, confirm, message):
    request_reset(client, "ben.buyer@acme.example")
    link = reset_link(app, "ben.buyer@acme.example")
    before = user_row(app, "ben.buyer@acme.example")
    response = choose_password(client, link, password, confirm)
    assert response.status_code == 400 and message in unescaped(response)
    assert user_row(app, "ben.buyer@acme.example") == before
    assert choose_password(client, link).status_code == 302


def test_a_reset_ends_the_other_sessions_and_lifts_the_lock(app, client):
    other = app.test_client()
    login(other, "ben.buyer@acme.example")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        login(client, "ben.buyer@acme.example", "wrong-password")
    request_reset(client, "ben.buyer@acme.example")
    choose_password(client, reset_link(app, "ben.buyer@acme.example"))
    assert not signed_in(other)
    assert login(client, "ben.buyer@acme.example", NEW_PASSWORD).status_code == 302
