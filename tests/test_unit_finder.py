"""Choosing one of many business units: a form lists the first units by name and those already chosen, and a
finder (``/account/company/units/find``) lists the others by a part of their name; a unit chosen through the
finder saves like one that was listed, another company's unit never does.

Each test gives Acme 70 more units, "Cell 000" to "Cell 069", so its own "Headquarters", "Plant North" and
"Plant South" fall beyond the first ``UNITS_OFFERED`` (25) by name.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from extensions import db
from models.assets import Asset
from models.companies import UNITS_OFFERED, BusinessUnit
from models.users import CompanyUser
from tests import factories as f
from tests.asset_pages import _asset_form, _post
from tests.backoffice_forms import form_in
from tests.helpers import count_queries, login, text
from tests.portal_pages import ANNA, post_from_account

GINA = "gina.admin@globex.example"
FINDER = 'data-finder-url="/account/company/units/find"'


@pytest.fixture
def many_units(app):
    """Acme's 73 units by name: 70 cells, then its own three; returns name -> id."""
    with app.app_context():
        acme = f.company("Acme Industrial")
        db.session.add_all(BusinessUnit(company=acme, name=f"Cell {n:03d}") for n in range(70))
        db.session.commit()
        return {unit.name: unit.id for unit in f.company("Acme Industrial").business_units}


def _globex_unit(app) -> int:
    with app.app_context():
        return f.company("Globex").business_units[0].id


def _found(client, typed: str) -> dict:
    response = client.get("/account/company/units/find", query_string={"q": typed})
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def _offered(page: str, name: str) -> list[str]:
    """The unit names a field offers, as options or checkboxes."""
    return re.findall(r'<option[^>]*>([^<]+)</option>', page.split(f'id="{name}"', 1)[1].split("</select>")[0])


def test_the_finder_lists_the_units_whose_name_holds_the_words_of_the_signed_in_company_only(
        app, login_as, many_units):
    client = login_as(ANNA)
    found = _found(client, "plant")
    assert [u["name"] for u in found["units"]] == ["Plant North", "Plant South"] and found["more"] is False
    assert found["units"][0]["id"] == many_units["Plant North"]
    with count_queries(app) as statements:
        everything = _found(client, "")
    assert len(statements) <= 2  # the signed-in user, then the units: the same for 3 units or 3,000
    assert len(everything["units"]) == UNITS_OFFERED and everything["more"] is True
    assert everything["units"][0]["name"] == "Cell 000"
    assert _found(client, "%")["units"] == [] and _found(client, "_")["units"] == []  # typed, not patterns
    assert _found(client, "x" * 5000)["units"] == []
    globex = app.test_client()
    login(globex, GINA)
    assert "Cell 000" not in str(_found(globex, "cell")) and "Plant" not in str(_found(globex, "plant"))


def test_the_finder_answers_only_the_signed_in(app, many_units):
    response = app.test_client().get("/account/company/units/find?q=plant")
    assert response.status_code == 302 and "/login" in response.location


def test_an_asset_filed_under_a_unit_beyond_those_listed_is_saved_and_shown_chosen(app, login_as, many_units):
    client = login_as(ANNA)
    page = client.get("/assets/new").get_data(as_text=True)
    assert FINDER in page and page.count('name="units"') == UNITS_OFFERED and "Plant North" not in page
    response = _post(client, "/assets/new", _asset_form(app, units=[str(many_units["Plant North"])]))
    assert response.status_code == 302
    with app.app_context():
        lathe = db.session.scalar(select(Asset).where(Asset.name == "Lathe L-1"))
        assert [a.business_unit_id for a in lathe.assignments] == [many_units["Plant North"]]
    edit = client.get(f"/assets/{lathe.id}/edit").get_data(as_text=True)
    assert page.count('name="units"') + 1 == edit.count('name="units"')  # the first 25 and the chosen one
    assert re.search(rf'checked[^>]*value="{many_units["Plant North"]}"|value="{many_units["Plant North"]}"[^>]*checked',
                     edit)


def test_an_asset_cannot_be_filed_under_another_companys_unit(app, login_as, many_units):
    client = login_as(ANNA)
    with app.app_context():
        before = db.session.scalar(select(func.count(Asset.id)))
    response = _post(client, "/assets/new", _asset_form(app, units=[str(_globex_unit(app))]))
    assert response.status_code == 400 and "Choose business units of the company from the list." in text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(Asset.id))) == before


def test_the_asset_list_filters_by_a_unit_beyond_those_listed(app, login_as, many_units):
    page = login_as(ANNA).get(f"/assets?unit={many_units['Plant North']}").get_data(as_text=True)
    assert FINDER in page and "Plant North" in _offered(page, "unit") and len(_offered(page, "unit")) == UNITS_OFFERED + 2  # and "Every business unit"
    assert re.search(rf'<option value="{many_units["Plant North"]}" selected>Plant North', page)


