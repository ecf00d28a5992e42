"""The portal's people pages as an account admin drives them: users, company boundaries, the audit log."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from extensions import db
from models.audit import AuditEvent
from models.invitations import Invitation, invite
from models.mail import OutboxMessage
from models.members import assign_roles, create_user
from models.permissions import BuiltinRole
from models.roles import create_role
from models.users import CompanyUser, Role
from tests import factories as f
from tests.conftest import count_queries, csrf_token, login

ANNA, BEN = "anna.admin@acme.example", "ben.buyer@acme.example"


def _post(client, url, data=None):
    token = csrf_token(client.get("/account").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})})


def _text(response) -> str:
    return response.get_data(as_text=True)


def _ids(app, **lookups) -> dict:
    with app.app_context():
        return {name: fn().id for name, fn in lookups.items()}


def _ben(app) -> CompanyUser:
    db.session.expire_all()
    return f.user(BEN)


def _give_carl_people_desk(app) -> None:
    """Carl manages users through a custom role but holds no admin permissions beyond that."""
    with app.app_context():
        anna = f.user(ANNA)
        desk = create_role(anna.company, anna, name="People desk", permissions=["manage_users"])
        assign_roles(f.user("carl.ccm@acme.example"), [f.role("cost_center_manager"), desk], anna)
        db.session.commit()


# --- the user list ---------------------------------------------------------------

def test_user_list_shows_roles_unit_budget_and_status(app, login_as):
    with app.app_context():
        ben = f.user(BEN)
        ben.budget_amount, ben.budget_period = Decimal("2500.00"), "quarterly"
        db.session.commit()
    page = _text(login_as(ANNA).get("/account/users"))
    for shown in ("Ben Buyer", BEN, "Plant North", "Account Admin", "Approver", "2,500.00", "quarterly", "Active"):
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
        query = {**query, "role": _ids(app, role=lambda: f.role(query["role"]))["role"]}
    page = _text(login_as(ANNA).get("/account/users", query_string=query))
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
            create_user(anna.company, anna, email=f"person{n}@acme.example", first_name="Person", last_name=f"{n:02}",
                        roles=[f.role("approver"), f.role("Inquiry desk")], business_unit=units[n % len(units)])
        db.session.commit()
    with count_queries(app) as many:
        page = client.get("/account/users")
    assert page.status_code == 200 and "34 users" in _text(page) and "Page 1 of 2" in _text(page)
    assert len(many) == len(few)
    assert "Person" in _text(client.get("/account/users", query_string={"page": 2}))


# --- create ---------------------------------------------------------------------

def test_create_user_with_roles_and_unit_mails_a_password_link(app, login_as):
    ids = _ids(app, approver=lambda: f.role("approver"), unit=lambda: f.company("Acme Industrial").business_units[0])
    client = login_as(ANNA)
    response = _post(client, "/account/users/new", {
        "email": "Nina.New@Acme.example", "first_name": "Nina", "last_name": "New",
        "roles": [ids["approver"]], "business_unit": ids["unit"],
    })
    assert response.status_code == 302
    page = _text(client.get(response.location))
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
    response = _post(login_as(ANNA), "/account/users/new", {"email": email, "first_name": "X", "last_name": "Y"})
    assert response.status_code == 400
    assert message in _text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(CompanyUser.id))) == users
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == mails


def test_create_user_ignores_extra_fields_and_refuses_foreign_roles(app, login_as):
    with app.app_context():
        gina = f.user("gina.admin@globex.example")
        secret = create_role(gina.company, gina, name="Globex secret", permissions=["purchase"])
        db.session.commit()
        ids = {"globex": gina.company_id, "secret": secret.id}
    client = login_as(ANNA)
    refused = _post(client, "/account/users/new", {
        "email": "x@acme.example", "first_name": "X", "last_name": "Y", "roles": [ids["secret"]]})
    assert refused.status_code == 400 and "Choose from the options shown." in _text(refused)
    created = _post(client, "/account/users/new", {
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
    ids = _ids(app, ben=lambda: f.user(BEN), approver=lambda: f.role("approver"),
               hq=lambda: f.user(ANNA).business_unit)
    client = login_as(ANNA)
    response = _post(client, f"/account/users/{ids['ben']}", {
        "roles": [ids["approver"]], "business_unit": ids["hq"], "budget_amount": "1,500.50",
        "budget_period": "half_yearly", "order_spend_limit": "250"})
    assert response.status_code == 302
    assert "The changes to Ben Buyer are saved." in _text(client.get(response.location))
    with app.app_context():
        ben = _ben(app)
        assert [r.key for r in ben.roles] == ["buyer", "approver"]
        assert ben.business_unit.name == "Headquarters"
        assert (ben.budget_amount, ben.budget_period, ben.order_spend_limit) == (
            Decimal("1500.50"), "half_yearly", Decimal("250.00"))
    form = _text(client.get(f"/account/users/{ids['ben']}"))
    assert 'value="1500.50"' in form and '<option selected value="half_yearly">' in form


def test_buyer_role_is_always_kept(app, login_as):
    ids = _ids(app, alice=lambda: f.user("alice.approver@acme.example"))
    response = _post(login_as(ANNA), f"/account/users/{ids['alice']}", {"business_unit": "0", "budget_period": ""})
    assert response.status_code == 302
    with app.app_context():
        alice = f.user("alice.approver@acme.example")
        assert [r.key for r in alice.roles] == ["buyer"] and alice.business_unit is None


@pytest.mark.parametrize("amount,period,limit,message", [
    ("lots", "monthly", "", "Budget must be an amount such as 1500.00."),
    ("-5", "monthly", "", "Budget must be zero or more and below 10 billion."),
    ("100", "", "", "A budget needs a period."),
    ("100", "fortnightly", "", "Choose from the options shown."),
    ("", "", "NaN", "Order spend limit must be zero or more and below 10 billion."),
    ("1e12", "weekly", "", "Budget must be zero or more and below 10 billion."),
])
def test_bad_budget_input_changes_nothing(app, login_as, amount, period, limit, message):
    ids = _ids(app, ben=lambda: f.user(BEN), approver=lambda: f.role("approver"),
               hq=lambda: f.user(ANNA).business_unit)
    response = _post(login_as(ANNA), f"/account/users/{ids['ben']}", {
        "roles": [ids["approver"]], "business_unit": ids["hq"], "budget_amount": amount,
        "budget_period": period, "order_spend_limit": limit})
    assert response.status_code == 400 and message in _text(response)
    with app.app_context():
        ben = _ben(app)
        assert [r.key for r in ben.roles] == ["buyer"] and ben.business_unit.name == "Plant North"
        assert ben.budget_amount is None and ben.order_spend_limit is None


def test_nobody_grants_a_role_beyond_their_own_permissions(app, client):
    _give_carl_people_desk(app)
    ids = _ids(app, ben=lambda: f.user(BEN), admin=lambda: f.role("account_admin"))
    assert login(client, "carl.ccm@acme.example").status_code == 302
    form = _text(client.get(f"/account/users/{ids['ben']}"))
    assert "Cost Center Manager" in form and "Account Admin" not in form
    response = _post(client, f"/account/users/{ids['ben']}", {"roles": [ids["admin"]], "business_unit": "0"})
    assert response.status_code == 400 and "Choose from the options shown." in _text(response)
    with app.app_context():
        assert [r.key for r in _ben(app).roles] == ["buyer"]


def test_roles_the_editor_cannot_grant_are_kept(app, client):
    _give_carl_people_desk(app)
    ids = _ids(app, anna=lambda: f.user(ANNA), alice=lambda: f.user("alice.approver@acme.example"))
    assert login(client, "carl.ccm@acme.example").status_code == 302
    page = _text(client.get(f"/account/users/{ids['anna']}"))
    assert "has permissions you do not hold: kept" in page
    response = _post(client, f"/account/users/{ids['anna']}", {"business_unit": "0"})
    assert response.status_code == 302
    with app.app_context():
        db.session.expire_all()
        assert f.user(ANNA).has_role(BuiltinRole.ACCOUNT_ADMIN)


# --- activate, deactivate, delete --------------------------------------------------

def test_deactivating_signs_the_user_out_and_activating_lets_them_back(app, login_as):
    ids = _ids(app, ben=lambda: f.user(BEN))
    ben_client = app.test_client()
    assert login(ben_client, BEN).status_code == 302
    assert ben_client.get("/account").status_code == 200
    admin = login_as(ANNA)
    response = _post(admin, f"/account/users/{ids['ben']}/active", {"active": "0"})
    assert response.status_code == 302
    assert "Ben Buyer is deactivated: they cannot sign in and their open sessions have ended." in _text(
        admin.get(response.location))
    signed_out = ben_client.get("/account")
    assert signed_out.status_code == 302 and "/login" in signed_out.location
    refused = login(app.test_client(), BEN)
    assert refused.status_code != 302
    _post(admin, f"/account/users/{ids['ben']}/active", {"active": "1"})
    with app.app_context():
        assert _ben(app).active
    assert ben_client.get("/account").status_code == 302  # the old session stays ended
    assert login(app.test_client(), BEN).status_code == 302


@pytest.mark.parametrize("data", [{"active": "maybe"}, {}])
def test_activation_needs_a_clear_choice(app, login_as, data):
    ids = _ids(app, ben=lambda: f.user(BEN))
    client = login_as(ANNA)
    response = _post(client, f"/account/users/{ids['ben']}/active", data)
    assert "Say whether to activate or deactivate." in _text(client.get(response.location))
    with app.app_context():
        assert _ben(app).active


def test_admin_cannot_deactivate_or_delete_themselves(app, login_as):
    ids = _ids(app, anna=lambda: f.user(ANNA))
    client = login_as(ANNA)
    response = _post(client, f"/account/users/{ids['anna']}/active", {"active": "0"})
    assert "You cannot deactivate your own account." in _text(client.get(response.location))
    response = _post(client, f"/account/users/{ids['anna']}/delete")
    assert "You cannot delete your own account." in _text(client.get(response.location))
    with app.app_context():
        db.session.expire_all()
        assert f.user(ANNA).active


def test_delete_user_removes_them_and_records_it(app, login_as):
    ids = _ids(app, ben=lambda: f.user(BEN))
    client = login_as(ANNA)
    assert 'data-confirm="Delete Ben Buyer for good?' in _text(client.get(f"/account/users/{ids['ben']}"))
    response = _post(client, f"/account/users/{ids['ben']}/delete")
    assert response.location.endswith("/account/users")
    assert "Ben Buyer is deleted." in _text(client.get(response.location))
    with app.app_context():
        assert f.user(BEN) is None
    audit = _text(client.get("/account/audit"))
    assert "<strong>Anna Admin</strong> deleted the user <strong>Ben Buyer</strong>." in audit


# --- another company's rows, buyers, extra fields -------------------------------------

def _globex_rows(app) -> dict:
    with app.app_context():
        gina = f.user("gina.admin@globex.example")
        role = create_role(gina.company, gina, name="Globex desk", permissions=["purchase"])
        invitation = invite(gina.company, gina, "greta@globex.example", f.role("buyer"))
        db.session.commit()
        return {"user": gina.id, "role": role.id, "invitation": invitation.id}


def _snapshot() -> dict:
    db.session.expire_all()
    return {
        "users": [(u.id, u.active, u.company_id, u.budget_amount, u.business_unit_id, tuple(r.id for r in u.roles))
                  for u in db.session.scalars(select(CompanyUser).order_by(CompanyUser.id))],
        "roles": [(r.id, r.name, r.company_id, tuple(sorted(p.value for p in r.permissions)))
                  for r in db.session.scalars(select(Role).order_by(Role.id))],
        "invitations": [(i.id, i.state, i.token_hash, i.company_id)
                        for i in db.session.scalars(select(Invitation).order_by(Invitation.id))],
        "audit": db.session.scalar(select(func.count(AuditEvent.id))),
        "mail": db.session.scalar(select(func.count(OutboxMessage.id))),
    }


def test_admin_of_one_company_gets_404_for_another_companys_rows(app, login_as):
    ids = _globex_rows(app)
    with app.app_context():
        before = _snapshot()
    client = login_as(ANNA)
    full = {"roles": [ids["role"]], "business_unit": "0", "active": "0", "name": "Taken", "permissions": ["purchase"]}
    for method, url in [
        ("GET", f"/account/users/{ids['user']}"), ("POST", f"/account/users/{ids['user']}"),
        ("POST", f"/account/users/{ids['user']}/active"), ("POST", f"/account/users/{ids['user']}/delete"),
        ("POST", f"/account/invitations/{ids['invitation']}/resend"),
        ("POST", f"/account/invitations/{ids['invitation']}/revoke"),
        ("GET", f"/account/roles/{ids['role']}"), ("POST", f"/account/roles/{ids['role']}"),
        ("POST", f"/account/roles/{ids['role']}/delete"),
    ]:
        response = client.get(url) if method == "GET" else _post(client, url, full)
        assert response.status_code == 404, (method, url)
    with app.app_context():
        assert _snapshot() == before


def test_a_buyer_posting_to_admin_forms_gets_403_and_changes_nothing(app, login_as):
    ids = _ids(app, anna=lambda: f.user(ANNA), desk=lambda: f.role("Inquiry desk"),
               invitation=lambda: db.session.scalar(select(Invitation).where(Invitation.email == "dave.new@acme.example")),
               admin=lambda: f.role("account_admin"))
    with app.app_context():
        before = _snapshot()
    client = login_as(BEN)
    assert "/account/users" not in _text(client.get("/account"))
    posts = [
        ("/account/users/new", {"email": "sneaky@acme.example", "first_name": "S", "last_name": "N"}),
        (f"/account/users/{ids['anna']}", {"roles": [ids["admin"]], "business_unit": "0"}),
        (f"/account/users/{ids['anna']}/active", {"active": "0"}),
        (f"/account/users/{ids['anna']}/delete", {}),
        ("/account/invitations", {"email": "sneaky@acme.example", "role": ids["admin"], "send_invitation": "1"}),
        (f"/account/invitations/{ids['invitation']}/resend", {}),
        (f"/account/invitations/{ids['invitation']}/revoke", {}),
        ("/account/roles/new", {"name": "Mine", "permissions": ["manage_users"]}),
        (f"/account/roles/{ids['desk']}", {"name": "Mine", "permissions": ["manage_users"]}),
        (f"/account/roles/{ids['desk']}/delete", {}),
    ]
    for url, data in posts:
        assert _post(client, url, data).status_code == 403, url
    for url in ("/account/users", "/account/invitations", "/account/roles", "/account/audit"):
        assert client.get(url).status_code == 403, url
    with app.app_context():
        assert _snapshot() == before


def test_extra_fields_on_the_edit_form_change_nothing_outside_the_company(app, login_as):
    ids = _globex_rows(app)
    ben_id = _ids(app, ben=lambda: f.user(BEN))["ben"]
    with app.app_context():
        gina_company = f.user("gina.admin@globex.example").company_id
        before = _snapshot()
    client = login_as(ANNA)
    response = _post(client, f"/account/users/{ben_id}", {
        "business_unit": "0", "company_id": gina_company, "email": "ben@globex.example", "active": "0",
        "session_version": "99", "state": "inactive", "roles": [ids["role"]]})
    assert response.status_code == 400 and "Choose from the options shown." in _text(response)
    response = _post(client, f"/account/users/{ben_id}", {
        "business_unit": "0", "company_id": gina_company, "email": "ben@globex.example", "active": "0"})
    assert response.status_code == 302
    with app.app_context():
        ben = _ben(app)
        assert (ben.company_id, ben.email, ben.active, ben.business_unit_id) != (gina_company, "ben@globex.example",
                                                                                  False, 1)
        assert ben.company.name == "Acme Industrial" and ben.email == BEN and ben.active
        after = _snapshot()
        assert after["roles"] == before["roles"] and after["invitations"] == before["invitations"]
        assert [u for u in after["users"] if u[2] == gina_company] == [u for u in before["users"] if u[2] == gina_company]


# --- the audit log ------------------------------------------------------------------

def test_audit_log_shows_readable_entries_of_the_company_only(app, login_as):
    _globex_rows(app)
    ids = _ids(app, ben=lambda: f.user(BEN), approver=lambda: f.role("approver"))
    client = login_as(ANNA)
    _post(client, f"/account/users/{ids['ben']}", {"roles": [ids["approver"]], "business_unit": "0",
                                                   "budget_amount": "900", "budget_period": "weekly"})
    page = _text(client.get("/account/audit"))
    assert "<strong>Anna Admin</strong> changed the roles of <strong>Ben Buyer</strong>: Buyer → Buyer, Approver." in page
    assert "changed the budget of <strong>Ben Buyer</strong>: budget none, order limit none → budget 900.00 weekly" in page
    assert "moved <strong>Ben Buyer</strong> from Plant North to no business unit." in page
    assert "Globex desk" not in page and "greta@globex.example" not in page
    assert page.index("changed the roles") < page.index("invited <strong>dave.new@acme.example</strong> as Buyer.")


@pytest.mark.parametrize("query,shown,hidden", [
    ({"kind": "invitation"}, ["invited <strong>dave.new@acme.example</strong>"], ["Inquiry desk"]),
    ({"kind": "role"}, ["Inquiry desk"], ["dave.new@acme.example"]),
    ({"q": "dave"}, ["dave.new@acme.example"], ["Inquiry desk"]),
    ({"q": "nobody-at-all"}, ["No entries match these filters."], ["dave.new"]),
])
def test_audit_log_filters(app, login_as, query, shown, hidden):
    page = _text(login_as(ANNA).get("/account/audit", query_string=query))
    assert all(text in page for text in shown) and not any(text in page for text in hidden)


def test_audit_log_pages(app, login_as):
    with app.app_context():
        anna = f.user(ANNA)
        for n in range(30):
            create_role(anna.company, anna, name=f"Role {n:02}", permissions=["purchase"])
        db.session.commit()
    client = login_as(ANNA)
    first = _text(client.get("/account/audit"))
    assert "Page 1 of 2" in first and "32 entries" in first and "Role 29" in first
    second = _text(client.get("/account/audit", query_string={"page": 2}))
    assert "Inquiry desk" in second and "Role 29" not in second
