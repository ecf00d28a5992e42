"""Password links end each other, reset mail is rationed, passwords are hard to guess, and people change their own.

Each rule answers one way of taking over an account: an old link found in a
mailbox, a flood of reset mail, a guessable password, a stolen session that
outlives a password change.
"""
from __future__ import annotations

import statistics
import time

import pytest

from extensions import db
from jobs.background import job_thread
from models.auth import change_own_password, issue_password_link
from models.base import NotPermitted
from tests import factories as f
from tests.databases import world_app
from tests.helpers import csrf_token, flashes, login, mail_link, post_form, templates_to, unescaped
from tests.sign_in_pages import copy_session, signed_in, staff_signed_in

BEN = "ben.buyer@acme.example"
NEW_PASSWORD = "lantern-harbour-crane"


def _reset(client, email=BEN):
    return post_form(client, "/password-reset", {"email": email})


def _link(app, email=BEN) -> str:
    with app.app_context():
        return mail_link(email, "/password-reset/")


def _choose(client, link, password=NEW_PASSWORD):
    return post_form(client, link, {"password": password, "confirm": password})


# --- links ----------------------------------------------------------------------------

def test_a_newer_link_ends_the_older_one(app, client):
    _reset(client)
    older = _link(app)
    _reset(client)
    newer = _link(app)
    assert older != newer
    response = client.get(older)
    assert response.status_code == 302
    assert "This password reset link has already been used, or a newer one was sent since." in unescaped(
        client.get(response.location))
    assert _choose(client, newer).location == "/login"


def test_using_a_link_ends_every_other_link_of_the_account(app, client):
    with app.app_context():
        ben = f.user(BEN)
        issue_password_link(ben, template="account_created", subject="Your account")
        first = mail_link(BEN, "/password-reset/")
        db.session.commit()
    _reset(client)
    assert _choose(client, _link(app)).location == "/login"
    assert client.get(first).status_code == 302  # the older, unused link is dead too


def test_reset_mail_is_rationed_per_account_and_every_answer_is_the_same(app, client):
    limit = app.config["RESET_MAILS_PER_HOUR"]
    answers = set()
    for _ in range(limit + 3):
        response = _reset(client)
        answers.add((response.status_code, tuple(flashes(client.get(response.location).get_data(as_text=True)))))
    assert len(answers) == 1
    with app.app_context():
        assert templates_to(BEN).count("password_reset") == limit


def test_reset_requests_are_limited_per_network_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RESET_REQUESTS_PER_IP_PER_HOUR", 4)
    for n in range(4):
        assert _reset(client, f"nobody{n}@example.org").status_code == 302
    refused = _reset(client)
    assert refused.status_code == 429
    assert "Too many password reset requests from your network. Try again in an hour." in unescaped(refused)
    with app.app_context():
        assert "password_reset" not in templates_to(BEN)


def test_a_reset_answers_in_the_same_time_for_known_and_unknown_addresses(tmp_path):
    """Timed as a visitor sees it on the embedded default: the mail is written by the job, after the answer."""
    with world_app(tmp_path, REDIS_URL="", JOBS_AFTER_ANSWER=True, RESET_REQUESTS_PER_IP_PER_HOUR=1000,
                   RESET_MAILS_PER_HOUR=1000) as app:
        client = app.test_client()
        token_page = "/password-reset"
        times = {"known": [], "unknown": []}
        for n in range(16):
            for kind, email in (("known", BEN), ("unknown", f"nobody{n}@example.org")):
                token = client.get(token_page).get_data(as_text=True)
                started = time.perf_counter()
                response = client.post(token_page, data={"email": email, "csrf_token": csrf_token(token)})
                times[kind].append(time.perf_counter() - started)
                assert response.status_code == 302
                assert job_thread(app).idle.wait(10)
        known, unknown = statistics.median(times["known"]), statistics.median(times["unknown"])
        assert known < unknown * 1.5 + 0.002, (known, unknown)
        with app.app_context():
            assert templates_to(BEN).count("password_reset") == 16  # the job did send each one


# --- passwords ----------------------------------------------------------------------------

@pytest.mark.parametrize("password,message", [
    ("aaaaaaaaaaaa", "This password is easy to guess: repeats like"),
    ("password1234", "This password is easy to guess"),
    ("ben.buyer@acme.example", "Choose a password that does not contain your e-mail address or your name."),
    ("BenBuyer-2026", "Choose a password that does not contain your e-mail address or your name."),
])
def test_a_weak_new_password_is_refused_with_its_reason(app, client, password, message):
    _reset(client)
    link = _link(app)
    response = _choose(client, link, password)
    assert response.status_code == 400 and message in unescaped(response)
    assert login(app.test_client(), BEN).status_code == 302  # the old password still works


# --- changing one's own password -----------------------------------------------------------

def _change(client, current, new=NEW_PASSWORD, path="/account/password"):
    return post_form(client, path, {"current_password": current, "password": new, "confirm": new})


def test_a_signed_in_user_changes_their_password_and_their_other_sessions_end(app, client):
    login(client, BEN)
    other = copy_session(app, client)
    response = _change(client, f.PASSWORD)
    assert response.status_code == 302
    assert "Your password is changed. You were signed out everywhere else." in unescaped(client.get("/account"))
    assert signed_in(client) and not signed_in(other)
    assert login(app.test_client(), BEN, NEW_PASSWORD).status_code == 302
    with app.app_context():
        assert templates_to(BEN)[-1] == "password_changed"


def test_the_current_password_is_required_and_wrong_guesses_are_limited(app, client):
    login(client, BEN)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        response = _change(client, "not-my-password")
        assert response.status_code == 400 and "That is not your current password." in unescaped(response)
    response = _change(client, f.PASSWORD)
    assert response.status_code == 429 and "Too many wrong current passwords." in unescaped(response)
    assert login(app.test_client(), BEN).status_code == 302  # unchanged


def test_the_change_password_page_is_linked_from_my_account(client):
    login(client, BEN)
    assert 'href="/account/password"' in client.get("/account").get_data(as_text=True)


def test_staff_change_their_own_password_in_the_back_office(app, login_as):
    client = login_as("support@atrium.example")
    assert 'href="/admin/account/password/"' in client.get("/admin/").get_data(as_text=True)
    other = copy_session(app, client)
    response = _change(client, f.PASSWORD, path="/admin/account/password/")
    assert response.status_code == 302
    assert staff_signed_in(client) and not staff_signed_in(other)
    assert login(app.test_client(), "support@atrium.example", NEW_PASSWORD, "/admin/login/").status_code == 302


def test_an_agent_cannot_change_the_customers_password(app):
    with app.app_context():
        agent = f.actor("agent@atrium.example").emulating(f.actor(BEN))
        with pytest.raises(NotPermitted, match="Only the account's owner"):
            change_own_password(f.user(BEN), actor=agent, current=f.PASSWORD, password=NEW_PASSWORD,
                                confirm=NEW_PASSWORD)
        with pytest.raises(NotPermitted):
            change_own_password(f.user(BEN), actor=f.actor("anna.admin@acme.example"), current=f.PASSWORD,
                                password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert login(app.test_client(), BEN).status_code == 302
