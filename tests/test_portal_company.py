"""Company self-service in the portal: company details, business units, the address book per shop mode."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from extensions import db
from models.companies import UNITS_OFFERED, Address, BusinessUnit, Company
from models.shops import ShopAddress, ShopCustomerSetting
from portal.company import UNITS_PER_PAGE
from tests import factories as f
from tests.helpers import count_queries, csrf_token

NEW_ADDRESS = {"kind": "shipping", "label": "Dock 3", "line1": "3 Pier Road", "line2": "", "postal_code": "20457",
               "city": "Hamburg", "country": "de"}
SNEAKY = {"company_id": "0", "roles": "account_admin", "state": "inactive", "status": "inactive"}


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def post(client, path: str, data: dict | None = None):
    """Post with the session's CSRF token (taken from the address book page)."""
    token = csrf_token(client.get("/account/addresses").get_data(as_text=True))
    return client.post(path, data=dict(data or {}, csrf_token=token))


def acme_id(app) -> int:
    with app.app_context():
        return f.company("Acme Industrial").id


def first_id(app, model, company: str, **where) -> int:
    with app.app_context():
        query = select(model.id).where(model.company_id == f.company(company).id).filter_by(**where)
        return db.session.scalar(query.order_by(model.id))


def row(app, model, row_id: int) -> dict | None:
    with app.app_context():
        found = db.session.get(model, row_id)
        return None if found is None else {c.key: getattr(found, c.key) for c in found.__table__.columns}


def acme_rows(app, model) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(select(model).where(model.company_id == f.company("Acme Industrial").id)).all()
        return sorted((r.id, *[getattr(r, c.key) for c in r.__table__.columns]) for r in rows)


def set_book_mode(app, mode: str, customer_type: str = "b2b") -> None:
    with app.app_context():
        shop = f.shop("atrium-de")
        setting = next((s for s in shop.customer_settings if s.customer_type == customer_type), None)
        if setting is None:
            setting = ShopCustomerSetting(customer_type=customer_type)
            shop.customer_settings.append(setting)
        setting.address_book_mode = mode
        db.session.commit()


# --- company details ---------------------------------------------------------------------

def test_admin_sees_the_company_page_and_the_link_to_it(login_as):
    client = login_as("anna.admin@acme.example")
    page = text(client.get("/account/company"))
    assert "Acme Industrial" in page and "Atrium Germany" in page
    for unit in ("Headquarters", "Plant North", "Plant South"):
        assert unit in page
    assert 'href="/account/company"' in text(client.get("/account"))


def test_admin_edits_company_details_and_extra_fields_change_nothing(app, login_as):
    client = login_as("anna.admin@acme.example")
    extra = dict(SNEAKY, require_approval="y", block_checkout="y", block_checkout_over="1", shop_id="3")
    response = post(client, "/account/company", dict(extra, name="Acme Industrial AG", vat_id="DE999"))
    assert response.status_code == 302
    assert "The company details are saved." in text(client.get("/account/company"))
    with app.app_context():
        acme = f.company("Acme Industrial AG")
        assert acme.vat_id == "DE999" and acme.status == "active" and acme.shop.code == "atrium-de"
        assert not acme.require_approval and not acme.block_checkout and acme.block_checkout_over is None


def test_company_needs_a_name(app, login_as):
    client = login_as("anna.admin@acme.example")
    response = post(client, "/account/company", {"name": "  ", "vat_id": "X"})
    assert response.status_code == 400 and "The company needs a name." in text(response)
    with app.app_context():
        assert f.company("Acme Industrial").vat_id is None


# --- business units -------------------------------------------------------------------------

def unit(app, name: str) -> tuple | None:
    with app.app_context():
        found = db.session.scalar(select(BusinessUnit).where(BusinessUnit.name == name))
        return None if found is None else (found.id, found.parent.name if found.parent else None, found.company.name)


