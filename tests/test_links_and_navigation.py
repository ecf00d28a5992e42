"""Mail links point at PUBLIC_URL; the navigation shows where a page belongs; sign-out ends sessions."""
from __future__ import annotations

import re

from tests import factories as f
from tests.helpers import csrf_token, login, outbox


def test_mail_links_use_public_url_not_the_requests_host(app, monkeypatch):
    client = app.test_client()
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://portal.example.com")
    page = client.get("/password-reset", base_url="http://10.0.0.7:8000")
    client.post("/password-reset", base_url="http://10.0.0.7:8000", data={
        "email": "  ben.buyer@acme.example ", "csrf_token": csrf_token(page.get_data(as_text=True))})
    with app.app_context():
        found = outbox("ben.buyer@acme.example")
        mail = found[0] if found else None
        assert mail is not None, "an address with surrounding spaces is accepted, as at sign-in"
        assert re.search(r"https://portal\.example\.com/password-reset/\S+", mail.body_text)
        assert "10.0.0.7" not in mail.body_text + mail.body_html


def _active_nav(html: str) -> list[str]:
    return re.findall(r'<a href="[^"]*" class="active">([^<]+)</a>', html)


def test_the_navigation_keeps_users_lit_on_a_users_sub_page(app, client):
    with app.app_context():
        ben_id = f.user("ben.buyer@acme.example").id
    login(client, "anna.admin@acme.example")
    assert _active_nav(client.get("/account/users").get_data(as_text=True)) == ["Users"]
    assert _active_nav(client.get(f"/account/users/{ben_id}").get_data(as_text=True)) == ["Users"]
    assert _active_nav(client.get("/account/users/new").get_data(as_text=True)) == ["Users"]
    assert _active_nav(client.get("/account").get_data(as_text=True)) == ["My account"]
    assert _active_nav(client.get("/").get_data(as_text=True)) == ["Dashboard"]


def test_staff_signing_out_through_the_portal_logout_ends_their_session(app, client):
    login(client, "admin@atrium.example", path="/admin/login/")
    copied = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/admin/").get_data(as_text=True))})
    other = app.test_client()
    other.set_cookie("session", copied)
    assert other.get("/admin/").status_code == 302
