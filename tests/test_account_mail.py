"""People hear about changes to their account and company: each change writes one mail to the outbox."""
from __future__ import annotations

from decimal import Decimal

import pytest

from extensions import db
from models.base import NotPermitted
from models.companies import CompanyStatus, set_company_status
from models.members import assign_roles, set_budget, set_user_active
from tests import factories as f
from tests.helpers import csrf_token, login, outbox


def test_deactivation_in_the_portal_mails_the_user_and_reactivation_too(app, client):
    with app.app_context():
        ben_id = f.user("ben.buyer@acme.example").id
    login(client, "anna.admin@acme.example")
    for active in ("0", "1"):
        page = client.get(f"/account/users/{ben_id}")
        client.post(f"/account/users/{ben_id}/active",
                    data={"active": active, "csrf_token": csrf_token(page.get_data(as_text=True))})
    with app.app_context():
        mail = outbox("ben.buyer@acme.example")
        assert [m.subject for m in mail] == [
            "Your Atrium account is deactivated", "Your Atrium account is active again"]
        assert "deactivated by Anna Admin" in mail[0].body_text
        assert "/login" in mail[1].body_text


def test_role_and_budget_changes_are_mailed_to_the_user_not_to_the_actor_themself(app):
    with app.app_context():
        anna, ben = f.user("anna.admin@acme.example"), f.user("ben.buyer@acme.example")
        assign_roles(ben, [f.role("approver")], actor=f.actor(anna))
        set_budget(ben, actor=f.actor(anna), budget_amount=Decimal("1500.00"), budget_period="monthly",
                   order_spend_limit=Decimal("250"))
        set_budget(anna, actor=f.actor(anna), budget_amount=Decimal("9000"), budget_period="yearly",
                   order_spend_limit=None)
        db.session.flush()
        bodies = [m.body_text for m in outbox("ben.buyer@acme.example")]
        assert len(bodies) == 2
        assert "Your roles are now Buyer, Approver (before: Buyer)." in bodies[0]
        # Acme is in Atrium Germany: amounts as a German reader writes them
        assert "Budget: 1.500,00\xa0€ monthly." in bodies[1] and "Order spend limit: 250,00\xa0€." in bodies[1]
        assert outbox("anna.admin@acme.example") == []


def test_company_deactivation_mails_its_account_admins_and_only_staff_may_do_it(app):
    with app.app_context():
        acme, admin = f.company("Acme Industrial"), f.staff("admin@atrium.example")
        with pytest.raises(NotPermitted):
            set_company_status(acme, CompanyStatus.INACTIVE, actor=f.actor(f.user("anna.admin@acme.example")))
        set_company_status(acme, CompanyStatus.INACTIVE, actor=f.actor(admin))
        db.session.flush()
        assert [m.subject for m in outbox("anna.admin@acme.example")] == ["Acme Industrial is deactivated in Atrium"]
        assert outbox("ben.buyer@acme.example") == []


def test_a_refused_deactivation_writes_no_mail(app):
    with app.app_context():
        ben = f.user("ben.buyer@acme.example")
        with pytest.raises(NotPermitted):
            set_user_active(f.user("anna.admin@acme.example"), False, actor=f.actor(ben))
        db.session.flush()
        assert outbox("anna.admin@acme.example") == []