def test_admin_adds_renames_moves_and_deletes_units(app, login_as):
    client = login_as("anna.admin@acme.example")
    north = first_id(app, BusinessUnit, "Acme Industrial", name="Plant North")
    assert post(client, "/account/company/units", {"name": "Plant East", "parent_id": north, **SNEAKY}).status_code == 302
    east, parent, company = unit(app, "Plant East")
    assert (parent, company) == ("Plant North", "Acme Industrial")
    assert "Business unit Plant East is saved." in text(client.get("/account/company"))

    post(client, "/account/company/units", {"unit_id": east, "name": "Plant East Wing", "parent_id": "0"})
    assert unit(app, "Plant East Wing")[1:] == (None, "Acme Industrial")

    south = first_id(app, BusinessUnit, "Acme Industrial", name="Plant South")
    post(client, "/account/company/units", {"unit_id": east, "name": "Plant East Wing", "parent_id": south})
    assert unit(app, "Plant East Wing")[1] == "Plant South"

    response = post(client, f"/account/company/units/{east}/delete")
    assert response.status_code == 302 and unit(app, "Plant East Wing") is None
    assert "Business unit Plant East Wing is deleted." in text(client.get("/account/company"))


def test_a_unit_is_renamed_and_moved_on_its_own_page_offering_only_where_it_may_go(app, login_as):
    client = login_as("anna.admin@acme.example")
    north = first_id(app, BusinessUnit, "Acme Industrial", name="Plant North")
    post(client, "/account/company/units", {"name": "Dock", "parent_id": north})
    dock = unit(app, "Dock")[0]
    company_page = client.get("/account/company").get_data(as_text=True)
    assert f'href="/account/company/units/{north}"' in company_page
    page = client.get(f"/account/company/units/{north}").get_data(as_text=True)
    choices = re.findall(r'<option[^>]*value="(\d+)"', page)
    assert str(north) not in choices and str(dock) not in choices  # not under itself or its own sub-unit
    assert re.search(r'<option selected value="0">|<option value="0" selected>', page)  # a top-level unit
    response = post(client, "/account/company/units", {"unit_id": north, "name": "", "parent_id": "0"})
    assert response.status_code == 400 and "The business unit needs a name." in text(response)
    assert "Business unit Plant North" in text(response) and unit(app, "Plant North") is not None
    response = post(client, "/account/company/units", {"unit_id": dock, "name": "Dock A", "parent_id": "0"})
    assert response.status_code == 302 and unit(app, "Dock A")[1] is None


