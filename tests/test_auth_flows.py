"""Sign-in and sign-out through the portal and the back office doors, sessions and request guards."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import create_app
from extensions import db
from models.auth import hash_password
from models.base import utcnow
from models.companies import CompanyStatus, set_company_status
from models.shops import set_assignment_state
from models.throttle import Throttle
from tests import factories as f
from tests.helpers import PASSWORD, csrf_token, login, post_form, unescaped
from tests.sign_in_pages import copy_session, deactivate_ben, signed_in, staff_actor, staff_signed_in, user_row

BAD_CREDENTIALS = "No account matches that e-mail and password."


def failures(app) -> int:
    """The failed sign-ins counted against accounts."""
    with app.app_context():
        return db.session.scalar(select(func.coalesce(func.sum(Throttle.count), 0)).where(
            Throttle.key.like("sign-in:%")))


# Portal door ------------------------------------------------------------------


def test_portal_login_and_logout(client):
    response = login(client, "anna.admin@acme.example")
    assert response.status_code == 302 and response.location == "/"
    assert "Welcome, Anna." in unescaped(client.get("/"))
    response = post_form(client, "/logout", {}, form_page="/account")
    assert response.status_code == 302 and response.location == "/login"
    assert "You are signed out." in unescaped(client.get("/login"))
    response = client.get("/account")
    assert response.status_code == 302 and response.location.startswith("/login?next=")


@pytest.mark.parametrize("target,landing", [("/account/profile", "/account/profile"), ("//evil.example/", "/")])
def test_login_follows_next_only_within_the_site(client, target, landing):
    token = csrf_token(client.get(f"/login?next={target}").get_data(as_text=True))
    data = {"email": "ben.buyer@acme.example", "password": PASSWORD, "csrf_token": token}
    assert client.post(f"/login?next={target}", data=data).location == landing


def _deactivate_acme():
    set_company_status(f.company("Acme Industrial"), CompanyStatus.INACTIVE, actor=f.actor(staff_actor()))


def _disable_bens_shops():
    for assignment in f.user("ben.buyer@acme.example").shop_assignments:
        set_assignment_state(assignment, False, actor=f.actor(staff_actor()))


REFUSED_LOGINS = [
    ("unknown e-mail", None, "nobody@acme.example", PASSWORD, BAD_CREDENTIALS),
    ("wrong password", None, "ben.buyer@acme.example", "not-the-password", BAD_CREDENTIALS),
    ("deactivated user", deactivate_ben, "ben.buyer@acme.example", PASSWORD,
     "This account is deactivated. Ask your company's account admin to reactivate it."),
    ("deactivated company", _deactivate_acme, "ben.buyer@acme.example", PASSWORD,
     "Acme Industrial is not active in Atrium, so its users cannot sign in."),
    ("disabled shop assignment", _disable_bens_shops, "ben.buyer@acme.example", PASSWORD,
     "Your account is waiting for approval or has been disabled for this shop."),
    ("staff account at the portal", None, "admin@atrium.example", PASSWORD, BAD_CREDENTIALS),
]


@pytest.mark.parametrize("case,prepare,email,password,message", REFUSED_LOGINS, ids=[c[0] for c in REFUSED_LOGINS])
def test_refused_portal_logins_say_why_and_change_nothing(app, client, case, prepare, email, password, message):
    if prepare:
        with app.app_context():
            prepare()
            db.session.commit()
    before = user_row(app, "ben.buyer@acme.example")
    response = login(client, email, password)
    assert response.status_code == 401
    assert message in unescaped(response)
    assert "Traceback" not in unescaped(response)
    assert not signed_in(client)
    assert user_row(app, "ben.buyer@acme.example") == before


def test_a_self_registration_waiting_for_approval_cannot_sign_in(client):
    response = login(client, "ivan@initech.example")
    assert response.status_code == 401
    assert "waiting for approval" in unescaped(response)


def test_empty_login_form_is_refused_by_the_form(app, client):
    before = failures(app)
    response = post_form(client, "/login", {"email": "", "password": ""})
    assert response.status_code == 200 and "This field is required." in unescaped(response)
    assert not signed_in(client) and failures(app) == before


def test_repeated_failures_lock_the_account_but_not_others(app, client):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert BAD_CREDENTIALS in unescaped(login(client, "ben.buyer@acme.example", "wrong-password"))
    response = login(client, "ben.buyer@acme.example")  # the right password, too late
    assert response.status_code == 401
    minutes = app.config["LOGIN_FAILURE_WINDOW_MINUTES"]
    assert f"Too many failed sign-ins for this account. Wait {minutes} minutes" in unescaped(response)
    assert not signed_in(client)
    assert login(client, "anna.admin@acme.example").status_code == 302


def test_failures_older_than_the_window_do_not_count(app, client):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    window = timedelta(minutes=app.config["LOGIN_FAILURE_WINDOW_MINUTES"] + 1)
    with app.app_context():
        db.session.add(Throttle(key="sign-in:ben.buyer@acme.example", count=limit, window_start=utcnow() - window))
        db.session.commit()
    assert login(client, "ben.buyer@acme.example").status_code == 302


def client_from(app, address: str):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def test_repeated_failures_from_one_address_are_refused_for_every_account(app):
    suspect = client_from(app, "203.0.113.7")
    token = csrf_token(suspect.get("/login").get_data(as_text=True))
    for number in range(app.config["LOGIN_MAX_FAILURES_PER_IP"]):
        data = {"email": f"guess{number}@acme.example", "password": "guess", "csrf_token": token}
        assert suspect.post("/login", data=data).status_code == 401
    response = login(suspect, "anna.admin@acme.example")
    assert response.status_code == 401
    assert "Too many failed sign-ins from your network. Try again later." in unescaped(response)
    assert not signed_in(suspect)
    elsewhere = client_from(app, "198.51.100.9")
    assert login(elsewhere, "anna.admin@acme.example").status_code == 302


def test_the_back_office_door_is_throttled_too(app, client):
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        login(client, "admin@atrium.example", "wrong-password", path="/admin/login/")
    response = login(client, "admin@atrium.example", path="/admin/login/")
    assert response.status_code == 401 and "Too many failed sign-ins for this account" in unescaped(response)


# Sessions ---------------------------------------------------------------------


def test_a_copied_cookie_stops_working_after_logout(app, client):
    login(client, "anna.admin@acme.example")
    thief = copy_session(app, client)
    assert signed_in(thief)
    post_form(client, "/logout", {}, form_page="/account")
    assert not signed_in(thief)


def test_a_copied_staff_cookie_stops_working_after_logout(app, client):
    login(client, "admin@atrium.example", path="/admin/login/")
    thief = copy_session(app, client)
    assert staff_signed_in(thief)
    post_form(client, "/admin/logout/", {}, form_page="/admin/")
    assert not staff_signed_in(thief)
    assert thief.get("/admin/").location.startswith("/admin/login/")


@pytest.mark.parametrize("end", [deactivate_ben, _deactivate_acme, _disable_bens_shops],
                         ids=["user deactivated", "company deactivated", "shop assignment disabled"])
def test_deactivation_ends_a_live_session(app, client, end):
    login(client, "ben.buyer@acme.example")
    assert signed_in(client)
    with app.app_context():
        end()
        db.session.commit()
    response = client.get("/account")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_a_session_ended_by_company_deactivation_stays_ended_after_reactivation(app, client):
    login(client, "ben.buyer@acme.example")
    copied = copy_session(app, client)
    with app.app_context():
        _deactivate_acme()
        set_company_status(f.company("Acme Industrial"), CompanyStatus.ACTIVE, actor=f.actor(staff_actor()))
        db.session.commit()
    assert not signed_in(copied) and not signed_in(client)
    login(client, "ben.buyer@acme.example")
    assert signed_in(client)


# Request guards ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login", "/admin/login/", "/password-reset"])
def test_a_form_without_its_csrf_token_gets_a_clear_400(app, client, path):
    before = failures(app)
    response = client.post(path, data={"email": "ben.buyer@acme.example", "password": PASSWORD})
    assert response.status_code == 400
    assert "The form was sent without its security token" in unescaped(response)
    assert "Traceback" not in unescaped(response)
    assert failures(app) == before and not signed_in(client)


def test_logout_without_its_csrf_token_keeps_the_session(client):
    login(client, "ben.buyer@acme.example")
    assert client.post("/logout").status_code == 400
    assert signed_in(client)


@pytest.mark.parametrize("who", [None, "ben.buyer@acme.example"])
def test_an_oversized_request_gets_a_clear_413(app, client, who):
    if who:
        login(client, who)
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 16 * 1024 * 1024
    token = csrf_token(client.get("/account" if who else "/login").get_data(as_text=True))
    body = f"csrf_token={token}&email=ben.buyer%40acme.example&password=x&pad=" + "x" * limit
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "Request Entity Too Large" in unescaped(response) and "Traceback" not in unescaped(response)
    assert signed_in(client) == bool(who)


# The two doors ------------------------------------------------------------------


def test_back_office_login_and_logout(client):
    response = login(client, "admin@atrium.example", path="/admin/login/")
    assert response.status_code == 302 and response.location == "/admin/"
    assert staff_signed_in(client)
    response = post_form(client, "/admin/logout/", {}, form_page="/admin/")
    assert response.status_code == 302 and response.location == "/admin/login/"
    assert "You are signed out of the back office." in unescaped(client.get("/admin/login/"))
    assert not staff_signed_in(client)


def _deactivate_support():
    f.staff("support@atrium.example").active = False


STAFF_REFUSALS = [
    ("wrong password", None, "admin@atrium.example", "not-the-password", BAD_CREDENTIALS),
    ("deactivated staff", _deactivate_support, "support@atrium.example", PASSWORD,
     "This back office account is deactivated."),
    ("company account admin", None, "anna.admin@acme.example", PASSWORD, BAD_CREDENTIALS),
]


@pytest.mark.parametrize("case,prepare,email,password,message", STAFF_REFUSALS, ids=[c[0] for c in STAFF_REFUSALS])
def test_refused_back_office_logins(app, client, case, prepare, email, password, message):
    if prepare:
        with app.app_context():
            prepare()
            db.session.commit()
    response = login(client, email, password, path="/admin/login/")
    assert response.status_code == 401 and message in unescaped(response)
    assert not staff_signed_in(client)


def test_a_signed_in_company_user_is_refused_by_the_back_office(client):
    login(client, "anna.admin@acme.example")
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "The back office is for Atrium staff. Company users sign in to the portal." in unescaped(response)


def test_a_signed_in_staff_user_is_refused_by_the_portal(client):
    login(client, "admin@atrium.example", path="/admin/login/")
    response = client.get("/account")
    assert response.status_code == 403
    assert "This page is for company users. Staff use the back office." in unescaped(response)


# Password hashing -------------------------------------------------------------------


def test_production_hashes_passwords_with_scrypt():
    production = create_app({"SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    assert production.config["PASSWORD_HASH_METHOD"] == "scrypt"
    with production.app_context():
        method, n, r, p = hash_password("correct horse battery").split("$")[0].split(":")
    assert method == "scrypt" and int(n) >= 2**15 and int(r) >= 8 and int(p) >= 1


def test_an_unknown_address_costs_a_password_check_too(client, monkeypatch):
    import models.auth

    checked, real_check = [], models.auth.check_password_hash
    monkeypatch.setattr(models.auth, "check_password_hash", lambda h, p: checked.append(p) or real_check(h, p))
    assert login(client, "nobody@acme.example", "guess-1").status_code == 401
    assert checked == ["guess-1"]
