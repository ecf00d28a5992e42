"""Helpers to drive the sign-in, sign-out and password reset pages in tests: post forms, check who is signed in."""
from __future__ import annotations

from models.members import set_user_active
from tests import factories as f


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def staff_signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def user_row(app, email: str) -> tuple:
    """What a sign-in or reset may change on the user: session version, last sign-in, password, active."""
    with app.app_context():
        user = f.user(email)
        return user.session_version, user.last_login_at, user.password_hash, user.active


def staff_actor():
    return f.staff("admin@atrium.example")


def deactivate_ben():
    """Deactivate Ben Buyer as staff would (inside an app context; the caller commits)."""
    set_user_active(f.user("ben.buyer@acme.example"), False, actor=f.actor(staff_actor()))


def copy_session(app, source):
    """A second browser holding a copy of ``source``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", source.get_cookie("session").value)
    return thief