def test_the_company_page_shows_one_page_of_the_unit_tree_and_one_unit_select(app, login_as):
    """Units are paged (25 a page) and only the add form has a select, of at most 25 units with a finder."""
    client = login_as("anna.admin@acme.example")
    with app.app_context():
        acme = f.company("Acme Industrial")
        db.session.add_all(BusinessUnit(company=acme, name=f"Cell {n:03d}") for n in range(70))
        db.session.commit()
        units = db.session.scalar(select(func.count(BusinessUnit.id)).where(BusinessUnit.company_id == acme.id))
    with count_queries(app) as statements:
        page = client.get("/account/company").get_data(as_text=True)
    assert units > UNITS_OFFERED and page.count("<option") == UNITS_OFFERED + 1  # top level, the first 25 by name
    assert 'data-finder-url="/account/company/units/find"' in page and f"Cell {UNITS_OFFERED - 1:03d}</option>" in page
    pages = -(-units // UNITS_PER_PAGE)
    assert page.count("Rename or move</a>") == UNITS_PER_PAGE and f"Page 1 of {pages}" in text(client.get("/account/company"))
    last = client.get(f"/account/company?page={pages}").get_data(as_text=True)
    assert last.count("Rename or move</a>") == units - UNITS_PER_PAGE * (pages - 1) and "Cell 069" in last
    assert len(statements) <= 10


@pytest.mark.parametrize("posted,message", [
    ({"name": "plant north"}, "Acme Industrial already has a business unit named plant north."),
    ({"name": ""}, "The business unit needs a name."),
])
def test_bad_units_say_why(app, login_as, posted, message):
    client = login_as("anna.admin@acme.example")
    before = acme_rows(app, BusinessUnit)
    response = post(client, "/account/company/units", posted)
    assert response.status_code == 400 and message in text(response)
    assert acme_rows(app, BusinessUnit) == before


def test_a_unit_cannot_move_under_its_own_sub_unit(app, login_as):
    client = login_as("anna.admin@acme.example")
    north = first_id(app, BusinessUnit, "Acme Industrial", name="Plant North")
    post(client, "/account/company/units", {"name": "Dock", "parent_id": north})
    dock = unit(app, "Dock")[0]
    before = acme_rows(app, BusinessUnit)
    response = post(client, "/account/company/units", {"unit_id": north, "name": "Plant North", "parent_id": dock})
    assert response.status_code == 400
    assert "A business unit cannot be moved under itself or one of its own sub-units." in text(response)
    response = post(client, "/account/company/units", {"unit_id": north, "name": "Plant North", "parent_id": north})
    assert response.status_code == 400
    assert acme_rows(app, BusinessUnit) == before


def test_a_unit_with_users_is_not_deleted(app, login_as):
    client = login_as("anna.admin@acme.example")
    north = first_id(app, BusinessUnit, "Acme Industrial", name="Plant North")
    post(client, f"/account/company/units/{north}/delete")
    assert "Plant North still has users or sub-units; move them first." in text(client.get("/account/company"))
    assert unit(app, "Plant North") is not None


def test_another_companys_unit_is_404_and_untouched(app, login_as):
    client = login_as("anna.admin@acme.example")
    main_office = first_id(app, BusinessUnit, "Globex")
    before = row(app, BusinessUnit, main_office)
    acme_before = acme_rows(app, BusinessUnit)
    assert post(client, f"/account/company/units/{main_office}/delete").status_code == 404
    assert post(client, "/account/company/units", {"unit_id": main_office, "name": "Taken"}).status_code == 404
    assert post(client, "/account/company/units", {"name": "Sneaky", "parent_id": main_office}).status_code == 404
    assert row(app, BusinessUnit, main_office) == before
    assert acme_rows(app, BusinessUnit) == acme_before


# --- the buyer ------------------------------------------------------------------------------

def test_a_buyer_reads_the_address_book_but_cannot_change_anything(app, login_as):
    client = login_as("ben.buyer@acme.example")
    page = text(client.get("/account/addresses"))
    assert "1 Foundry Road" in page and "Only your company's account admins can change its addresses." in page
    assert "Add address" not in page and ">Edit<" not in page and ">Delete<" not in page
    assert 'href="/account/company"' not in text(client.get("/account"))
    address = first_id(app, Address, "Acme Industrial")
    unit_id = first_id(app, BusinessUnit, "Acme Industrial")
    company_before = row(app, Company, acme_id(app))
    before = (acme_rows(app, Address), acme_rows(app, BusinessUnit))
    assert client.get("/account/company").status_code == 403
    for path, data in [
        ("/account/company", {"name": "Ben's Company"}),
        ("/account/company/units", {"name": "Ben's unit"}),
        (f"/account/company/units/{unit_id}/delete", {}),
        ("/account/addresses/new", NEW_ADDRESS),
        (f"/account/addresses/{address}", NEW_ADDRESS),
        (f"/account/addresses/{address}/delete", {}),
    ]:
        assert post(client, path, data).status_code == 403, path
    assert (acme_rows(app, Address), acme_rows(app, BusinessUnit)) == before
    assert row(app, Company, acme_id(app)) == company_before


# --- the address book: default mode ---------------------------------------------------------

def test_admin_adds_edits_and_deletes_addresses(app, login_as):
    client = login_as("anna.admin@acme.example")
    page = text(client.get("/account/addresses"))
    assert "Add address" in page and "Read-only" not in page
    response = post(client, "/account/addresses/new", dict(NEW_ADDRESS, is_default="y", **SNEAKY))
    assert response.status_code == 302
    assert "The address is added." in text(client.get("/account/addresses"))
    with app.app_context():
        acme = f.company("Acme Industrial")
        added = db.session.scalar(select(Address).where(Address.label == "Dock 3"))
        assert added.company_id == acme.id and added.country == "DE" and added.is_default
        assert [a.label for a in acme.addresses if a.kind == "shipping" and a.is_default] == ["Dock 3"]
        added_id = added.id
    assert 'value="3 Pier Road"' in text(client.get(f"/account/addresses/{added_id}"))
    post(client, f"/account/addresses/{added_id}", dict(NEW_ADDRESS, label="Dock 4", city="Bremen"))
    assert (row(app, Address, added_id)["label"], row(app, Address, added_id)["city"]) == ("Dock 4", "Bremen")
    assert post(client, f"/account/addresses/{added_id}/delete").status_code == 302
    assert row(app, Address, added_id) is None
    assert "The address is deleted." in text(client.get("/account/addresses"))


@pytest.mark.parametrize("change,message", [
    ({"kind": "office"}, "Not a valid choice"),
    ({"city": ""}, "Please fill in the city."),
    ({"line1": ""}, "Please fill in the street."),
    ({"country": "DEU"}, "Use the two-letter country code, e.g. DE or US."),
    ({"country": "1x"}, "Use the two-letter country code, e.g. DE or US."),
])
def test_bad_addresses_say_why_and_add_nothing(app, login_as, change, message):
    client = login_as("anna.admin@acme.example")
    before = acme_rows(app, Address)
    response = post(client, "/account/addresses/new", dict(NEW_ADDRESS, **change))
    assert response.status_code == 400 and message in text(response)
    assert acme_rows(app, Address) == before


def test_another_companys_address_is_404_and_untouched(app, login_as):
    client = login_as("anna.admin@acme.example")
    globex_address = first_id(app, Address, "Globex")
    before = row(app, Address, globex_address)
    assert client.get(f"/account/addresses/{globex_address}").status_code == 404
    assert post(client, f"/account/addresses/{globex_address}", NEW_ADDRESS).status_code == 404
    assert post(client, f"/account/addresses/{globex_address}/delete").status_code == 404
    assert row(app, Address, globex_address) == before
    assert "500 Market Street" not in text(client.get("/account/addresses"))


def test_address_search_filter_and_paging(app, login_as):
    client = login_as("anna.admin@acme.example")
    page = text(client.get("/account/addresses?q=Hamburg"))
    assert "12 Harbour Street" in page and "7 Alpine Way" not in page and "1 address" in page
    page = text(client.get("/account/addresses?kind=billing"))
    assert "1 Foundry Road" in page and "12 Harbour Street" not in page
    assert "No addresses match these filters." in text(client.get("/account/addresses?q=Atlantis"))
    with app.app_context():
        acme = f.company("Acme Industrial")
        for n in range(30):
            acme.addresses.append(Address(kind="shipping", label=f"Depot {n:02}", line1=f"{n} Depot Lane",
                                          postal_code="10115", city="Berlin", country="DE"))
        db.session.commit()
    first = text(client.get("/account/addresses"))
    assert "33 addresses" in first and "Page 1 of 2" in first
    assert "Depot 29" in text(client.get("/account/addresses?page=2"))


def test_the_address_book_costs_the_same_sql_for_3_or_33_addresses(app, login_as):
    client = login_as("anna.admin@acme.example")
    client.get("/account/addresses")
    with count_queries(app) as few:
        assert client.get("/account/addresses").status_code == 200
    with app.app_context():
        acme = f.company("Acme Industrial")
        for n in range(30):
            acme.addresses.append(Address(kind="shipping", label=f"Depot {n}", line1="1 Lane",
                                          postal_code="10115", city="Berlin", country="DE"))
        db.session.commit()
    with count_queries(app) as many:
        page = client.get("/account/addresses?page=1")
    assert page.status_code == 200 and text(page).count(">Edit<") == 25
    assert len(many) == len(few), many


# --- the address book modes of the shop -------------------------------------------------------

def test_read_only_mode_shows_why_and_refuses_every_change(app, login_as):
    set_book_mode(app, "read_only")
    client = login_as("anna.admin@acme.example")
    page = text(client.get("/account/addresses"))
    assert "The address book is read-only in this shop; contact your representative to change it." in page
    assert "Add address" not in page and ">Edit<" not in page
    address = first_id(app, Address, "Acme Industrial")
    before = acme_rows(app, Address)
    response = client.get("/account/addresses/new")
    assert response.status_code == 302
    assert "read-only in this shop" in text(client.get("/account/addresses"))
    for path, data in [("/account/addresses/new", NEW_ADDRESS), (f"/account/addresses/{address}", NEW_ADDRESS),
                       (f"/account/addresses/{address}/delete", {})]:
        response = post(client, path, data)
        assert response.status_code == 302, path
        assert "read-only in this shop" in text(client.get("/account/addresses"))
    assert acme_rows(app, Address) == before


def test_read_only_for_another_customer_type_leaves_b2b_editing(app, login_as):
    set_book_mode(app, "read_only", customer_type="b2c")
    client = login_as("anna.admin@acme.example")
    assert "Add address" in text(client.get("/account/addresses"))
    assert post(client, "/account/addresses/new", NEW_ADDRESS).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Address).where(Address.label == "Dock 3")) is not None


