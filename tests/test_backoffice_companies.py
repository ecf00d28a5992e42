"""The company page of the back office: summary, members, units, address book, status, checkout, audit."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from extensions import db
from models.audit import AuditEvent
from models.companies import BusinessUnit, Company
from tests import factories as f
from tests.backoffice_forms import (
    COMPANIES,
    company_id,
    company_page,
    company_page_url,
    follow,
    form_in,
    form_values,
    post_company_form,
    section,
)
from tests.helpers import count_queries, flashes, grow_company, login, text


def test_the_company_list_shows_user_counts_and_filters_by_status(app, login_as):
    client = login_as("admin@atrium.example")
    page = text(client.get(COMPANIES).get_data(as_text=True))
    assert "Acme Industrial Active Atrium Germany (atrium-de) partner 4 users" in page
    assert "Globex Active Atrium USA (atrium-us) default 1 user " in page
    html = client.get(COMPANIES).get_data(as_text=True)
    users_link = re.search(r'href="(/admin/company_users/[^"]+)">4 users', html).group(1).replace("&amp;", "&")
    members = text(client.get(users_link).get_data(as_text=True))
    assert "List (4)" in members and "gina.admin" not in members
    with app.app_context():
        f.company("Globex").status = "inactive"
        db.session.commit()
    inactive = text(client.get(f"{COMPANIES}?flt0_status_equals=inactive").get_data(as_text=True))
    assert "Globex" in inactive and "Acme Industrial" not in inactive
    assert "Globex" in text(client.get(f"{COMPANIES}?search=glob").get_data(as_text=True))


def test_the_company_page_shows_summary_profile_members_invitations_units_and_audit(app, login_as):
    client = login_as("support@atrium.example")
    html = company_page(client, company_id(app))
    summary = section(html, "summary")
    assert "Status active" in summary and "Shop Atrium Germany (atrium-de)" in summary
    assert "4 users (4 active), 1 pending invitation" in summary
    assert "Head office 1 Foundry Road 10115 Berlin DE" in text(html)
    assert section(html, "contacts") == "Anna Admin · anna.admin@acme.example"
    members = section(html, "members")
    for row in ("Anna Admin anna.admin@acme.example Buyer, Account Admin Headquarters atrium-de: enabled Active",
                "Ben Buyer ben.buyer@acme.example Buyer Plant North atrium-de: enabled Active"):
        assert row in members
    assert "dave.new@acme.example Buyer Anna Admin <anna.admin@acme.example>" in section(html, "invitations")
    assert "Shipping · default Plant North 12 Harbour Street 20095 Hamburg DE" in text(html)
    assert 'value="Plant South"' in html and "Rita Representative" in html
    newest = section(html, "audit").split("What happened", 1)[1]  # the newest first: the world's last step
    assert newest.lstrip().split("Workflow", 1)[1].lstrip().startswith(
        "Sam Support Atrium staff moved Inquiry INQ-00003 from In Review to Approved")
    assert "Globex" not in members


def test_a_company_with_many_account_admins_shows_the_first_ten_and_links_to_all(app, login_as):
    client = login_as("admin@atrium.example")
    with count_queries(app) as few_admins:
        company_page(client, company_id(app))
    with app.app_context():
        acme = f.company("Acme Industrial")
        for i in range(11):
            f.CompanyUserFactory(company=acme, roles=["account_admin"], email=f"boss{i:02}@acme.example",
                                 first_name="Boss", last_name=f"Number {i:02}")
        f.CompanyUserFactory(company=acme, roles=["account_admin"], email="gone@acme.example", active=False)
        db.session.commit()
    with count_queries(app) as many_admins:
        html = company_page(client, company_id(app))
    assert len(many_admins) == len(few_admins)  # the link costs no statement of its own
    shown = section(html, "contacts")
    assert shown.count("@acme.example") == 10 and "boss08" in shown and "boss09" not in shown
    link = re.search(r'href="([^"]+)" data-testid="more-contacts">All account admins of Acme Industrial', html)
    listed = text(client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True))
    assert "List (12)" in listed and "boss10@acme.example" in listed
    assert "gone@acme.example" not in listed and "ben.buyer" not in listed


def test_business_units_with_service_representative_and_default_representative(app, login_as):
    client = login_as("admin@atrium.example")
    cid = company_id(app)
    with app.app_context():
        support_id = f.staff("support@atrium.example").id
        hq_id = next(u.id for u in f.company("Acme Industrial").business_units if u.name == "Headquarters")
    page = post_company_form(client, cid, "unit", 'placeholder="New business unit"', name="Lab", parent_id=str(hq_id),
                             service_rep_id=str(support_id))
    assert "Business unit Lab saved." in flashes(page)
    listing = company_page(client, cid)
    change = f'href="{COMPANIES}details/?id={cid}&amp;unit={hq_id}&amp;units_page=1#units"'
    assert change in listing and 'id="unit-edit"' not in listing  # one edit form, opened by its link
    edit_page = client.get(f"{COMPANIES}details/?id={cid}&unit={hq_id}").get_data(as_text=True)
    data = form_in(edit_page, f"{COMPANIES}unit/", f'name="unit_id" value="{hq_id}"')
    parent_select = re.search(r'<select id="unit-parent".*?</select>', edit_page, re.S).group(0)
    assert "Plant North" in parent_select and "Lab" not in parent_select  # never under its own sub-unit
    page = follow(client, client.post(f"{COMPANIES}unit/", data=dict(data, service_rep_id="")))
    assert "Business unit Headquarters saved." in flashes(page)
    page = post_company_form(client, cid, "rep", service_rep_id=str(support_id))
    assert "Default representative: Sam Support." in flashes(page)
    assert "the default: Sam Support" in text(page)
    with app.app_context():
        company = f.company("Acme Industrial")
        lab = next(u for u in company.business_units if u.name == "Lab")
        assert lab.parent_id == hq_id and lab.service_rep_id == support_id
        assert db.session.get(BusinessUnit, hq_id).service_rep_id is None
        assert company.default_service_rep_id == support_id


def test_a_unit_of_another_company_is_refused_and_nothing_changes(app, login_as):
    client = login_as("admin@atrium.example")
    acme = company_id(app)
    with app.app_context():
        globex_unit = f.company("Globex").business_units[0]
        globex_unit_id, globex_unit_name = globex_unit.id, globex_unit.name
    page = post_company_form(client, acme, "unit", 'placeholder="New business unit"', name="Hijack", unit_id=str(globex_unit_id))
    assert "That business unit belongs to another company." in flashes(page)
    page = post_company_form(client, acme, "unit", 'placeholder="New business unit"', name="Lab", parent_id=str(globex_unit_id))
    assert "Choose a parent unit of the same company." in flashes(page)
    page = post_company_form(client, acme, "unit", 'placeholder="New business unit"', name="Lab", service_rep_id="424242")
    assert "Choose a staff member from the list." in flashes(page)
    page = post_company_form(client, acme, "unit", 'placeholder="New business unit"', name="plant north")
    assert "Acme Industrial already has a business unit named plant north." in flashes(page)
    with app.app_context():
        assert db.session.get(BusinessUnit, globex_unit_id).name == globex_unit_name
        assert "Lab" not in [u.name for u in f.company("Acme Industrial").business_units]
    data = form_in(company_page(client, acme), f"{COMPANIES}unit/", 'placeholder="New business unit"')
    assert client.post(f"{COMPANIES}unit/", data=dict(data, unit_id="999999", name="X")).status_code == 404


def test_staff_edit_the_address_book_even_where_customers_may_not(app, login_as):
    client = login_as("admin@atrium.example")
    globex = company_id(app, "Globex")  # billing read-only for its customers
    with app.app_context():
        billing_id = f.company("Globex").addresses[0].id
        acme_address_id = f.company("Acme Industrial").addresses[0].id
    page = post_company_form(client, globex, "address", f'name="address_id" value="{billing_id}"', line1="600 Market Street")
    assert "Address saved." in flashes(page)
    assert "600 Market Street" in text(page)
    page = post_company_form(client, globex, "address", 'Add address', kind="shipping", line1="1 Pier", postal_code="94111",
                             city="San Francisco", country="usa")
    assert "Use the two-letter country code, e.g. DE or US." in flashes(page)
    page = post_company_form(client, globex, "address", f'name="address_id" value="{billing_id}"',
                             address_id=str(acme_address_id), line1="Hijacked")
    assert "That address belongs to another company." in flashes(page)
    with app.app_context():
        assert [a.line1 for a in f.company("Globex").addresses] == ["600 Market Street"]
        assert f.company("Acme Industrial").addresses[0].line1 == "1 Foundry Road"


def test_deactivating_the_company_ends_its_users_sign_in_and_reactivating_restores_it(app, login_as):
    buyer = app.test_client()
    assert login(buyer, "ben.buyer@acme.example").status_code == 302
    client = login_as("admin@atrium.example")
    cid = company_id(app)
    page = post_company_form(client, cid, "status", "Deactivate company")
    assert "Acme Industrial is deactivated; its users cannot sign in." in flashes(page)
    assert "Activate company" in page
    response = buyer.get("/")
    assert response.status_code == 302 and "/login" in response.location
    refused = login(app.test_client(), "ben.buyer@acme.example")
    assert refused.status_code == 401
    assert "Acme Industrial is not active in Atrium, so its users cannot sign in." in refused.get_data(as_text=True)
    page = post_company_form(client, cid, "status", "Activate company")
    assert "Acme Industrial is active." in flashes(page)
    assert login(app.test_client(), "ben.buyer@acme.example").status_code == 302


def test_a_bad_status_value_is_refused(app, login_as):
    client = login_as("admin@atrium.example")
    page = post_company_form(client, company_id(app), "status", "Deactivate company", status="pending")
    assert "Choose to activate or to deactivate the company." in flashes(page)
    with app.app_context():
        assert f.company("Acme Industrial").status == "active"


def test_bulk_deactivate_and_activate_from_the_list(app, login_as):
    client = login_as("admin@atrium.example")
    ids = [company_id(app), company_id(app, "Globex")]
    token = form_values(client.get(COMPANIES).get_data(as_text=True), "/admin/companies/action/")["csrf_token"]
    response = client.post(f"{COMPANIES}action/", data={"csrf_token": token, "action": "deactivate",
                                                         "rowid": [str(i) for i in ids]})
    assert "2 companies deactivated." in flashes(follow(client, response))
    with app.app_context():
        assert {c.status for c in db.session.scalars(select(Company).where(Company.id.in_(ids)))} == {"inactive"}
        assert f.company("Initech").status == "active"
    response = client.post(f"{COMPANIES}action/", data={"csrf_token": token, "action": "activate", "rowid": ids})
    assert "2 companies activated." in flashes(follow(client, response))


def test_checkout_rules_are_saved_as_exact_decimals(app, login_as):
    client = login_as("admin@atrium.example")
    cid = company_id(app)
    page = post_company_form(client, cid, "checkout", require_approval="y", require_approval_over="5000.5",
                             block_checkout="y", block_checkout_over="1,200,000.10")
    assert "Checkout rules saved." in flashes(page)
    data = form_in(page, f"{COMPANIES}checkout/")
    assert data["require_approval_over"] == "5000.50" and data["block_checkout_over"] == "1200000.10"
    assert data["require_approval"] == "y" and data["block_checkout"] == "y"
    with app.app_context():
        company = f.company("Acme Industrial")
        assert company.require_approval_over == Decimal("5000.50")
        assert company.block_checkout_over == Decimal("1200000.10")
        assert company.require_approval is True and company.block_checkout is True
    page = post_company_form(client, cid, "checkout", require_approval="", block_checkout="", require_approval_over="",
                             block_checkout_over="")
    with app.app_context():
        company = f.company("Acme Industrial")
        assert (company.require_approval, company.require_approval_over) == (False, None)
        assert (company.block_checkout, company.block_checkout_over) == (False, None)


@pytest.mark.parametrize("field, value, message", [
    ("require_approval_over", "12,50 EUR",
     "The approval threshold: “12,50 EUR” is not an amount; write it like 1,500.50 (“.” before the decimals)."),
    ("block_checkout_over", "-5", "The checkout block threshold must be zero or more."),
    ("block_checkout_over", "1e12",
     "The checkout block threshold: “1e12” is not an amount; write it like 1,500.50 (“.” before the decimals)."),
    ("require_approval_over", "NaN",
     "The approval threshold: “NaN” is not an amount; write it like 1,500.50 (“.” before the decimals)."),
    ("require_approval_over", "12,50",
     "The approval threshold: “12,50” is not written as amounts are here; write it like 1,500.50 "
     "(“.” before the decimals)."),
    ("block_checkout_over", "99999999999", "The checkout block threshold must be zero or more and below 10 billion."),
])
def test_a_bad_amount_is_refused_and_nothing_is_saved(app, login_as, field, value, message):
    client = login_as("admin@atrium.example")
    cid = company_id(app)
    page = post_company_form(client, cid, "checkout", **{"require_approval": "y", "require_approval_over": "100", field: value})
    assert message in flashes(page)
    with app.app_context():
        company = f.company("Acme Industrial")
        assert (company.require_approval, company.require_approval_over, company.block_checkout_over) == (
            False, None, None)


def test_audit_entries_appear_in_the_audit_view_filtered_by_company(app, login_as):
    client = login_as("admin@atrium.example")
    acme, globex = company_id(app), company_id(app, "Globex")
    post_company_form(client, acme, "checkout", require_approval="y")
    post_company_form(client, globex, "invite", email="gus@globex.example")
    html = company_page(client, acme)
    audit_link = re.search(r'href="(/admin/audit/\?[^"]+)">All audit entries', html).group(1).replace("&amp;", "&")
    listing = text(client.get(audit_link).get_data(as_text=True))
    assert "Ada Administrator Atrium staff updated the company details (require approval)." in listing
    assert "company.updated" not in listing  # sentences, never codes
    assert " invited " in listing and "gus@globex.example" not in listing
    by_name = text(client.get("/admin/audit/?flt0_company_contains=globex").get_data(as_text=True))
    assert "invited gus@globex.example as Buyer." in by_name and "updated the company details" not in by_name
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.company_id == acme)).all()
        assert "company.updated" in [r.action for r in rows]


def test_the_edit_form_saves_name_vat_and_group_and_ignores_a_posted_status(app, login_as):
    client = login_as("admin@atrium.example")
    cid = company_id(app)
    url = f"{COMPANIES}edit/?id={cid}"
    data = form_values(client.get(url).get_data(as_text=True))
    data.update(name="Acme Industrial GmbH", vat_id="DE123", customer_group="gold", status="inactive",
                require_approval="y")
    response = client.post(url, data=data)
    assert response.status_code == 302
    with app.app_context():
        company = db.session.get(Company, cid)
        assert (company.name, company.vat_id, company.customer_group) == ("Acme Industrial GmbH", "DE123", "gold")
        assert company.status == "active" and company.require_approval is False
    data.update(name="   ")
    response = client.post(url, data=data)
    assert response.status_code == 200 and "The company needs a name." in flashes(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Company, cid).name == "Acme Industrial GmbH"


def test_unknown_company_ids_are_404_and_a_missing_csrf_token_is_refused(app, login_as):
    client = login_as("admin@atrium.example")
    cid = company_id(app)
    data = form_in(company_page(client, cid), f"{COMPANIES}status/")
    for action in ("status", "checkout", "invite", "unit", "rep", "address"):
        assert client.post(f"{COMPANIES}{action}/", data=dict(data, id="999999")).status_code == 404, action
    assert client.get(company_page_url(999999)).status_code in (302, 404)
    response = client.post(f"{COMPANIES}status/", data={k: v for k, v in data.items() if k != "csrf_token"})
    assert response.status_code == 400 and "security token" in response.get_data(as_text=True)
    with app.app_context():
        assert f.company("Acme Industrial").status == "active"


def test_a_sales_rep_may_work_the_company_page_but_a_company_user_may_not(app, client, login_as):
    assert login(client, "anna.admin@acme.example").status_code == 302
    assert client.get(company_page_url(company_id(app))).status_code == 403
    agent = login_as("agent@atrium.example")
    assert agent.get(company_page_url(company_id(app))).status_code == 200


def test_the_company_page_and_list_run_a_flat_number_of_statements(app, login_as):
    client = login_as("admin@atrium.example")
    cid = company_id(app)
    client.get(company_page_url(cid))
    with count_queries(app) as small_page:
        client.get(company_page_url(cid))
    with count_queries(app) as small_list:
        client.get(COMPANIES)
    with app.app_context():
        grow_company(f.company("Acme Industrial"), 5, service_rep=f.staff("admin@atrium.example"), invitations=True)
        for i in range(4):
            db.session.add(Company(name=f"Extra {i}", shop=f.shop("atrium-us")))
        db.session.commit()
    with count_queries(app) as large_page:
        html = client.get(company_page_url(cid)).get_data(as_text=True)
    with count_queries(app) as large_list:
        listing = client.get(COMPANIES).get_data(as_text=True)
    assert "grow4@acme.example" in html and "later4@acme.example" in html and "Extra 3" in listing
    assert len(large_page) == len(small_page) <= 10, (len(small_page), len(large_page))
    assert len(large_list) == len(small_list), (len(small_list), len(large_list))


def test_the_company_page_shows_the_default_billing_address_else_the_first(app, login_as):
    """The profile's billing address comes with the company's own statement: the default one among the
    billing addresses, the first when none is the default, a note when there is none; never a shipping one."""
    from sqlalchemy import update

    from models.companies import Address

    client = login_as("admin@atrium.example")
    cid = company_id(app, "Globex")

    def profile() -> str:
        page = client.get(company_page_url(cid)).get_data(as_text=True)
        return text(page.split("<h2 class=\"h5\">Profile</h2>")[1].split("Contact persons")[0])

    def add(line1: str, kind: str, is_default: bool = False) -> None:
        with app.app_context():
            db.session.add(Address(company_id=cid, kind=kind, line1=line1, postal_code="1000", city="Springfield",
                                   country="US", is_default=is_default))
            db.session.commit()

    with app.app_context():
        db.session.execute(update(Address).where(Address.company_id == cid).values(kind="shipping", is_default=False))
        db.session.commit()
    assert "No billing address yet." in profile()
    add("1 First Street", "billing")
    add("2 Second Street", "billing")
    assert "1 First Street" in profile() and "2 Second Street" not in profile()
    add("3 Default Street", "billing", is_default=True)
    add("4 Shipping Street", "shipping", is_default=True)
    shown = profile()
    assert "3 Default Street" in shown and "1 First Street" not in shown and "4 Shipping Street" not in shown


@pytest.mark.parametrize("query", ["unit=abc", "unit=-3", "unit=99999999999", "unit=GLOBEX", "units_page=abc",
                                   "units_page=-1", "units_page=999999999", "addresses_page=0",
                                   "addresses_page=1e9"])
def test_a_bad_unit_or_page_on_the_company_page_shows_the_page_without_an_edit_form(app, login_as, query):
    """A unit that is not the company's (another company's, none at all) opens no edit form; a bad page
    number shows the first page (or the last, past the end)."""
    client = login_as("admin@atrium.example")
    cid = company_id(app)
    with app.app_context():
        globex_unit = f.company("Globex").business_units[0].id
    response = client.get(f"{COMPANIES}details/?id={cid}&{query.replace('GLOBEX', str(globex_unit))}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="unit-edit"' not in html and "Plant North" in html and "1 Foundry Road" in html
