"""Malformed input is a 4xx with a message, never a 500; no redirect leaves the site.

The fuzz walk sends absurd ids, pages, bulk ids, NUL bytes and hostile
``next=`` / ``url=`` values to every route of ``app.url_map``, as a visitor, an
Account Admin, a user of another company and two staff roles.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from extensions import db
from models.companies import Company
from tests import factories as f
from tests.helpers import csrf_token, flashes, login, post_form
from tests.test_permission_walk import classify

HOSTILE_NEXT = ["/%09/evil.example/", "/%0a/x", "//evil.example", "/\\evil.example", "https://evil.example/",
                "/%2F%2Fevil.example", "/%252F%252Fevil.example", "javascript:alert(1)", "/\t/evil.example"]
HUGE = "99999999999999999999"
WEIRD_QUERY = [
    {"page": HUGE, "id": "abc", "q": "%_\\", "next": "/%09/evil.example/", "url": "//evil.example",
     "sort": "abc", "desc": "x", "page_size": "-5", "search": "x" * 500, "flt0_0": "abc", "shop": "nope"},
    {"page": "-1", "id": str(2**31), "next": "/%0a/x", "url": "/%09/evil.example", "page_size": HUGE,
     "q": "a\x00b"},
]
WEIRD_FORM = {"id": "abc", "rowid": ["abc", str(2**63), "-1"], "action": "delete", "url": "//evil.example",
              "next": "https://evil.example", "active": "1", "unit_id": HUGE, "parent_id": "x",
              "reason_id": "abc", "transition": "accept", "state": "new", "role_id": HUGE, "email": "x" * 300,
              "comment": "a\x00b"}
VISITORS = [None, "anna.admin@acme.example", "gina.admin@globex.example", "admin@atrium.example",
            "support@atrium.example"]


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "admin.static") or classify(app, rule.endpoint) is None:
            continue
        url = rule.rule
        for arg in rule.arguments:
            sample = "not-a-real-token" if arg == "token" else "css/atrium.css" if arg == "filename" else HUGE
            for pattern in (f"<{arg}>", f"<path:{arg}>", f"<int:{arg}>"):
                url = url.replace(pattern, sample)
        yield rule, url


def _stays_here(response) -> bool:
    if not 300 <= response.status_code < 400:
        return True
    return urlsplit(response.location).netloc in ("", "localhost")


@pytest.mark.parametrize("visitor", VISITORS, ids=lambda v: v or "visitor")
def test_no_route_answers_malformed_input_with_a_500_or_an_offsite_redirect(app, client, visitor):
    if visitor:
        path = "/admin/login/" if visitor.endswith("@atrium.example") else "/login"
        assert login(client, visitor, path=path).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        for rule, url in _routes(app):
            answers = []
            if "GET" in rule.methods:
                answers += [client.get(url, query_string=query) for query in WEIRD_QUERY]
            if "POST" in rule.methods:
                answers.append(client.post(url, data=WEIRD_FORM))
            for response in answers:
                assert response.status_code < 500, (rule.endpoint, url, response.status_code)
                assert _stays_here(response), (rule.endpoint, url, response.location)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


@pytest.mark.parametrize("path", ["/login", "/admin/login/"])
@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_signing_in_never_sends_anyone_to_another_site(client, path, target):
    email = "admin@atrium.example" if path.startswith("/admin") else "ben.buyer@acme.example"
    page = client.get(path, query_string={"next": target}).get_data(as_text=True)
    response = client.post(path, query_string={"next": target},
                           data={"email": email, "password": f.PASSWORD, "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert response.location in ("/", "/admin/"), response.location


def test_a_local_next_is_followed(client):
    page = client.get("/login?next=/account/addresses%3Fq%3Dberlin").get_data(as_text=True)
    response = client.post("/login?next=/account/addresses%3Fq%3Dberlin", data={
        "email": "ben.buyer@acme.example", "password": f.PASSWORD, "csrf_token": csrf_token(page)})
    assert response.location == "/account/addresses?q=berlin"


def test_a_nul_byte_is_refused_and_nothing_is_saved(app, login_as):
    client = login_as("anna.admin@acme.example")
    response = post_form(client, "/account/company", {"name": "Acme\x00Evil", "vat_id": ""})
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Company).where(Company.name.like("Acme%Evil"))) is None


@pytest.mark.parametrize("page", ["-1", "0", HUGE, "abc", str(10**6)])
def test_an_absurd_page_number_shows_a_page(login_as, page):
    client = login_as("anna.admin@acme.example")
    for path in ("/account/users", "/account/audit", "/account/invitations", "/account/addresses"):
        assert client.get(path, query_string={"page": page}).status_code == 200, path


def test_a_page_past_the_end_shows_the_last_page(login_as):
    html = login_as("anna.admin@acme.example").get("/account/users?page=50").get_data(as_text=True)
    assert "ben.buyer@acme.example" in html


@pytest.mark.parametrize("record_id", ["abc", "-1", str(2**31), HUGE])
def test_a_back_office_record_that_cannot_exist_is_reported_missing(login_as, record_id):
    client = login_as("admin@atrium.example")
    for view in ("companies", "company_users", "staff", "applications"):
        response = client.get(f"/admin/{view}/details/?id={record_id}")
        assert response.status_code == 302, (view, response.status_code)
        assert "Record does not exist." in flashes(client.get(response.location).get_data(as_text=True))
    assert client.get(f"/admin/company_users/edit/?id={record_id}").status_code == 302


def test_bad_bulk_ids_are_left_out_with_a_message(app, login_as):
    client = login_as("admin@atrium.example")
    with app.app_context():
        carl = str(f.user("carl.ccm@acme.example").id)
    response = post_form(client, "/admin/company_users/action/",
                         {"action": "deactivate", "rowid": ["abc", carl, str(2**40)]}, "/admin/company_users/")
    page = client.get(response.location).get_data(as_text=True)
    assert "2 of the selected rows were not valid and were left out." in flashes(page)
    assert "1 user deactivated." in flashes(page)
    response = post_form(client, "/admin/company_users/action/", {"action": "enable_shops", "rowid": ["x"]},
                         "/admin/company_users/")
    assert response.status_code == 302


@pytest.mark.parametrize("path", ["/account/users/" + str(2**31), "/account/users/" + HUGE,
                                  "/account/roles/" + str(2**63), "/account/addresses/" + HUGE])
def test_an_id_beyond_the_database_integers_is_a_404(login_as, path):
    assert login_as("anna.admin@acme.example").get(path).status_code == 404