def test_a_new_user_joins_a_unit_beyond_those_listed_and_never_another_companys(app, login_as, many_units):
    client = login_as(ANNA)
    page = client.get("/account/users/new").get_data(as_text=True)
    assert FINDER in page and len(_offered(page, "business_unit")) == UNITS_OFFERED + 1  # and "No business unit"
    response = post_from_account(client, "/account/users/new", {
        "email": "nina.new@acme.example", "first_name": "Nina", "last_name": "New",
        "business_unit": many_units["Plant South"]})
    assert response.status_code == 302
    with app.app_context():
        assert f.user("nina.new@acme.example").business_unit_id == many_units["Plant South"]
    edit = client.get(response.location).get_data(as_text=True)
    assert re.search(rf'<option selected value="{many_units["Plant South"]}">|'
                     rf'<option value="{many_units["Plant South"]}" selected>', edit)
    response = post_from_account(client, "/account/users/new", {
        "email": "otto.other@acme.example", "first_name": "Otto", "last_name": "Other",
        "business_unit": _globex_unit(app)})
    assert response.status_code == 400 and "Choose from the options shown." in text(response)
    with app.app_context():
        assert db.session.scalar(select(CompanyUser).where(CompanyUser.email == "otto.other@acme.example")) is None


def test_a_unit_moves_under_one_beyond_those_listed_but_not_under_its_own_sub_unit(app, login_as, many_units):
    client = login_as(ANNA)
    cell = many_units["Cell 000"]
    page = client.get(f"/account/company/units/{cell}").get_data(as_text=True)
    assert FINDER in page and "Cell 000" not in _offered(page, "parent_id")  # not under itself
    response = post_from_account(client, "/account/company/units",
                                 {"unit_id": cell, "name": "Cell 000", "parent_id": many_units["Plant South"]})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(BusinessUnit, cell).parent_id == many_units["Plant South"]
    page = client.get(f"/account/company/units/{cell}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{many_units["Plant South"]}">|'
                     rf'<option value="{many_units["Plant South"]}" selected>', page)
    response = post_from_account(client, "/account/company/units",
                                 {"unit_id": many_units["Plant South"], "name": "Plant South", "parent_id": cell})
    assert response.status_code == 400 and "cannot be moved under itself or one of its own sub-units" in text(response)
    with app.app_context():
        assert db.session.get(BusinessUnit, many_units["Plant South"]).parent_id is None


@pytest.mark.parametrize("path", ["/assets/new", "/account/users/new", "/account/company", "/assets",
                                  "/assets/{press}/edit", "/account/users/{ben}", "/admin/company_users/edit/?id={ben}",
                                  "/admin/companies/details/?id={acme}&unit={hq}"])
def test_a_form_with_many_units_costs_what_it_costs_with_few(app, login_as, path):
    """The same statements with 3 units or 303, also where the chosen unit (Plant North) is beyond the first 25."""
    with app.app_context():
        press = db.session.scalar(select(Asset.id).where(Asset.name == "Hydraulic press HP-200"))
        acme = f.company("Acme Industrial")
        hq = next(unit.id for unit in acme.business_units if unit.name == "Headquarters")
        path = path.format(press=press, ben=f.user("ben.buyer@acme.example").id, acme=acme.id, hq=hq)
    client = login_as("admin@atrium.example" if path.startswith("/admin/") else ANNA)
    with count_queries(app) as few:
        small = client.get(path).get_data(as_text=True)
    with app.app_context():
        acme = f.company("Acme Industrial")
        db.session.add_all(BusinessUnit(company=acme, name=f"Cell {n:03d}") for n in range(300))
        db.session.commit()
    with count_queries(app) as many:
        large = client.get(path).get_data(as_text=True)
    assert len(many) == len(few) and "data-finder-url" not in small and "data-finder-url" in large
    assert len(set(re.findall(r"Cell \d{3}", large))) <= 2 * UNITS_OFFERED  # bounded (the company page: tree too)


def _support(app):
    client = app.test_client()
    assert login(client, "support@atrium.example", path="/admin/login/").status_code == 302
    return client


def test_the_back_office_asset_form_finds_a_unit_beyond_those_listed_and_saves_it(app, many_units):
    client = _support(app)
    with app.app_context():
        acme, globex = f.company("Acme Industrial").id, f.company("Globex").id
    page = client.get(f"/admin/assets/new/?company_id={acme}").get_data(as_text=True)
    assert f'data-finder-url="/admin/assets/units/?company_id={acme}"' in page
    assert page.count('name="units"') == UNITS_OFFERED and "Plant North" not in page
    found = client.get(f"/admin/assets/units/?company_id={acme}&q=north").get_json()
    assert found == {"units": [{"id": many_units["Plant North"], "name": "Plant North"}], "more": False}
    assert "Plant" not in str(client.get(f"/admin/assets/units/?company_id={globex}&q=plant").get_json())
    assert client.get("/admin/assets/units/?company_id=99999999999&q=plant").status_code == 404
    data = dict(form_in(page, f"/admin/assets/new/?company_id={acme}"), name="Lathe L-2", status="in_use",
                units=str(many_units["Plant North"]))
    assert client.post(f"/admin/assets/new/?company_id={acme}", data=data).status_code == 302
    with app.app_context():
        lathe = db.session.scalar(select(Asset).where(Asset.name == "Lathe L-2"))
        assert lathe.unit_names == ["Plant North"]
    edit = client.get(f"/admin/assets/edit/?id={lathe.id}").get_data(as_text=True)
    assert f'value="{many_units["Plant North"]}" id="unit-{many_units["Plant North"]}" checked' in edit


