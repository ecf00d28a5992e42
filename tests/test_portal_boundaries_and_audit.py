"""What an account admin cannot reach in the portal (another company's rows, admin forms as a buyer, extra
fields) and the company's audit log."""
import html
import re

import pytest
from sqlalchemy import func, select

from extensions import db
from models.audit import AuditEvent
from models.invitations import Invitation, invite
from models.mail import OutboxMessage
from models.roles import create_role
from models.users import CompanyUser, Role
from tests import factories as f
from tests.portal_pages import ANNA, fresh_user, ids_of, page_html, post_from_account

BEN = "ben.buyer@acme.example"


# --- another company's rows, buyers, extra fields -------------------------------------

def _globex_rows(app) -> dict:
    with app.app_context():
        gina = f.user("gina.admin@globex.example")
        role = create_role(gina.company, actor=f.actor(gina), name="Globex desk", permissions=["purchase"])
        invitation = invite(gina.company, "greta@globex.example", f.role("buyer"), actor=f.actor(gina))
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
        response = client.get(url) if method == "GET" else post_from_account(client, url, full)
        assert response.status_code == 404, (method, url)
    with app.app_context():
        assert _snapshot() == before


def test_a_buyer_posting_to_admin_forms_gets_403_and_changes_nothing(app, login_as):
    ids = ids_of(app, anna=lambda: f.user(ANNA), desk=lambda: f.role("Inquiry desk"),
                 invitation=lambda: db.session.scalar(select(Invitation).where(Invitation.email == "dave.new@acme.example")),
               admin=lambda: f.role("account_admin"))
    with app.app_context():
        before = _snapshot()
    client = login_as(BEN)
    assert "/account/users" not in page_html(client.get("/account"))
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
        assert post_from_account(client, url, data).status_code == 403, url
    for url in ("/account/users", "/account/invitations", "/account/roles", "/account/audit"):
        assert client.get(url).status_code == 403, url
    with app.app_context():
        assert _snapshot() == before


def test_extra_fields_on_the_edit_form_change_nothing_outside_the_company(app, login_as):
    ids = _globex_rows(app)
    ben_id = ids_of(app, ben=lambda: f.user(BEN))["ben"]
    with app.app_context():
        gina_company = f.user("gina.admin@globex.example").company_id
        before = _snapshot()
    client = login_as(ANNA)
    response = post_from_account(client, f"/account/users/{ben_id}", {
        "business_unit": "0", "company_id": gina_company, "email": "ben@globex.example", "active": "0",
        "session_version": "99", "state": "inactive", "roles": [ids["role"]]})
    assert response.status_code == 400 and "Choose from the options shown." in page_html(response)
    response = post_from_account(client, f"/account/users/{ben_id}", {
        "business_unit": "0", "company_id": gina_company, "email": "ben@globex.example", "active": "0"})
    assert response.status_code == 302
    with app.app_context():
        ben = fresh_user(BEN)
        assert (ben.company_id, ben.email, ben.active, ben.business_unit_id) != (gina_company, "ben@globex.example",
                                                                                  False, 1)
        assert ben.company.name == "Acme Industrial" and ben.email == BEN and ben.active
        after = _snapshot()
        assert after["roles"] == before["roles"] and after["invitations"] == before["invitations"]
        assert [u for u in after["users"] if u[2] == gina_company] == [u for u in before["users"] if u[2] == gina_company]


# --- the audit log ------------------------------------------------------------------

def test_audit_log_shows_readable_entries_of_the_company_only(app, login_as):
    _globex_rows(app)
    ids = ids_of(app, ben=lambda: f.user(BEN), approver=lambda: f.role("approver"))
    client = login_as(ANNA)
    post_from_account(client, f"/account/users/{ids['ben']}", {"roles": [ids["approver"]], "business_unit": "0",
                                                "budget_amount": "900", "budget_period": "weekly"})
    page = page_html(client.get("/account/audit"))
    assert "<strong>Anna Admin</strong> changed the roles of <strong>Ben Buyer</strong>: Buyer → Buyer, Approver." in page
    assert ("changed the budget of <strong>Ben Buyer</strong>: budget none, order limit none → "
            "budget 900,00\xa0€ weekly") in page  # Acme's shop is German
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
    page = page_html(login_as(ANNA).get("/account/audit", query_string=query))
    assert all(text in page for text in shown) and not any(text in page for text in hidden)


def test_audit_log_pages(app, login_as):
    with app.app_context():
        anna = f.user(ANNA)
        for n in range(30):
            create_role(anna.company, actor=f.actor(anna), name=f"Role {n:02}", permissions=["purchase"])
        db.session.commit()
    client = login_as(ANNA)
    first = client.get("/account/audit").get_data(as_text=True)
    assert "Role 29" in first and "Role 05" in first and "Role 04" not in first  # the newest 25
    older = re.search(r'href="(/account/audit\?older=[^"]+)">Older</a>', first).group(1)
    assert 'aria-disabled="true" tabindex="-1">Newer</a>' in first
    second = client.get(html.unescape(older)).get_data(as_text=True)
    assert "Inquiry desk" in second and "Role 04" in second and "Role 05" not in second
    assert 'aria-disabled="true" tabindex="-1">Older</a>' in second  # the oldest entry is here
    newer = re.search(r'href="(/account/audit\?newer=[^"]+)">Newer</a>', second).group(1)
    back = client.get(html.unescape(newer)).get_data(as_text=True)
    assert "Role 05" in back and "Role 29" in back and "Role 04" not in back  # the same newest page again
    assert "Role 29" in client.get("/account/audit?kind=role").get_data(as_text=True)


BAD_POSITIONS = ["", "abc", "1-", "-5", "1-99999999999", "1.5-2", "x" * 500]


@pytest.mark.parametrize("direction,cursor", [(d, c) for c in BAD_POSITIONS for d in ("older", "newer")] + [
    ("older", "0-0"), ("newer", "99999999999999999-1")])  # and past either end of the log
def test_a_bad_audit_log_position_shows_the_newest_entries(login_as, direction, cursor):
    client = login_as(ANNA)
    newest = client.get("/account/audit").get_data(as_text=True)
    response = client.get("/account/audit", query_string={direction: cursor})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.findall(r"<time[^>]*>", page) == re.findall(r"<time[^>]*>", newest), (direction, cursor)
    assert len(re.findall(r"<time[^>]*>", page)) > 0
