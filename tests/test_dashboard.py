"""The portal dashboard: its blocks as users see them, the roles × blocks settings, and the back office texts.

The world (tests.world, tests.world_aftersales): Ben (Buyer, Plant North) sees the press and the forklift, his
three inquiries (two open), a booked pump visit in 10 days; Rita Representative serves Acme's units; staff
wrote a "promo". Gina (Globex) sees Globex's chiller and her own inquiry.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from extensions import db
from models.dashboard import BLOCK_KEYS, ContentBlock, DashboardHidden, set_dashboard_blocks
from models.orders import OrderFilters, order_history
from models.roles import create_role
from models.services import booked_list
from tests import factories as f
from tests.aftersales_factories import AssetFactory, BookedServiceFactory, FileFactory, InquiryFactory
from tests.backoffice_forms import form_values
from tests.helpers import count_queries, csrf_token, flashes, text
from tests.order_factories import OrderFactory
from tests.portal_pages import ANNA, page_html

BEN = "ben.buyer@acme.example"
GINA = "gina.admin@globex.example"
SETTINGS = "/account/dashboard"
CONTENT = "/admin/content_blocks/"


def blocks_on(html: str) -> list[str]:
    """The keys of the blocks a dashboard shows, in order."""
    return re.findall(r'data-block="([a-z_]+)"', html)


def counts_on(html: str) -> dict[str, int]:
    """Overview: item key → the count shown."""
    return {key: int(number.replace(",", "")) for key, number in
            re.findall(r'data-count="([a-z_]+)">.*?<strong[^>]*>([\d,]+)</strong>', html, re.S)}


def list_total(client, path: str, noun: str) -> int:
    """The total a portal list page states ("2 assets", "1 inquiry")."""
    found = re.search(rf"([\d,]+) {noun}", text(client.get(path)))
    assert found, path
    return int(found.group(1).replace(",", ""))


# --- what each user sees ---------------------------------------------------------------------


def test_ben_sees_every_block_with_his_data(login_as):
    html = page_html(login_as(BEN).get("/"))
    page = text(html)
    assert blocks_on(html) == ["welcome", "overview", "representative", "assets", "files", "inquiries",
                               "services", "promo"]
    assert "Welcome, Ben Buyer" in page and "Acme Industrial" in page and "Plant North" in page
    assert "Rita Representative" in page and 'href="tel:+49301234567"' in html
    assert 'href="mailto:agent@atrium.example"' in html and ">RR<" in html  # no photo: her initials
    assert "Hydraulic press HP-200" in page and "Forklift FL-3" in page and "due in 20 days" in page
    assert "Compressor K7" not in page  # Plant South's
    assert "Press manual.pdf" in page and "/download" in html
    for shown in ("INQ-00001", "Delivery times to Hamburg", "Press leaks oil", "In Review", "Drill case damaged"):
        assert shown in page
    assert "Hamburg workshop" in page and "DE-10000" in page
    assert "Spring service weeks" in page and "save 10 % on parts" in page and 'href="/catalog"' in html
    assert "Choose which blocks each role sees" not in page  # only for those who manage users


def test_overview_counts_match_the_lists(app, login_as):
    client = login_as(BEN)
    counts = counts_on(page_html(client.get("/")))
    assert counts["assets"] == list_total(client, "/assets", "asset") == 2
    assert counts["inquiries"] == list_total(client, "/inquiries?state=pending", "inquir") == 1
    with app.app_context():
        ben = f.actor(BEN)
        assert counts["services"] == len(db.session.scalars(booked_list(ben, upcoming=True)).all()) == 1
        assert counts["orders"] == len(db.session.scalars(order_history(ben, OrderFilters())).all()) > 0


def test_an_overview_count_stops_at_its_cap_and_says_there_are_more(login_as, monkeypatch):
    """A count reads at most ``OVERVIEW_CAP`` + 1 rows: beyond the cap it shows "<cap>+", and the list it links
    to counts them all."""
    import portal.home

    monkeypatch.setattr(portal.home, "OVERVIEW_CAP", 1)
    client = login_as(BEN)
    html = page_html(client.get("/"))
    shown = dict(re.findall(r'data-count="([a-z_]+)">.*?<strong[^>]*>([^<]+)</strong>', html, re.S))
    assert shown["assets"] == "1+" and list_total(client, "/assets", "asset") == 2
    assert shown["inquiries"] == "1" and shown["services"] == "1"  # at the cap: the count itself


def test_overview_links_to_the_lists(login_as):
    html = page_html(login_as(BEN).get("/"))
    for link in ('href="/assets"', 'href="/inquiries?state=pending"', 'href="/services"', 'href="/orders"'):
        assert link in html


def test_gina_sees_none_of_acmes_data(login_as):
    page = text(login_as(GINA).get("/"))
    assert "Chiller CH-9" in page and "Question about invoices" in page and "Globex contract.pdf" in page
    for hidden in ("Hydraulic press", "Forklift", "Press manual", "Delivery times", "Hamburg workshop", "DE-10000"):
        assert hidden not in page
    assert "Choose which blocks each role sees" in page  # an Account Admin


def test_a_company_without_representative_shows_the_default_block(app, login_as):
    with app.app_context():
        company = f.CompanyFactory(name="Lonely Ltd", shop=f.shop("atrium-de"))
        unit = f.BusinessUnitFactory(company=company, name="Depot")
        f.CompanyUserFactory(company=company, business_unit=unit, email="lone@lonely.example")
        db.session.commit()
    html = page_html(login_as("lone@lonely.example").get("/"))
    page = text(html)
    assert "Your Atrium team" in page and "Send us an inquiry" in page and "Rita" not in page
    assert "from 8:00 to 18:00.<br>support@atrium.example" in html  # its line break kept


def test_the_unit_representative_comes_before_the_companys(app, login_as):
    with app.app_context():
        sam = f.staff("support@atrium.example")
        f.user(BEN).business_unit.service_rep = sam
        db.session.commit()
    page = text(login_as(BEN).get("/"))
    assert "Sam Support" in page and "Rita Representative" not in page


def test_no_promo_written_no_promo_block(app, login_as):
    with app.app_context():
        db.session.scalar(select(ContentBlock).where(ContentBlock.key == "promo")).active = False
        db.session.commit()
    html = page_html(login_as(BEN).get("/"))
    assert "promo" not in blocks_on(html) and "Spring service weeks" not in html


def test_a_user_without_view_files_sees_no_files_block(app, login_as):
    with app.app_context():
        acme = f.company("Acme Industrial")
        desk = create_role(acme, actor=f.actor(ANNA), name="Viewer",
                           permissions=["view_business_unit_assets", "view_dashboard"])
        f.CompanyUserFactory(company=acme, business_unit=acme.business_units[0], email="vic@acme.example",
                             roles=[desk])
        vic = f.user("vic@acme.example")
        vic.roles = [desk]  # not even Buyer
        db.session.commit()
    html = page_html(login_as("vic@acme.example").get("/"))
    assert "files" not in blocks_on(html) and "Press manual.pdf" not in html
    assert "assets" in blocks_on(html)


def test_without_view_dashboard_blocks_only_the_welcome_shows(app, login_as):
    with app.app_context():
        acme = f.company("Acme Industrial")
        plain = create_role(acme, actor=f.actor(ANNA), name="Plain", permissions=["view_company_assets"])
        f.CompanyUserFactory(company=acme, business_unit=acme.business_units[0], email="pia@acme.example",
                             roles=[plain])
        f.user("pia@acme.example").roles = [plain]
        db.session.commit()
    assert blocks_on(page_html(login_as("pia@acme.example").get("/"))) == ["welcome"]


def test_the_page_costs_the_same_statements_however_much_data(app, login_as):
    client = login_as(BEN)
    client.get("/")
    with count_queries(app) as few:
        assert client.get("/").status_code == 200
    with app.app_context():
        acme, ben = f.company("Acme Industrial"), f.user(BEN)
        unit = ben.business_unit_id
        for n in range(60):
            AssetFactory(company=acme, business_unit_id=unit, owner_id=ben.id, name=f"Pump {n:02}")
            InquiryFactory(company=acme, owner=ben, business_unit_id=unit, subject=f"Question {n:02}")
            FileFactory(company=acme, name=f"Sheet {n:02}.pdf")
        for n in range(6):
            order = OrderFactory(company=acme, owner=ben, business_unit_id=unit)
            BookedServiceFactory(company=acme, order=order, owner_id=ben.id, business_unit_id=unit,
                                 scheduled_at=order.placed_at.replace(year=order.placed_at.year + 1))
        db.session.commit()
    with count_queries(app) as many:
        html = page_html(client.get("/"))
    assert counts_on(html)["assets"] == 62 and counts_on(html)["inquiries"] == 61  # INQ-00002 is in review
    assert html.count("<tr>") <= 4 * 5 + 4  # four bounded tables, five rows each plus a head row
    assert len(many) == len(few) <= 16


# --- choosing the blocks per role ------------------------------------------------------------


def settings_form(html: str) -> dict[str, list[str]]:
    """What a browser posts from the settings page as it stands: every role, the boxes ticked."""
    form: dict[str, list[str]] = {"csrf_token": [csrf_token(html)],
                                  "roles": re.findall(r'name="roles" value="(\d+)"', html)}
    for name, block in re.findall(r'name="(blocks-\d+)" value="([a-z_]+)" checked', html):
        form.setdefault(name, []).append(block)
    return form


def test_anna_hides_promo_and_assets_for_buyers(app, login_as):
    anna = login_as(ANNA)
    with app.app_context():
        buyer = f.role("buyer").id
    form = settings_form(page_html(anna.get(SETTINGS)))
    assert len(form["roles"]) == 5 and form[f"blocks-{buyer}"] == BLOCK_KEYS  # built-in + "Inquiry desk"
    form[f"blocks-{buyer}"] = [b for b in BLOCK_KEYS if b not in ("promo", "assets")]
    response = anna.post(SETTINGS, data=form)
    assert response.status_code == 302
    html = page_html(anna.get(response.location))
    assert "The dashboard blocks are saved" in " ".join(flashes(html))
    assert settings_form(html)[f"blocks-{buyer}"] == form[f"blocks-{buyer}"]
    assert {"promo", "assets"} <= set(blocks_on(page_html(anna.get("/"))))  # her Account Admin role shows them
    anna.post("/logout", data={"csrf_token": csrf_token(html)})
    shown = blocks_on(page_html(login_as(BEN).get("/")))
    assert "promo" not in shown and "assets" not in shown and "inquiries" in shown


def test_ben_may_not_choose(login_as):
    client = login_as(BEN)
    assert client.get(SETTINGS).status_code == 403
    token = csrf_token(page_html(client.get("/account/profile")))
    assert client.post(SETTINGS, data={"csrf_token": token, "roles": [1]}).status_code == 403


@pytest.mark.parametrize("bad", ["foreign role", "unknown block", "not a number"])
def test_bad_choices_are_refused_and_change_nothing(app, login_as, bad):
    with app.app_context():
        acme, buyer = f.company("Acme Industrial"), f.role("buyer").id
        set_dashboard_blocks(acme, {buyer: set(BLOCK_KEYS) - {"promo"}}, actor=f.actor(ANNA))
        globex_role = create_role(f.company("Globex"), actor=f.actor(GINA), name="Globex desk",
                                  permissions=["view_files"]).id
        db.session.commit()
    anna = login_as(ANNA)
    form = settings_form(page_html(anna.get(SETTINGS)))
    form[f"blocks-{buyer}"] = list(BLOCK_KEYS)  # would show the promo again, were the rest accepted
    if bad == "unknown block":
        form[f"blocks-{buyer}"].append("secret")
    else:
        other = globex_role if bad == "foreign role" else "x"
        form["roles"].append(str(other))
        form[f"blocks-{other}"] = ["welcome"]
    response = anna.post(SETTINGS, data=form)
    assert response.status_code == 400
    assert any(message.startswith("Choose") for message in flashes(page_html(response)))
    with app.app_context():
        assert [(row.role_id, row.block) for row in db.session.scalars(select(DashboardHidden))] == [(buyer, "promo")]


# --- the back office's content blocks --------------------------------------------------------


def _promo_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(ContentBlock.id).where(ContentBlock.key == "promo"))


def test_admin_edits_the_promo_and_the_portal_shows_it(app, login_as):
    admin = login_as("admin@atrium.example")
    promo = _promo_id(app)
    assert "Promo on the dashboard" in text(admin.get(CONTENT))
    url = f"{CONTENT}edit/?id={promo}"
    values = form_values(page_html(admin.get(url)))
    values.update(title="Autumn offers", body="Two lines:\nfree delivery in October.")
    assert admin.post(url, data=values).status_code == 302
    admin.post("/admin/logout/", data={"csrf_token": values["csrf_token"]})
    html = page_html(login_as(BEN).get("/"))
    assert "Autumn offers" in html and "Two lines:<br>free delivery in October." in html


def test_a_bad_link_is_refused(app, login_as):
    admin = login_as("admin@atrium.example")
    promo = _promo_id(app)
    url = f"{CONTENT}edit/?id={promo}"
    values = form_values(page_html(admin.get(url)))
    values.update(link_url="javascript:alert(1)")
    response = admin.post(url, data=values)
    assert response.status_code == 200
    assert "A link is a page of the portal" in text(response)
    with app.app_context():
        assert db.session.get(ContentBlock, promo).link_url == "/catalog"


def test_admin_creates_the_default_representative_text_only_once(app, login_as):
    admin = login_as("admin@atrium.example")
    values = form_values(page_html(admin.get(f"{CONTENT}new/")))
    assert values["key"] in ("promo", "sales_rep:default")
    values.update(key="sales_rep:default", title="Another team", body="Call us.")
    admin.post(f"{CONTENT}new/", data=values)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ContentBlock)
                                 .where(ContentBlock.key == "sales_rep:default")) == 1


def test_content_is_written_by_administrators_and_catalog_managers_not_by_sales_reps(app, login_as):
    with app.app_context():
        f.StaffUserFactory(email="cat@atrium.example", name="Cat Catalog", roles=["catalog_manager"])
        db.session.commit()
    rita = login_as("agent@atrium.example")
    assert rita.get(CONTENT).status_code == 403
    assert rita.get(f"{CONTENT}new/").status_code == 403
    assert "Content blocks" not in text(rita.get("/admin/"))
    rita.post("/admin/logout/", data={"csrf_token": csrf_token(page_html(rita.get("/admin/")))})
    cat = login_as("cat@atrium.example")
    promo = _promo_id(app)
    url = f"{CONTENT}edit/?id={promo}"
    values = form_values(page_html(cat.get(url)))
    values.update(title="Catalog week")
    assert cat.post(url, data=values).status_code == 302
    with app.app_context():
        assert db.session.get(ContentBlock, promo).title == "Catalog week"
