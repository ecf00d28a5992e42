"""Helpers to drive the sign-in, sign-out and password reset pages in tests: post forms, check who is signed in."""
from __future__ import annotations

import html

from models.members import set_user_active
from tests import factories as f
from tests.conftest import csrf_token


def text(response) -> str:
    """The response body with HTML entities resolved."""
    return html.unescape(response.get_data(as_text=True))


def post_form(client, path: str, data: dict, form_page: str | None = None):
    """Post ``data`` with the CSRF token of the page that shows the form."""
    token = csrf_token(client.get(form_page or path).get_data(as_text=True))
    return client.post(path, data=dict(data, csrf_token=token))


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
