"""Back office journeys without dead ends: the home shows each role its worklists with counts, every link a
role is shown opens for that role, and errors keep the back office layout with a way home."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import pytest

from extensions import db
from models.shops import set_assignment_state
from tests import factories as f
from tests.helpers import text

STAFF = ("admin@atrium.example", "support@atrium.example", "agent@atrium.example")
LINK = re.compile(r'<a\s[^>]*href="(/admin/[^"#]*)"')
NOT_PAGES = ("/admin/logout/", "/admin/static/", "/admin/outbox/details/")  # sign-out posts; assets; below
WALK_LIMIT = 250


def _tile(html: str, title: str) -> tuple[str, str] | None:
    """(count, link) of the home tile named ``title``, or None when the page has none."""
    found = re.search(rf'<h2[^>]*>{re.escape(title)}</h2>\s*<div class="display-4">(\d+)</div>.*?href="([^"]+)"',
                      html, re.S)
    return (found.group(1), unescape(found.group(2))) if found else None


def test_the_home_shows_an_administrator_the_work_waiting_with_links_to_it(app, login_as):
    client = login_as("admin@atrium.example")
    home = client.get("/admin/").get_data(as_text=True)
    count, link = _tile(home, "Applications waiting")
    assert count == "1"  # Umbrella Supplies
    assert "Umbrella Supplies" in text(client.get(link))
    count, link = _tile(home, "Accounts waiting for approval")
    waiting = client.get(link).get_data(as_text=True)
    assert count == str(waiting.count('title="Edit Record"'))


def test_a_registration_waiting_for_approval_is_counted_until_enabled(app, login_as):
    client = login_as("admin@atrium.example")
    before = int(_tile(client.get("/admin/").get_data(as_text=True), "Accounts waiting for approval")[0])
    with app.app_context():
        ben = f.user("ben.buyer@acme.example")
        set_assignment_state(ben.shop_assignments[0], False, actor=f.actor(f.staff("admin@atrium.example")))
        db.session.commit()
    after = int(_tile(client.get("/admin/").get_data(as_text=True), "Accounts waiting for approval")[0])
    assert after == before + 1


def test_a_sales_representative_sees_no_tile_leading_to_a_page_they_may_not_open(app, login_as):
    client = login_as("agent@atrium.example")
    home = client.get("/admin/").get_data(as_text=True)
    assert _tile(home, "Mail waiting") is None
    assert client.get("/admin/outbox/").status_code == 403
    links = re.findall(r'<a href="([^"]+)" class="stretched-link">', home)
    assert links and all(client.get(unescape(link)).status_code == 200 for link in links)


@pytest.mark.parametrize("email", STAFF)
def test_every_back_office_link_shown_to_a_role_opens_for_it(app, login_as, email):
    """From the home page, follow every back office link each page shows, as the role sees them."""
    client = login_as(email)
    seen, queue, broken = set(), ["/admin/"], []
    while queue and len(seen) < WALK_LIMIT:
        path = queue.pop(0)
        key = re.sub(r"\d+", "N", urlsplit(path).path) + "?" + re.sub(r"=\d+", "=N", urlsplit(path).query)
        if key in seen or path.startswith(NOT_PAGES):
            continue
        seen.add(key)
        response = client.get(path)
        if response.status_code not in (200, 302):
            broken.append((path, response.status_code))
            continue
        if response.status_code == 200 and response.mimetype == "text/html":
            queue += [unescape(href) for href in LINK.findall(response.get_data(as_text=True))]
    assert not broken, broken
    assert len(seen) > 3


def test_a_back_office_error_keeps_its_layout_and_leads_home(login_as):
    client = login_as("support@atrium.example")
    page = client.get("/admin/companies/details/?id=999999")
    assert page.status_code in (302, 404)
    missing = client.get("/admin/no-such-page/")
    html = missing.get_data(as_text=True)
    assert missing.status_code == 404
    assert "Atrium back office" in html and 'href="/admin/"' in html and "Back to the back office home" in html
    assert 'href="/"' not in html


def test_the_activation_mail_opens_the_shops_tab_of_an_account_shown_as_waiting(app, login_as):
    from tests.helpers import mail_link

    with app.app_context():
        link = mail_link("admin@atrium.example", "/admin/company_users/edit/")  # Initech's registration
    assert "tab=shops" in link
    page = login_as("admin@atrium.example").get(unescape(link)).get_data(as_text=True)
    assert re.search(r'data-testid="status"><span class="badge badge-warning">Waiting for approval</span>', page)
    assert re.search(r'class="nav-item nav-link active" id="tab-shops-link"', page)
    assert 'Disabled or waiting for approval' in page


def test_an_access_waiting_for_approval_reads_so_in_every_list(app, login_as):
    """Ivan's only shop access is disabled until staff enable it: the customer list and the company page say
    so in words, in the shop badge and in the account's status, and say "enabled" once it is."""
    client = login_as("admin@atrium.example")
    listing = text(client.get("/admin/company_users/?search=ivan%40initech").get_data(as_text=True))
    assert "atrium-de: waiting for approval" in listing and "Waiting for approval" in listing
    assert '"Waiting for approval"' in listing  # the shop access filter offers it by the same words
    with app.app_context():
        company_id = f.company("Initech").id
    members = client.get(f"/admin/companies/details/?id={company_id}").get_data(as_text=True)
    assert re.search(r'badge-warning">atrium-de: waiting for approval</span>.*?badge-warning">Waiting for approval',
                     members, re.S)
    with app.app_context():
        ivan = f.user("ivan@initech.example")
        set_assignment_state(ivan.shop_assignments[0], True, actor=f.actor("admin@atrium.example"))
        db.session.commit()
    members = client.get(f"/admin/companies/details/?id={company_id}").get_data(as_text=True)
    assert re.search(r'badge-success">atrium-de: enabled</span>.*?badge-success">Active', members, re.S)
