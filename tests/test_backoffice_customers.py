"""Customer management in the back office: search, the tabbed editor, B2B settings, attributes, addresses."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from extensions import db
from models.attributes import AttributeDefinition, AttributeValue
from models.shops import ShopAssignment
from models.users import CompanyUser
from tests import factories as f
from tests.backoffice_forms import (
    CUSTOMERS,
    customer_editor,
    customer_id,
    editor_tab,
    filter_arg,
    follow,
    form_in,
    form_values,
)
from tests.helpers import count_queries, flashes, grow_company, login


def listed(client, query: str) -> list[str]:
    """E-mail addresses the customer list shows for a query string."""
    html = client.get(f"{CUSTOMERS}?{query}").get_data(as_text=True)
    return sorted(re.findall(r'href="/admin/company_users/edit/\?id=\d+[^"]*">([^<]+)</a>', html))


def _filter(client, group: str, value: str, operation: str = "equals") -> list[str]:
    arg = filter_arg(client.get(CUSTOMERS).get_data(as_text=True), group, operation)
    return listed(client, f"flt0_{arg}={value}")


def test_customer_search_filters(app, login_as):
    client = login_as("support@atrium.example")
    with app.app_context():
        de, us = f.shop("atrium-de").id, f.shop("atrium-us").id
        f.user("carl.ccm@acme.example").active = False
        f.user("alice.approver@acme.example").customer_type = "b2e"
        db.session.commit()
    acme = ["alice.approver@acme.example", "anna.admin@acme.example", "ben.buyer@acme.example", "carl.ccm@acme.example"]
    assert _filter(client, "E-mail", "ben.b", "contains") == ["ben.buyer@acme.example"]
    assert _filter(client, "Name", "anna admin", "contains") == ["anna.admin@acme.example"]
    assert _filter(client, "Name", "Initech", "contains") == ["ivan@initech.example"]
    assert _filter(client, "Company", "acme", "contains") == acme
    assert _filter(client, "Shop", str(us)) == ["gina.admin@globex.example"]
    assert _filter(client, "Shop", str(de)) == acme + ["ivan@initech.example"]
    assert _filter(client, "Shop access", "disabled") == ["ivan@initech.example"]
    assert _filter(client, "Customer type", "b2e") == ["alice.approver@acme.example"]
    assert _filter(client, "Active", "0") == ["carl.ccm@acme.example"]
    assert _filter(client, "Attribute (KEY=value or value)", "CUSTOMER_PHONE=89 555", "contains") == \
        ["ivan@initech.example"]
    assert _filter(client, "Attribute (KEY=value or value)", "Contact phone=555", "contains") == \
        ["ivan@initech.example"]
    assert _filter(client, "Attribute (KEY=value or value)", "CUSTOMER_B2B_REF=555", "contains") == []
    assert listed(client, "search=globex") == ["gina.admin@globex.example"]


def test_the_editor_tabs_show_the_customers_data(app, login_as):
    client = login_as("admin@atrium.example")
    with app.app_context():
        ivan = f.user("ivan@initech.example")
        uid = ivan.id
    html = customer_editor(client, uid)
    assert form_values(html)["first_name"] == "Ivan" and form_values(html)["customer_type"] == "b2b"
    assert "E-mail (sign-in): ivan@initech.example" in editor_tab(html, "basic")
    b2b = editor_tab(html, "b2b")
    assert "Company Initech" in b2b and "Account Admin" in b2b
    assert re.search(r'<option value="\d+" selected>Headquarters</option>', html)
    assert "Disabled or waiting for approval Atrium Germany (atrium-de) Enable" in editor_tab(html, "shops")
    assert 'value="+49 89 555 10"' in html
    assert "Contact phone" in editor_tab(html, "attributes")
    assert "address book for B2B: Default: customers edit all addresses" in editor_tab(html, "addresses")
    assert 'class="tab-pane show active" id="tab-basic"' in html
    assert 'class="tab-pane show active" id="tab-shops"' in customer_editor(client, uid, tab="shops")


def _b2b(client, uid: int, **fields):
    data = form_in(customer_editor(client, uid, tab="b2b"), f"{CUSTOMERS}b2b/")
    data.pop("role_ids", None)  # the page's checkboxes; each test says which roles it ticks
    data.update(fields)
    return follow(client, client.post(f"{CUSTOMERS}b2b/", data=data))


def test_b2b_tab_saves_unit_roles_budget_and_spend_limit(app, login_as):
    client = login_as("admin@atrium.example")
    uid = customer_id(app, "ben.buyer@acme.example")
    with app.app_context():
        south = next(u.id for u in f.company("Acme Industrial").business_units if u.name == "Plant South")
        approver, ccm = f.role("approver").id, f.role("cost_center_manager").id
    page = _b2b(client, uid, business_unit_id=str(south), role_ids=[str(approver), str(ccm)],
                budget_amount="12500.5", budget_period="quarterly", order_spend_limit="999.99")
    assert "B2B settings saved." in flashes(page)
    with app.app_context():
        ben = db.session.get(CompanyUser, uid)
        assert sorted(r.key for r in ben.roles) == ["approver", "buyer", "cost_center_manager"]
        assert ben.business_unit_id == south
        assert (ben.budget_amount, ben.budget_period, ben.order_spend_limit) == (
            Decimal("12500.50"), "quarterly", Decimal("999.99"))
    data = form_in(page, f"{CUSTOMERS}b2b/")
    assert data["budget_amount"] == "12500.50" and data["budget_period"] == "quarterly"
    page = _b2b(client, uid, role_ids=[], budget_amount="", budget_period="", order_spend_limit="")
    with app.app_context():
        ben = db.session.get(CompanyUser, uid)
        assert [r.key for r in ben.roles] == ["buyer"]  # Buyer is always kept
        assert (ben.budget_amount, ben.budget_period, ben.order_spend_limit) == (None, None, None)


@pytest.mark.parametrize("fields, message", [
    ({"budget_amount": "ten thousand", "budget_period": "monthly"},
     "The budget: “ten thousand” is not an amount; write it like 1,500.50 (“.” before the decimals)."),
    ({"budget_amount": "-1", "budget_period": "monthly"}, "The budget must be zero or more."),
    ({"budget_amount": "1.005", "budget_period": "monthly"},
     "The budget: “1.005” has 3 decimal places, but EUR amounts have 2; write it like 1,500.50 "
     "(“.” before the decimals)."),
    ({"budget_amount": "100", "budget_period": ""}, "A budget needs a period."),
    ({"budget_amount": "100", "budget_period": "daily"},
     "Choose a budget period: yearly, half-yearly, quarterly, monthly or weekly."),
    ({"order_spend_limit": "5 000"},
     "The order spend limit: “5 000” is not an amount; write it like 1,500.50 (“.” before the decimals)."),
    ({"role_ids": ["999999"]}, "Choose roles from the list; one of them is not a role of this company."),
    ({"business_unit_id": "999999"}, "Choose a business unit from the list."),
])
def test_bad_b2b_input_says_why_and_saves_nothing(app, login_as, fields, message):
    client = login_as("admin@atrium.example")
    uid = customer_id(app, "ben.buyer@acme.example")
    with app.app_context():
        south = next(u.id for u in f.company("Acme Industrial").business_units if u.name == "Plant South")
        approver = f.role("approver").id
    data = {"business_unit_id": str(south), "role_ids": [str(approver)]}
    page = _b2b(client, uid, **dict(data, **fields))
    assert message in flashes(page)
    with app.app_context():
        ben = db.session.get(CompanyUser, uid)
        assert [r.key for r in ben.roles] == ["buyer"] and ben.business_unit.name == "Plant North"
        assert (ben.budget_amount, ben.order_spend_limit) == (None, None)


def test_a_business_unit_or_role_of_another_company_is_refused(app, login_as):
    client = login_as("admin@atrium.example")
    uid = customer_id(app, "gina.admin@globex.example")
    with app.app_context():
        acme_unit = f.company("Acme Industrial").business_units[0].id
        acme_role = f.role("Inquiry desk").id
    page = _b2b(client, uid, business_unit_id=str(acme_unit))
    assert "That business unit belongs to another company." in flashes(page)
    page = _b2b(client, uid, role_ids=[str(acme_role)])
    assert "Choose roles from the list; one of them is not a role of this company." in flashes(page)
    with app.app_context():
        gina = f.user("gina.admin@globex.example")
        assert gina.business_unit.name == "Main Office"
        assert sorted(r.key for r in gina.roles) == ["account_admin", "buyer"]


def test_the_last_account_admin_keeps_the_role(app, login_as):
    client = login_as("admin@atrium.example")
    page = _b2b(client, customer_id(app, "gina.admin@globex.example"), role_ids=[])
    assert "Globex needs at least one active Account Admin: make someone else an Account Admin first." in flashes(page)


def test_attributes_tab_saves_and_validates_values(app, login_as):
    client = login_as("admin@atrium.example")
    uid = customer_id(app, "ben.buyer@acme.example")
    with app.app_context():
        db.session.add(AttributeDefinition(key="HEADCOUNT", label="Headcount", type="number"))
        db.session.commit()
    data = form_in(customer_editor(client, uid, tab="attributes"), f"{CUSTOMERS}attributes/")
    data.update({"attr-CUSTOMER_B2B_REF": " PO-7781 ", "attr-MARKETING_OPT_IN": "yes", "attr-HEADCOUNT": "42"})
    page = follow(client, client.post(f"{CUSTOMERS}attributes/", data=data))
    assert "Attributes saved." in flashes(page)
    assert 'value="PO-7781"' in page and 'name="attr-MARKETING_OPT_IN" value="yes" checked' in page
    with app.app_context():
        values = {v.definition.key: v.value for v in db.session.get(CompanyUser, uid).attribute_values}
        assert values["CUSTOMER_B2B_REF"] == "PO-7781" and values["MARKETING_OPT_IN"] == "yes"
        assert values["HEADCOUNT"] == "42"
    assert _filter(client, "Attribute (KEY=value or value)", "CUSTOMER_B2B_REF=po-77", "contains") == \
        ["ben.buyer@acme.example"]
    bad = dict(data, **{"attr-HEADCOUNT": "many", "attr-CUSTOMER_B2B_REF": "PO-1"})
    page = follow(client, client.post(f"{CUSTOMERS}attributes/", data=bad))
    assert "Headcount must be a number." in flashes(page)
    with app.app_context():
        definition = db.session.scalar(select(AttributeDefinition).where(AttributeDefinition.key == "CUSTOMER_B2B_REF"))
        definition.required = True
        db.session.commit()
        values = {v.definition.key: v.value for v in db.session.get(CompanyUser, uid).attribute_values}
        assert values["CUSTOMER_B2B_REF"] == "PO-7781" and values["HEADCOUNT"] == "42"
    page = follow(client, client.post(f"{CUSTOMERS}attributes/", data=dict(data, **{"attr-CUSTOMER_B2B_REF": " "})))
    assert "B2B reference is required." in flashes(page)
    page = follow(client, client.post(f"{CUSTOMERS}attributes/", data=dict(data, **{"attr-HEADCOUNT": "x" * 501})))
    assert "Headcount is too long (500 characters at most)." in flashes(page)


def test_the_address_book_is_rendered_in_the_chosen_shops_format(app, login_as):
    client = login_as("admin@atrium.example")
    uid = customer_id(app, "ben.buyer@acme.example")
    with app.app_context():
        master = f.shop("atrium")
        master.address_format = "us"
        master_id = master.id
        db.session.commit()
    html = customer_editor(client, uid, tab="shops")
    page = follow(client, client.post(f"{CUSTOMERS}assign/", data=dict(form_in(html, f"{CUSTOMERS}assign/"),
                                                                   shop_id=str(master_id))))
    assert "ben.buyer@acme.example is assigned to Atrium Industrial Supply." in flashes(page)
    eu = editor_tab(customer_editor(client, uid, tab="addresses"), "addresses")
    assert "Format: Europe" in eu and "1 Foundry Road 10115 Berlin DE" in eu
    us = editor_tab(customer_editor(client, uid, tab="addresses", shop=master_id), "addresses")
    assert "Format: USA" in us and "1 Foundry Road Berlin, 10115 DE" in us
    gina = editor_tab(customer_editor(client, customer_id(app, "gina.admin@globex.example"), tab="addresses"), "addresses")
    assert "address book for B2B: Billing read-only: customers edit shipping addresses" in gina and "500 Market Street" in gina


def test_a_b2b_customer_cannot_join_a_second_sub_shop(app, login_as):
    client = login_as("admin@atrium.example")
    uid = customer_id(app, "ben.buyer@acme.example")
    with app.app_context():
        us = f.shop("atrium-us").id
    html = customer_editor(client, uid, tab="shops")
    page = follow(client, client.post(f"{CUSTOMERS}assign/", data=dict(form_in(html, f"{CUSTOMERS}assign/"), shop_id=str(us))))
    assert ("A B2B customer belongs to one sub shop; ben.buyer@acme.example is already in Atrium Germany."
            in flashes(page))
    with app.app_context():
        assert len(db.session.get(CompanyUser, uid).shop_assignments) == 1


def test_the_basic_tab_saves_names_and_type_and_ignores_extra_fields(app, login_as):
    client = login_as("admin@atrium.example")
    uid = customer_id(app, "ben.buyer@acme.example")
    with app.app_context():
        globex_id = f.company("Globex").id
    url = f"{CUSTOMERS}edit/?id={uid}"
    data = form_values(customer_editor(client, uid))
    data.update(first_name=" Benjamin ", phone="+49 40 1", customer_type="b2e", company_id=str(globex_id),
                active="n", email="evil@acme.example")
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        ben = db.session.get(CompanyUser, uid)
        assert (ben.first_name, ben.phone, ben.customer_type) == ("Benjamin", "+49 40 1", "b2e")
        assert ben.company.name == "Acme Industrial" and ben.active and ben.email == "ben.buyer@acme.example"
    response = client.post(url, data=dict(data, customer_type="admin"))
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    response = client.post(url, data=dict(data, first_name=" "))
    assert "First and last name are both required." in flashes(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(CompanyUser, uid).first_name == "Benjamin"


def test_deactivating_an_account_from_the_editor(app, login_as):
    client = login_as("admin@atrium.example")
    uid = customer_id(app, "ben.buyer@acme.example")
    data = form_in(customer_editor(client, uid), f"{CUSTOMERS}active/")
    page = follow(client, client.post(f"{CUSTOMERS}active/", data=data))
    assert "ben.buyer@acme.example is deactivated and signed out." in flashes(page)
    assert login(app.test_client(), "ben.buyer@acme.example").status_code == 401


def test_unknown_ids_are_404_and_a_missing_csrf_token_is_refused(app, login_as):
    client = login_as("admin@atrium.example")
    uid = customer_id(app, "ben.buyer@acme.example")
    html = customer_editor(client, uid)
    token = form_values(html)["csrf_token"]
    for action, field in (("b2b", "id"), ("active", "id"), ("assign", "id"), ("attributes", "id"),
                          ("assignment", "assignment_id")):
        assert client.post(f"{CUSTOMERS}{action}/", data={"csrf_token": token, field: "999999"}).status_code == 404
        assert client.post(f"{CUSTOMERS}{action}/", data={"csrf_token": token, field: "x"}).status_code == 404
    response = client.get(f"{CUSTOMERS}edit/?id=999999")
    assert response.status_code in (302, 404)
    response = client.post(f"{CUSTOMERS}active/", data={"id": str(uid), "active": "0"})
    assert response.status_code == 400 and "security token" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CompanyUser, uid).active


def test_a_company_user_cannot_open_the_back_office(app, client):
    assert login(client, "anna.admin@acme.example").status_code == 302
    assert client.get(CUSTOMERS).status_code == 403
    assert client.get(f"{CUSTOMERS}edit/?id={customer_id(app, 'ben.buyer@acme.example')}").status_code == 403


def _grow(app, n: int) -> None:
    """More customers, units, addresses and attribute values; Ben in a second shop with every attribute."""
    with app.app_context():
        definitions = db.session.scalars(select(AttributeDefinition)).all()
        grow_company(f.company("Acme Industrial"), n, tag="many", addresses=True, attributes=definitions)
        ben = f.user("ben.buyer@acme.example")
        ben.attribute_values.extend(AttributeValue(definition=d, value="v") for d in definitions)
        ben.shop_assignments.append(ShopAssignment(shop=f.shop("atrium")))
        db.session.commit()


def test_the_list_and_the_editor_run_a_flat_number_of_statements(app, login_as):
    client = login_as("admin@atrium.example")
    uid = customer_id(app, "ben.buyer@acme.example")
    client.get(f"{CUSTOMERS}edit/?id={uid}")
    with count_queries(app) as small_editor:
        client.get(f"{CUSTOMERS}edit/?id={uid}&tab=addresses")
    with count_queries(app) as small_list:
        client.get(CUSTOMERS)
    _grow(app, 6)
    with count_queries(app) as large_editor:
        html = client.get(f"{CUSTOMERS}edit/?id={uid}&tab=addresses").get_data(as_text=True)
    with count_queries(app) as large_list:
        listing = client.get(CUSTOMERS).get_data(as_text=True)
    assert "5 Dock" in html and "Site many5" in html and "many5@acme.example" in listing
    assert len(large_editor) == len(small_editor), (len(small_editor), len(large_editor))
    assert len(large_list) == len(small_list), (len(small_list), len(large_list))


def test_the_phone_attribute_follows_the_phone_field(app, login_as):
    """The shop's phone attribute repeats the account's Phone: the Attributes tab shows it read-only, and a
    phone changed on the Basic tab is what a search by attribute finds."""
    client = login_as("admin@atrium.example")
    uid = customer_id(app, "ivan@initech.example")
    attributes = editor_tab(customer_editor(client, uid), "attributes")
    assert "+49 89 555 10 (the phone on the Basic tab)" in attributes
    assert 'name="attr-CUSTOMER_PHONE"' not in customer_editor(client, uid)
    data = form_values(customer_editor(client, uid))
    assert client.post(f"{CUSTOMERS}edit/?id={uid}", data=dict(data, phone="+49 30 777")).status_code == 302
    assert _filter(client, "Attribute (KEY=value or value)", "CUSTOMER_PHONE=30 777", "contains") == \
        ["ivan@initech.example"]
    assert _filter(client, "Attribute (KEY=value or value)", "CUSTOMER_PHONE=89 555", "contains") == []


def test_a_search_finds_customers_by_their_companys_name(login_as):
    """Each word of a search matches e-mail, names or the company's name (a subquery, see _apply_search)."""
    client = login_as("admin@atrium.example")
    listing = client.get("/admin/company_users/?search=globex").get_data(as_text=True)
    assert "gina.admin@globex.example" in listing and "ben.buyer@acme.example" not in listing
    both = client.get("/admin/company_users/?search=globex+gina").get_data(as_text=True)
    assert "gina.admin@globex.example" in both and "ben.buyer@acme.example" not in both
