"""Customer access in the back office: enabling and disabling shop assignments, bulk actions on accounts."""
from __future__ import annotations

from extensions import db
from models.users import CompanyUser
from tests import factories as f
from tests.backoffice_forms import CUSTOMERS, customer_editor, customer_id, editor_tab, follow, form_in, form_values
from tests.helpers import flashes, login, outbox


def test_enabling_a_shop_assignment_mails_the_customer_and_lets_them_sign_in(app, login_as):
    client = login_as("admin@atrium.example")
    uid = customer_id(app, "ivan@initech.example")
    refused = login(app.test_client(), "ivan@initech.example")
    assert refused.status_code == 401 and "waiting for approval" in refused.get_data(as_text=True)
    html = customer_editor(client, uid, tab="shops")
    data = form_in(html, f"{CUSTOMERS}assignment/", 'value="1"')
    page = follow(client, client.post(f"{CUSTOMERS}assignment/", data=data))
    assert "ivan@initech.example is enabled in Atrium Germany; the customer was told by mail." in flashes(page)
    assert "Assigned Atrium Germany (atrium-de) Disable" in editor_tab(page, "shops")
    with app.app_context():
        mail = outbox("ivan@initech.example", "shop_enabled")
        assert len(mail) == 1 and mail[0].subject == "Your account for Atrium Germany is active"
    assert login(app.test_client(), "ivan@initech.example").status_code == 302
    page = follow(client, client.post(f"{CUSTOMERS}assignment/", data=data))  # a second click
    assert "ivan@initech.example was already enabled in Atrium Germany; no mail sent." in flashes(page)
    with app.app_context():
        assert len(outbox("ivan@initech.example", "shop_enabled")) == 1


def test_disabling_a_shop_assignment_mails_the_customer_and_refuses_sign_in(app, login_as):
    buyer = app.test_client()
    assert login(buyer, "ben.buyer@acme.example").status_code == 302
    client = login_as("support@atrium.example")
    html = customer_editor(client, customer_id(app, "ben.buyer@acme.example"), tab="shops")
    page = follow(client, client.post(f"{CUSTOMERS}assignment/", data=form_in(html, f"{CUSTOMERS}assignment/", 'value="0"')))
    assert "ben.buyer@acme.example is disabled in Atrium Germany; the customer was told by mail." in flashes(page)
    with app.app_context():
        assert len(outbox("ben.buyer@acme.example", "shop_disabled")) == 1
    assert buyer.get("/").status_code == 302  # the live session ends
    refused = login(app.test_client(), "ben.buyer@acme.example")
    assert refused.status_code == 401 and "disabled for this shop" in refused.get_data(as_text=True)


def _bulk(client, action: str, ids: list[int]):
    token = form_values(client.get(CUSTOMERS).get_data(as_text=True), f"{CUSTOMERS}action/")["csrf_token"]
    return follow(client, client.post(f"{CUSTOMERS}action/", data={"csrf_token": token, "action": action,
                                                               "rowid": [str(i) for i in ids]}))


def test_bulk_disable_and_enable_shop_access_mails_each_customer(app, login_as):
    client = login_as("admin@atrium.example")
    ids = [customer_id(app, e) for e in ("ben.buyer@acme.example", "carl.ccm@acme.example", "ivan@initech.example")]
    page = _bulk(client, "disable_shops", ids)
    assert "2 shop assignment(s) disabled; each customer was told by mail." in flashes(page)
    with app.app_context():
        assert {a.state for i in ids for a in db.session.get(CompanyUser, i).shop_assignments} == {"disabled"}
        assert [len(outbox(e, "shop_disabled")) for e in ("ben.buyer@acme.example", "carl.ccm@acme.example",
                                                           "ivan@initech.example")] == [1, 1, 0]
    assert login(app.test_client(), "carl.ccm@acme.example").status_code == 401
    page = _bulk(client, "enable_shops", ids)
    assert "3 shop assignment(s) enabled; each customer was told by mail." in flashes(page)
    page = _bulk(client, "enable_shops", ids)
    assert "Nothing to change: the selected customers' shop assignments were already enabled." in flashes(page)
    assert login(app.test_client(), "carl.ccm@acme.example").status_code == 302


