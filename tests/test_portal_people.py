"""The portal's people pages as an account admin drives them: the user list, create, edit, activate, delete."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from extensions import db
from models.mail import OutboxMessage
from models.members import create_user
from models.roles import create_role
from models.users import CompanyUser
from tests import factories as f
from tests.helpers import count_queries, login
from tests.portal_pages import ANNA, fresh_user, give_carl_people_desk, ids_of, page_html, post_from_account

BEN = "ben.buyer@acme.example"


# --- the user list ---------------------------------------------------------------

def test_user_list_shows_roles_unit_budget_and_status(app, login_as):
    with app.app_context():
        ben = f.user(BEN)
        ben.budget_amount, ben.budget_period = Decimal("2500.00"), "quarterly"
        db.session.commit()
    page = page_html(login_as(ANNA).get("/account/users"))
    for shown in ("Ben Buyer", BEN, "Plant North", "Account Admin", "Approver", "2.500,00\xa0€", "quarterly", "Active"):
        assert shown in page
    assert "gina.admin@globex.example" not in page
    assert "4 users" in page


@pytest.mark.parametrize("query,shown,hidden", [
    ({"q": "ben"}, [BEN], ["alice.approver@", ANNA]),
    ({"q": "APPROVER@acme"}, ["alice.approver@"], [BEN]),
    ({"q": "Anna Admin"}, [ANNA], [BEN]),
    ({"q": "%"}, ["No users match these filters"], [BEN]),
    ({"status": "inactive"}, ["No users match these filters"], [BEN]),
    ({"status": "active", "role": "approver"}, ["alice.approver@"], [BEN, "carl.ccm@"]),
])
def test_user_list_search_and_filters(app, login_as, query, shown, hidden):
    if "role" in query:
        query = {**query, "role": ids_of(app, role=lambda: f.role(query["role"]))["role"]}
    page = page_html(login_as(ANNA).get("/account/users", query_string=query))
    assert all(text in page for text in shown)
    assert not any(text in page for text in hidden)


def test_user_list_costs_the_same_queries_for_many_rows(app, login_as):
    client = login_as(ANNA)
    client.get("/account/users")
    with count_queries(app) as few:
        assert client.get("/account/users").status_code == 200
    with app.app_context():
        anna = f.user(ANNA)
        units = anna.company.business_units
        for n in range(30):
            create_user(anna.company, actor=f.actor(anna), email=f"person{n}@acme.example", first_name="Person", last_name=f"{n:02}",
                        roles=[f.role("approver"), f.role("Inquiry desk")], business_unit=units[n % len(units)])
        db.session.commit()
    with count_queries(app) as many:
        page = client.get("/account/users")
    assert page.status_code == 200 and "34 users" in page_html(page) and "Page 1 of 2" in page_html(page)
    assert len(many) == len(few)
    assert "Person" in page_html(client.get("/account/users", query_string={"page": 2}))


# --- create ---------------------------------------------------------------------

def test_create_user_with_roles_and_unit_mails_a_password_link(app, login_as):
    ids = ids_of(app, approver=lambda: f.role("approver"), unit=lambda: f.company("Acme Industrial").business_units[0])
    client = login_as(ANNA)
    response = post_from_account(client, "/account/users/new", {
        "email": "Nina.New@Acme.example", "first_name": "Nina", "last_name": "New",
        "roles": [ids["approver"]], "business_unit": ids["unit"],
    })
    assert response.status_code == 302
    page = page_html(client.get(response.location))
    assert "Nina New is added. We sent nina.new@acme.example a link to set a password." in page
    with app.app_context():
        nina = f.user("nina.new@acme.example")
        assert nina.company.name == "Acme Industrial" and nina.business_unit_id == ids["unit"]
        assert [r.key for r in nina.roles] == ["buyer", "approver"]
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == nina.email))
        assert mail.template == "account_created" and "/password-reset/" in mail.body_text


@pytest.mark.parametrize("email,message", [
    (BEN, "ben.buyer@acme.example is already a member of Acme Industrial."),
    ("BEN.BUYER@acme.example ", "ben.buyer@acme.example is already a member of Acme Industrial."),
    ("gina.admin@globex.example", "already has an Atrium account with another company."),
    ("not-an-address", "is not a valid e-mail address."),
    ("", "Enter an e-mail address."),
])
def test_create_user_refuses_taken_or_bad_addresses(app, login_as, email, message):
    with app.app_context():
        users, mails = db.session.scalar(select(func.count(CompanyUser.id))), db.session.scalar(
            select(func.count(OutboxMessage.id)))
    response = post_from_account(login_as(ANNA), "/account/users/new", {"email": email, "first_name": "X", "last_name": "Y"})
    assert response.status_code == 400
    assert message in page_html(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(CompanyUser.id))) == users
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == mails


def test_create_user_ignores_extra_fields_and_refuses_foreign_roles(app, login_as):
    with app.app_context():
        gina = f.user("gina.admin@globex.example")
        secret = create_role(gina.company, actor=f.actor(gina), name="Globex secret", permissions=["purchase"])
        db.session.commit()
        ids = {"globex": gina.company_id, "secret": secret.id}
    client = login_as(ANNA)
    refused = post_from_account(client, "/account/users/new", {
        "email": "x@acme.example", "first_name": "X", "last_name": "Y", "roles": [ids["secret"]]})
    assert refused.status_code == 400 and "Choose from the options shown." in page_html(refused)
    created = post_from_account(client, "/account/users/new", {
        "email": "y@acme.example", "first_name": "Y", "last_name": "Z", "company_id": ids["globex"],
        "active": "0", "state": "inactive", "budget_amount": "99"})
    assert created.status_code == 302
    with app.app_context():
        assert f.user("x@acme.example") is None
        y = f.user("y@acme.example")
        assert y.company.name == "Acme Industrial" and y.active and y.budget_amount is None
        assert [r.key for r in y.roles] == ["buyer"]


# --- edit: roles, business unit, budget ------------------------------------------------

def test_edit_user_saves_roles_unit_budget_and_limit(app, login_as):
    ids = ids_of(app, ben=lambda: f.user(BEN), approver=lambda: f.role("approver"),
                 hq=lambda: f.user(ANNA).business_unit)
    client = login_as(ANNA)
    response = post_from_account(client, f"/account/users/{ids['ben']}", {
        "roles": [ids["approver"]], "business_unit": ids["hq"], "budget_amount": "1.500,50",
        "budget_period": "half_yearly", "order_spend_limit": "250"})  # Acme's shop is German
    assert response.status_code == 302
    assert "The changes to Ben Buyer are saved." in page_html(client.get(response.location))
    with app.app_context():
        ben = fresh_user(BEN)
        assert [r.key for r in ben.roles] == ["buyer", "approver"]
        assert ben.business_unit.name == "Headquarters"
        assert (ben.budget_amount, ben.budget_period, ben.order_spend_limit) == (
            Decimal("1500.50"), "half_yearly", Decimal("250.00"))
    form = page_html(client.get(f"/account/users/{ids['ben']}"))
    assert 'value="1500,50"' in form and '<option selected value="half_yearly">' in form


def test_buyer_role_is_always_kept(app, login_as):
    ids = ids_of(app, alice=lambda: f.user("alice.approver@acme.example"))
    response = post_from_account(login_as(ANNA), f"/account/users/{ids['alice']}", {"business_unit": "0", "budget_period": ""})
    assert response.status_code == 302
    with app.app_context():
        alice = f.user("alice.approver@acme.example")
        assert [r.key for r in alice.roles] == ["buyer"] and alice.business_unit is None


@pytest.mark.parametrize("amount,period,limit,message", [
    ("lots", "monthly", "", "The budget: “lots” is not an amount; write it like 1.500,50 (“,” before the decimals)."),
    ("-5", "monthly", "", "The budget must be zero or more."),
    ("1,500.50", "monthly", "", "The budget: “1,500.50” is not written as amounts are here; write it like 1.500,50"),
    ("1,500", "monthly", "", "The budget: “1,500” has 3 decimal places, but EUR amounts have 2"),
    ("100", "", "", "A budget needs a period."),
    ("100", "fortnightly", "", "Choose from the options shown."),
    ("", "", "NaN", "The order spend limit: “NaN” is not an amount; write it like 1.500,50"),
    ("1e12", "weekly", "", "The budget: “1e12” is not an amount; write it like 1.500,50"),
    ("12.000.000.000", "weekly", "", "The budget must be zero or more and below 10 billion."),
])
def test_bad_budget_input_changes_nothing(app, login_as, amount, period, limit, message):
    ids = ids_of(app, ben=lambda: f.user(BEN), approver=lambda: f.role("approver"),
                 hq=lambda: f.user(ANNA).business_unit)
    response = post_from_account(login_as(ANNA), f"/account/users/{ids['ben']}", {
        "roles": [ids["approver"]], "business_unit": ids["hq"], "budget_amount": amount,
        "budget_period": period, "order_spend_limit": limit})
    assert response.status_code == 400 and message in page_html(response)
    with app.app_context():
        ben = fresh_user(BEN)
        assert [r.key for r in ben.roles] == ["buyer"] and ben.business_unit.name == "Plant North"
        assert ben.budget_amount is None and ben.order_spend_limit is None


def test_nobody_grants_a_role_beyond_their_own_permissions(app, client):
    give_carl_people_desk(app)
    ids = ids_of(app, ben=lambda: f.user(BEN), admin=lambda: f.role("account_admin"))
    assert login(client, "carl.ccm@acme.example").status_code == 302
    form = page_html(client.get(f"/account/users/{ids['ben']}"))
    assert "Cost Center Manager" in form and "Account Admin" not in form
    response = post_from_account(client, f"/account/users/{ids['ben']}", {"roles": [ids["admin"]], "business_unit": "0"})
    assert response.status_code == 400 and "Choose from the options shown." in page_html(response)
    with app.app_context():
        assert [r.key for r in fresh_user(BEN).roles] == ["buyer"]


# --- activate, deactivate, delete --------------------------------------------------

def test_deactivating_signs_the_user_out_and_activating_lets_them_back(app, login_as):
    ids = ids_of(app, ben=lambda: f.user(BEN))
    ben_client = app.test_client()
    assert login(ben_client, BEN).status_code == 302
    assert ben_client.get("/account").status_code == 200
    admin = login_as(ANNA)
    response = post_from_account(admin, f"/account/users/{ids['ben']}/active", {"active": "0"})
    assert response.status_code == 302
    assert "Ben Buyer is deactivated: they cannot sign in and their open sessions have ended." in page_html(
        admin.get(response.location))
    signed_out = ben_client.get("/account")
    assert signed_out.status_code == 302 and "/login" in signed_out.location
    refused = login(app.test_client(), BEN)
    assert refused.status_code != 302
    post_from_account(admin, f"/account/users/{ids['ben']}/active", {"active": "1"})
    with app.app_context():
        assert fresh_user(BEN).active
    assert ben_client.get("/account").status_code == 302  # the old session stays ended
    assert login(app.test_client(), BEN).status_code == 302


@pytest.mark.parametrize("data", [{"active": "maybe"}, {}])
def test_activation_needs_a_clear_choice(app, login_as, data):
    ids = ids_of(app, ben=lambda: f.user(BEN))
    client = login_as(ANNA)
    response = post_from_account(client, f"/account/users/{ids['ben']}/active", data)
    assert "Say whether to activate or deactivate." in page_html(client.get(response.location))
    with app.app_context():
        assert fresh_user(BEN).active


def test_admin_cannot_deactivate_or_delete_themselves(app, login_as):
    ids = ids_of(app, anna=lambda: f.user(ANNA))
    client = login_as(ANNA)
    response = post_from_account(client, f"/account/users/{ids['anna']}/active", {"active": "0"})
    assert "You cannot deactivate your own account." in page_html(client.get(response.location))
    response = post_from_account(client, f"/account/users/{ids['anna']}/delete")
    assert "You cannot delete your own account." in page_html(client.get(response.location))
    with app.app_context():
        db.session.expire_all()
        assert f.user(ANNA).active


def test_delete_user_removes_them_and_records_it(app, login_as):
    ids = ids_of(app, ben=lambda: f.user(BEN))
    client = login_as(ANNA)
    assert 'data-confirm="Delete Ben Buyer for good?' in page_html(client.get(f"/account/users/{ids['ben']}"))
    response = post_from_account(client, f"/account/users/{ids['ben']}/delete")
    assert response.location.endswith("/account/users")
    assert "Ben Buyer is deleted." in page_html(client.get(response.location))
    with app.app_context():
        assert f.user(BEN) is None
    audit = page_html(client.get("/account/audit"))
    assert "<strong>Anna Admin</strong> deleted the user <strong>Ben Buyer</strong>." in audit
