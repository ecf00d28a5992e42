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
from tests.helpers import count_queries, login

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
    "portal.confirm_registration",
    "portal.catalog",  # visitors browse the shop's catalog (prices for customers and guest-cart visitors)
    "portal.product",
    "admin.login",
    "admin.logout",
    "admin.password_reset_view",
    "admin.password_view",
}
COMPANY_USERS = [
    "anna.admin@acme.example",
    "ben.buyer@acme.example",
    "alice.approver@acme.example",
    "carl.ccm@acme.example",
    "gina.admin@globex.example",
]
STAFF_USERS = ["admin@atrium.example", "support@atrium.example", "agent@atrium.example"]
# The role walk asks for a row that does not exist: permission checks come first
# (403), an allowed user gets a 404, and no POST changes a real row.
MISSING_ID = "999999"
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
            sample = SAMPLE_ARGS.get(arg, MISSING_ID)
            for pattern in (f"<{arg}>", f"<path:{arg}>", f"<int:{arg}>"):
                url = url.replace(pattern, sample)
        method = "GET" if "GET" in rule.methods else "POST"
        yield rule.endpoint, url, method, kind


def test_every_route_is_classified(app):
    unclassified = [r.endpoint for r in app.url_map.iter_rules() if classify(app, r.endpoint) is None]
    assert unclassified == []


WRITES = ("INSERT", "UPDATE", "DELETE")


def _request(client, app, method, url):
    if method == "GET":
        with count_queries(app) as statements:
            response = client.get(url)
        writes = [s for s in statements if s.lstrip().upper().startswith(WRITES)]
        assert writes == [], (url, writes)  # a GET writes nothing
        return response
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


# --- Another company's rows -------------------------------------------------
#
# Every portal route that takes an id names the kind of row it loads. Gina
# (Globex's Account Admin, holding every company permission) asks for Acme's
# rows on each such route, GET and POST: each answer is a 404 and nothing of
# Acme's changes. A new portal route with an id not listed here fails
# ``test_every_portal_id_is_known``.

def _acme_rows():
    from models.assets import Asset
    from models.carts import Cart, CartLine
    from models.companies import Address, BusinessUnit, Company
    from models.files import File
    from models.inquiries import Inquiry
    from models.invitations import Invitation
    from models.order_templates import OrderTemplate
    from models.orders import Order
    from models.quotes import Quote
    from models.recurring import RecurringOrder
    from models.services import BookedService
    from models.users import Role

    acme = db.session.scalar(select(Company).where(Company.name == "Acme Industrial"))
    first = lambda model: db.session.scalar(  # noqa: E731
        select(model).where(model.company_id == acme.id).order_by(model.id).execution_options(unscoped=True)
    )
    return {
        "user_id": db.session.scalar(select(CompanyUser).where(CompanyUser.email == "ben.buyer@acme.example")),
        "invitation_id": first(Invitation),
        "role_id": first(Role),
        "unit_id": first(BusinessUnit),
        "address_id": first(Address),
        "order_id": first(Order),
        "template_id": first(OrderTemplate),
        "quote_id": first(Quote),
        "recurring_id": first(RecurringOrder),
        "asset_id": first(Asset),
        "inquiry_id": first(Inquiry),
        "file_id": first(File),
        "booked_id": first(BookedService),
        "line_id": db.session.scalar(select(CartLine).join(Cart).where(Cart.company_id == acme.id)
                                     .order_by(CartLine.id).execution_options(unscoped=True)),
    }


def _fingerprint(rows) -> dict:
    """What a change to Acme's rows would alter: every column of each row."""
    db.session.expire_all()
    return {
        name: {c.key: getattr(row, c.key) for c in row.__table__.columns}
        for name, row in rows.items()
    }


def _portal_id_routes(app):
    for rule in app.url_map.iter_rules():
        kind = classify(app, rule.endpoint)
        if kind and kind[0] == "portal" and rule.arguments:
            yield rule


def test_every_portal_id_is_known(app):
    with app.app_context():
        known = set(_acme_rows())
    unknown = {(r.endpoint, a) for r in _portal_id_routes(app) for a in r.arguments if a not in known}
    assert unknown == set()


def test_other_company_gets_404_and_changes_nothing(app, client):
    with app.app_context():
        rows = _acme_rows()
        assert all(rows.values()), rows
        ids = {name: row.id for name, row in rows.items()}
        before = _fingerprint(rows)
    assert login(client, "gina.admin@globex.example").status_code == 302
    routes = list(_portal_id_routes(app))
    for rule in routes:
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", str(ids[arg]))
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = _request(client, app, method, url)
            assert response.status_code == 404, (rule.endpoint, method, url, response.status_code)
    with app.app_context():
        assert _fingerprint(_acme_rows()) == before


def test_owner_company_admin_opens_its_own_rows(app, client):
    """The same ids are Anna's (Acme): her GETs find them, so the 404s above are about the company."""
    with app.app_context():
        ids = {name: row.id for name, row in _acme_rows().items()}
    assert login(client, "anna.admin@acme.example").status_code == 302
    for rule in _portal_id_routes(app):
        if "GET" not in rule.methods:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", str(ids[arg]))
        response = client.get(url)
        assert response.status_code == 200, (rule.endpoint, url, response.status_code)
