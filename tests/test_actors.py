"""The actor: one value for who acts, including an agent acting for a customer."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from extensions import db
from models.actors import SYSTEM, VISITOR, Actor
from models.audit import AuditEvent
from models.base import NotPermitted
from models.members import set_budget, set_user_active
from models.permissions import Perm, StaffPerm
from tests import factories as f


def test_a_company_user_acts_inside_their_company_with_their_roles(app):
    with app.app_context():
        anna, ben = f.actor("anna.admin@acme.example"), f.actor("ben.buyer@acme.example")
        assert anna.company_id == ben.company_id == f.company("Acme Industrial").id
        assert anna.can(Perm.MANAGE_USERS) and not ben.can(Perm.MANAGE_USERS)
        assert not anna.can(StaffPerm.MANAGE_COMPANIES)
        assert anna.acts_as_customer and not anna.acts_as_staff
        assert anna.customer_id == f.user("anna.admin@acme.example").id


def test_staff_hold_staff_permissions_only(app):
    with app.app_context():
        support = f.actor("support@atrium.example")
        assert support.can(StaffPerm.MANAGE_CUSTOMERS) and not support.can(StaffPerm.MANAGE_STAFF)
        assert not support.can(Perm.PURCHASE) and support.company_id is None


def test_an_agent_has_the_customers_powers_and_none_of_their_own_staff_powers(app):
    with app.app_context():
        rita, ben = f.actor("agent@atrium.example"), f.actor("ben.buyer@acme.example")
        agent = rita.emulating(ben)
        assert agent.company_id == ben.company_id and agent.business_unit_id == ben.business_unit_id
        assert agent.can(Perm.PURCHASE) and not agent.can(Perm.MANAGE_USERS)
        assert not agent.can(StaffPerm.MANAGE_CUSTOMERS)  # staff powers stay in the back office
        assert agent.acts_as_customer and not agent.acts_as_staff
        assert agent.customer_id == ben.id and agent.display_name == "Rita Representative for Ben Buyer"
        with pytest.raises(ValueError):
            ben.emulating(rita)


def test_an_agent_acting_for_an_admin_is_recorded_as_agent_for_customer(app):
    with app.app_context():
        anna = f.actor("anna.admin@acme.example")
        agent = f.actor("agent@atrium.example").emulating(anna)
        ben = f.user("ben.buyer@acme.example")
        set_budget(ben, actor=agent, budget_amount=Decimal("100"), budget_period="monthly",
                   order_spend_limit=None)
        db.session.flush()
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.budget_changed"))
        assert (event.actor_kind, event.actor_id) == ("staff", f.staff("agent@atrium.example").id)
        assert event.on_behalf_of_id == anna.id
        assert event.who == ("Rita Representative <agent@atrium.example> for "
                             "Anna Admin <anna.admin@acme.example>")


def test_an_agent_acting_for_a_buyer_cannot_do_what_the_buyer_cannot(app):
    with app.app_context():
        agent = f.actor("agent@atrium.example").emulating(f.actor("ben.buyer@acme.example"))
        with pytest.raises(NotPermitted):
            set_user_active(f.user("alice.approver@acme.example"), False, actor=agent)


def test_the_system_may_do_anything_and_a_visitor_nothing():
    assert SYSTEM.can(Perm.MANAGE_USERS) and SYSTEM.can(StaffPerm.MANAGE_STAFF)
    assert not VISITOR.can(Perm.PURCHASE) and not VISITOR.can(StaffPerm.VIEW_OUTBOX)
    assert SYSTEM.audit_fields()["actor_label"] == "Atrium"


def test_an_actor_is_a_value():
    actor = Actor.for_staff(type("S", (), {"id": 1, "name": "Ada", "email": "ada@atrium.example",
                                           "permissions": frozenset({StaffPerm.MANAGE_STAFF}), "roles": []})())
    with pytest.raises(AttributeError):
        actor.id = 2
    assert actor.label == "Ada <ada@atrium.example>"