def test_the_back_office_unit_finder_is_for_staff_who_keep_assets(app, login_as, many_units):
    with app.app_context():
        acme = f.company("Acme Industrial").id
    customer = login_as(ANNA).get(f"/admin/assets/units/?company_id={acme}&q=plant")
    assert customer.status_code in (302, 403) and "Plant North" not in customer.get_data(as_text=True)


def test_the_customer_editor_lists_the_customers_unit_and_finds_the_others(app, login_as, many_units):
    client = login_as("admin@atrium.example")
    with app.app_context():
        ben, acme = f.user("ben.buyer@acme.example"), f.company("Acme Industrial").id
        ben_id = ben.id
    page = client.get(f"/admin/company_users/edit/?id={ben_id}&tab=b2b").get_data(as_text=True)
    assert f'data-finder-url="/admin/company_users/units/?company_id={acme}"' in page
    assert _offered(page, "business_unit_id") == ["— none —", *[f"Cell {n:03d}" for n in range(UNITS_OFFERED)], "Plant North"]
    found = client.get(f"/admin/company_users/units/?company_id={acme}&q=south").get_json()
    assert found == {"units": [{"id": many_units["Plant South"], "name": "Plant South"}], "more": False}
    data = dict(form_in(page, "/admin/company_users/b2b/"), business_unit_id=str(many_units["Plant South"]))
    data.pop("role_ids", None)
    assert client.post("/admin/company_users/b2b/", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(CompanyUser, ben_id).business_unit_id == many_units["Plant South"]


def test_the_back_office_company_page_offers_the_first_units_as_parents_and_finds_the_others(app, login_as,
                                                                                             many_units):
    """The add and edit forms' "Part of" list the first units by name (and the edited unit's parent); the
    finder lists the others of this company; a unit moved under a found one saves, under another company's
    unit or under its own sub-unit does not."""
    client = login_as("admin@atrium.example")
    with app.app_context():
        acme, globex = f.company("Acme Industrial").id, f.company("Globex").id
        db.session.get(BusinessUnit, many_units["Cell 030"]).parent_id = many_units["Plant North"]
        db.session.commit()
    cells = [f"Cell {n:03d}" for n in range(UNITS_OFFERED)]
    page = client.get(f"/admin/companies/details/?id={acme}").get_data(as_text=True)
    assert _offered(page, "unit-parent-new") == ["— top level —", *cells]
    page = client.get(f"/admin/companies/details/?id={acme}&unit={many_units['Cell 030']}").get_data(as_text=True)
    assert page.count(f'data-finder-url="/admin/companies/units/?company_id={acme}"') == 2  # edit and add forms
    assert _offered(page, "unit-parent") == ["— top level —", *cells, "Plant North"]
    assert re.search(rf'<option value="{many_units["Plant North"]}" selected>', page)
    found = client.get(f"/admin/companies/units/?company_id={acme}&q=south").get_json()
    assert found == {"units": [{"id": many_units["Plant South"], "name": "Plant South"}], "more": False}
    assert "Plant" not in str(client.get(f"/admin/companies/units/?company_id={globex}&q=plant").get_json())
    assert client.get("/admin/companies/units/?company_id=abc&q=plant").status_code == 404

    def move(parent) -> str:
        data = dict(form_in(page, "/admin/companies/unit/", 'id="unit-edit"'), parent_id=str(parent))
        response = client.post("/admin/companies/unit/", data=data, follow_redirects=True)
        return text(response)

    assert "Choose a parent unit of the same company." in move(_globex_unit(app))
    with app.app_context():
        assert db.session.get(BusinessUnit, many_units["Cell 030"]).parent_id == many_units["Plant North"]
    move(many_units["Plant South"])
    with app.app_context():
        assert db.session.get(BusinessUnit, many_units["Cell 030"]).parent_id == many_units["Plant South"]
    page = client.get(f"/admin/companies/details/?id={acme}&unit={many_units['Plant South']}").get_data(as_text=True)
    assert "Cell 030 is below Plant South; a unit cannot move under its own sub-unit." in move(many_units["Cell 030"])
    with app.app_context():
        assert db.session.get(BusinessUnit, many_units["Plant South"]).parent_id is None


def test_the_company_pages_unit_finder_is_for_staff(app, login_as, many_units):
    with app.app_context():
        acme = f.company("Acme Industrial").id
    response = login_as(ANNA).get(f"/admin/companies/units/?company_id={acme}&q=plant")
    assert response.status_code in (302, 403) and "Plant North" not in response.get_data(as_text=True)
    assert "Plant North" not in app.test_client().get(f"/admin/companies/units/?company_id={acme}&q=plant").get_data(
        as_text=True)
