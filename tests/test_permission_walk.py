"""Every route of ``app.url_map``, for every kind of visitor.

A route must be public (listed below), a portal page decorated with
``company_login_required`` / ``permission_required`` (which set
``required_permission``), or a back office view with ``required_permission``.
A new route that is none of these fails ``test_every_route_is_classified``, so
nobody has to remember to add it here.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from models.permissions import Perm, StaffPerm
from models.staff import StaffUser
from models.users import CompanyUser
from tests.conftest import login

PUBLIC = {
    "static",
    "admin.static",
    "portal.login",
    "portal.logout",
    "portal.password_reset",
    "portal.password_reset_confirm",
    "portal.accept_invitation_page",
    "portal.apply",
    "portal.register",
    "admin.login",
    "admin.logout",
}
COMPANY_USERS = [
    "anna.admin@acme.example",
    "ben.buyer@acme.example",
    "alice.approver@acme.example",
    "carl.ccm@acme.example",
    "gina.admin@globex.example",
]
STAFF_USERS = ["admin@atrium.example", "support@atrium.example", "agent@atrium.example"]
SAMPLE_ARGS = {"export_type": "csv", "token": "not-a-real-token", "filename": "css/atrium.css"}


def _admin_views(app) -> dict:
    admin = app.extensions["atrium_admin"]
    return {view.endpoint: view for view in admin._views}


def classify(app, endpoint: str):
    """('public', None) | ('portal', Perm|None) | ('admin', StaffPerm|None)."""
    if endpoint in PUBLIC:
        return "public", None
    blueprint = endpoint.split(".", 1)[0]
    if blueprint == "portal":
        view = app.view_functions[endpoint]
        if not hasattr(view, "required_permission"):
            return None
        return "portal", view.required_permission
    views = _admin_views(app)
    if blueprint in views:
        view = views[blueprint]
        if blueprint == "admin":
            return "admin", None  # the index: any staff
        return "admin", view.required_permission
    return None


def walk_rules(app):
    for rule in app.url_map.iter_rules():
        kind = classify(app, rule.endpoint)
        if kind is None or kind[0] == "public":
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<{arg}>", SAMPLE_ARGS[arg])
            url = url.replace(f"<path:{arg}>", SAMPLE_ARGS[arg]).replace(f"<int:{arg}>", "1")
        method = "GET" if "GET" in rule.methods else "POST"
        yield rule.endpoint, url, method, kind


def test_every_route_is_classified(app):
    unclassified = [r.endpoint for r in app.url_map.iter_rules() if classify(app, r.endpoint) is None]
    assert unclassified == []


def _request(client, app, method, url):
    if method == "GET":
        return client.get(url)
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        return client.post(url, data={})
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


def _is_login_redirect(response, face):
    target = "/admin/login/" if face == "admin" else "/login"
    return response.status_code == 302 and response.location.split("?")[0].endswith(target)


def assert_reachable(response, face, endpoint, url):
    """Allowed: no 403, no sign-in redirect, no server error (404 for a missing id is fine)."""
    assert response.status_code != 403 and response.status_code < 500, (endpoint, url, response.status_code)
    assert not _is_login_redirect(response, face), (endpoint, url)


def test_anonymous_is_sent_to_sign_in(app, client):
    routes = list(walk_rules(app))
    assert len(routes) > 20
    for endpoint, url, method, (face, _) in routes:
        response = _request(client, app, method, url)
        assert _is_login_redirect(response, face), (endpoint, url, response.status_code)


@pytest.mark.parametrize("email", COMPANY_USERS)
def test_company_user_gets_only_what_roles_allow(app, client, email):
    assert login(client, email).status_code == 302
    with app.app_context():
        user = db.session.scalar(select(CompanyUser).where(CompanyUser.email == email))
        held = user.permissions
    for endpoint, url, method, (face, perm) in walk_rules(app):
        response = _request(client, app, method, url)
        allowed = face == "portal" and (perm is None or perm in held)
        if allowed:
            assert_reachable(response, face, endpoint, url)
        else:
            assert response.status_code == 403, (endpoint, url, response.status_code)


@pytest.mark.parametrize("email", STAFF_USERS)
def test_staff_gets_only_their_back_office_views(app, client, email):
    assert login(client, email, path="/admin/login/").status_code == 302
    with app.app_context():
        staff = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
        held = staff.permissions
    for endpoint, url, method, (face, perm) in walk_rules(app):
        response = _request(client, app, method, url)
        allowed = face == "admin" and (perm is None or perm in held)
        if allowed:
            assert_reachable(response, face, endpoint, url)
        else:
            assert response.status_code == 403, (endpoint, url, response.status_code)


def test_walk_covers_both_faces_and_named_permissions(app):
    faces = {kind for _, _, _, kind in walk_rules(app)}
    assert any(face == "portal" for face, _ in faces)
    assert any(face == "admin" and isinstance(p, StaffPerm) for face, p in faces)
    assert all(p is None or isinstance(p, (Perm, StaffPerm)) for _, p in faces)