def test_bulk_activate_and_deactivate_accounts(app, login_as):
    client = login_as("admin@atrium.example")
    ids = [customer_id(app, "ben.buyer@acme.example"), customer_id(app, "carl.ccm@acme.example")]
    assert "2 users deactivated." in flashes(_bulk(client, "deactivate", ids))
    assert login(app.test_client(), "ben.buyer@acme.example").status_code == 401
    assert "2 users activated." in flashes(_bulk(client, "activate", ids))
    assert login(app.test_client(), "ben.buyer@acme.example").status_code == 302


def test_the_last_account_admin_cannot_be_deleted_in_bulk(app, login_as):
    client = login_as("admin@atrium.example")
    page = _bulk(client, "delete", [customer_id(app, "gina.admin@globex.example")])
    assert any("Globex needs at least one active Account Admin: make someone else an Account Admin first." in m for m in flashes(page))
    with app.app_context():
        assert f.user("gina.admin@globex.example") is not None


def test_deactivating_every_account_admin_of_a_company_at_once_is_refused(app, login_as):
    """Two Account Admins of Acme selected together: either alone could go, both cannot. Nothing changes."""
    from models.users import builtin_roles

    with app.app_context():
        ben = f.user("ben.buyer@acme.example")
        ben.roles.append(builtin_roles()["account_admin"])
        db.session.commit()
    client = login_as("admin@atrium.example")
    ids = [customer_id(app, e) for e in ("anna.admin@acme.example", "ben.buyer@acme.example",
                                         "carl.ccm@acme.example")]
    page = _bulk(client, "deactivate", ids)
    assert ("Acme Industrial needs at least one active Account Admin: make someone else an Account Admin first."
            in flashes(page))
    with app.app_context():
        assert all(db.session.get(CompanyUser, i).active for i in ids)
        assert outbox("carl.ccm@acme.example", "account_status") == []
    assert "2 users deactivated." in flashes(_bulk(client, "deactivate", ids[1:]))  # Anna stays: allowed
    assert "Acme Industrial needs at least one active Account Admin" in " ".join(
        flashes(_bulk(client, "deactivate", ids[:1])))  # and Anna alone is now the last one
    assert "1 user activated." in flashes(_bulk(client, "activate", ids[1:2]))


def test_bulk_actions_cost_the_same_statements_for_three_customers_or_thirty(app, login_as):
    """Set-based: the rows, one update, one audit insert, one outbox insert, whatever the selection, and
    whichever companies the customers belong to (three of one company, or twenty-seven of two)."""
    from sqlalchemy import select

    from models.audit import AuditEvent
    from tests.helpers import count_queries, grow_company

    with app.app_context():
        grow_company(f.company("Acme Industrial"), 15, tag="bulk")
        grow_company(f.company("Globex"), 15, tag="bulk")
        db.session.commit()
        people = db.session.scalars(select(CompanyUser.id).where(CompanyUser.email.like("bulk%"))
                                    .order_by(CompanyUser.id)).all()
    client = login_as("admin@atrium.example")
    _bulk(client, "activate", people[:1])  # the page and its token are warm
    costs = {}
    for action, verb in (("deactivate", "deactivated"), ("disable_shops", "disabled")):
        for name, ids in (("few", people[:3]), ("many", people[3:])):
            token = form_values(client.get(CUSTOMERS).get_data(as_text=True), f"{CUSTOMERS}action/")["csrf_token"]
            with count_queries(app) as statements:
                client.post(f"{CUSTOMERS}action/", data={"csrf_token": token, "action": action,
                                                         "rowid": [str(i) for i in ids]})
            costs[action, name] = len(statements)
            assert verb in " ".join(flashes(client.get(CUSTOMERS).get_data(as_text=True)))
    assert costs["deactivate", "few"] == costs["deactivate", "many"], costs
    assert costs["disable_shops", "few"] == costs["disable_shops", "many"], costs
    with app.app_context():
        assert db.session.scalar(select(db.func.count(AuditEvent.id)).where(
            AuditEvent.action == "user.deactivated", AuditEvent.target_id.in_(people))) == 30
        assert not any(db.session.get(CompanyUser, i).active for i in people)
        assert all(len(outbox(f"bulk{n}@{domain}.example", "account_status")) == 1
                   for n in range(15) for domain in ("acme", "globex"))