def test_billing_read_only_mode_keeps_billing_but_edits_shipping(app, login_as):
    set_book_mode(app, "billing_read_only")
    client = login_as("anna.admin@acme.example")
    page = text(client.get("/account/addresses"))
    assert "Billing addresses are kept by Atrium staff in this shop; contact your representative." in page
    assert "Add address" in page and page.count(">Edit<") == 2  # the two shipping addresses
    billing = first_id(app, Address, "Acme Industrial", kind="billing")
    shipping = first_id(app, Address, "Acme Industrial", kind="shipping")
    before = acme_rows(app, Address)
    response = post(client, "/account/addresses/new", dict(NEW_ADDRESS, kind="billing"))
    assert response.status_code == 400 and "Billing addresses are kept by Atrium staff" in text(response)
    response = post(client, f"/account/addresses/{shipping}", dict(NEW_ADDRESS, kind="billing"))
    assert response.status_code == 400 and "Billing addresses are kept by Atrium staff" in text(response)
    assert post(client, f"/account/addresses/{billing}", NEW_ADDRESS).status_code == 302
    assert post(client, f"/account/addresses/{billing}/delete").status_code == 302
    assert acme_rows(app, Address) == before
    assert post(client, f"/account/addresses/{shipping}", dict(NEW_ADDRESS, label="Dock 9")).status_code == 302
    assert row(app, Address, shipping)["label"] == "Dock 9"


def test_shared_mode_shows_the_sub_shops_book_read_only(app, login_as):
    set_book_mode(app, "shared")
    with app.app_context():
        shop = f.shop("atrium-de")
        shop.shared_addresses.append(ShopAddress(
            kind="shipping", label="Atrium hub Leipzig", line1="1 Hub Street", postal_code="04103",
            city="Leipzig", country="DE"))
        db.session.commit()
    client = login_as("anna.admin@acme.example")
    page = text(client.get("/account/addresses"))
    assert "The shared address book of Atrium Germany." in page
    assert "Atrium hub Leipzig" in page and "04103 Leipzig" in page and "1 Foundry Road" not in page
    assert "Atrium Germany shares one address book among its customers" in page
    assert "Add address" not in page and ">Edit<" not in page
    address = first_id(app, Address, "Acme Industrial")
    before = acme_rows(app, Address)
    assert post(client, f"/account/addresses/{address}", NEW_ADDRESS).status_code == 302
    assert post(client, "/account/addresses/new", NEW_ADDRESS).status_code == 302
    assert acme_rows(app, Address) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ShopAddress)) == 1
