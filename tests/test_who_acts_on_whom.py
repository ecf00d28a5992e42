"""Who may change whose account, and the company that always keeps an Account Admin.

A role that may manage users must not be a way past the people above it:
a user changes another only when holding every permission the other holds,
or as Account Admin over someone who is not one.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from extensions import db
from models.attributes import set_attribute_values
from models.base import DomainError, NotPermitted
from models.invitations import invite, revoke_invitation
from models.members import (
    assign_roles,
    create_user,
    delete_user,
    set_budget,
    set_business_unit,
    set_user_active,
    update_profile,
)
from models.permissions import BuiltinRole
from tests import factories as f
from tests.helpers import login
from tests.portal_pages import give_carl_people_desk, ids_of, page_html, post_from_account

ANNA, ALICE, BEN, CARL = ("anna.admin@acme.example", "alice.approver@acme.example", "ben.buyer@acme.example",
                          "carl.ccm@acme.example")

#: Every operation on another user's account, as (name, call).
CHANGES = [
    ("deactivate", lambda user, actor: set_user_active(user, False, actor=actor)),
    ("delete", lambda user, actor: delete_user(user, actor=actor)),
    ("cap the budget", lambda user, actor: set_budget(user, actor=actor, budget_amount=Decimal("1"),
                                                      budget_period="monthly", order_spend_limit=Decimal("1"))),
    ("take roles", lambda user, actor: assign_roles(user, [], actor=actor)),
    ("move", lambda user, actor: set_business_unit(user, None, actor=actor)),
    ("rename", lambda user, actor: update_profile(user, actor=actor, first_name="X", last_name="Y", phone="")),
    ("set attributes", lambda user, actor: set_attribute_values(user, [], {}, actor=actor)),
]


def _snapshot(user) -> tuple:
    return (user.active, user.budget_amount, user.order_spend_limit, sorted(r.id for r in user.roles),
            user.business_unit_id, user.first_name, user.last_name)


@pytest.mark.parametrize("target", [ANNA, ALICE])
@pytest.mark.parametrize("name,change", CHANGES, ids=[name for name, _ in CHANGES])
def test_a_people_desk_cannot_change_anyone_holding_more_than_it(app, target, name, change):
    give_carl_people_desk(app)
    with app.app_context():
        user = f.user(target)
        before = _snapshot(user)
        with pytest.raises(NotPermitted, match="they hold permissions you do not"):
            change(user, f.actor(CARL))
        db.session.expire_all()
        assert f.user(target) is not None and _snapshot(f.user(target)) == before


def test_a_people_desk_changes_those_below_it_but_grants_nothing_beyond_itself(app):
    give_carl_people_desk(app)
    with app.app_context():
        ben, carl = f.user(BEN), f.actor(CARL)
        set_budget(ben, actor=carl, budget_amount=Decimal("100"), budget_period="monthly", order_spend_limit=None)
        set_user_active(ben, False, actor=carl)
        assert ben.budget_amount == Decimal("100") and not ben.active
        with pytest.raises(NotPermitted, match="Approver"):
            assign_roles(ben, [f.role("approver")], actor=carl)
        with pytest.raises(NotPermitted, match="Account Admin"):
            create_user(ben.company, actor=carl, email="x@acme.example", first_name="X", last_name="Y",
                        roles=[f.role("account_admin")])


def test_a_people_desk_cannot_withdraw_an_invitation_for_a_role_above_it(app):
    give_carl_people_desk(app)
    with app.app_context():
        invitation = invite(f.company("Acme Industrial"), "next.admin@acme.example", f.role("account_admin"),
                            actor=f.actor(ANNA))
        with pytest.raises(NotPermitted, match="Account Admin has permissions you do not hold"):
            revoke_invitation(invitation, actor=f.actor(CARL))
        assert invitation.status == "pending"


def test_account_admins_change_other_admins_and_everyone_else(app):
    with app.app_context():
        anna = f.user(ANNA)
        second = create_user(anna.company, actor=f.actor(anna), email="ada@acme.example", first_name="Ada",
                             last_name="Admin", roles=[f.role("account_admin")])
        set_budget(second, actor=f.actor(anna), budget_amount=Decimal("5"), budget_period="weekly",
                   order_spend_limit=None)
        set_user_active(f.user(ALICE), False, actor=f.actor(anna))
        set_user_active(anna, False, actor=f.actor(second))
        assert not anna.active and second.budget_amount == Decimal("5")


@pytest.mark.parametrize("name", ["deactivate", "delete", "take roles"])
def test_the_last_active_account_admin_stays_whoever_asks(app, name):
    change = dict(CHANGES)[name]
    with app.app_context():
        gina = f.user("gina.admin@globex.example")
        with pytest.raises(DomainError, match="Globex needs at least one active Account Admin"):
            change(gina, f.actor(f.staff("admin@atrium.example")))
        db.session.expire_all()
        gina = f.user("gina.admin@globex.example")
        assert gina.active and gina.has_role(BuiltinRole.ACCOUNT_ADMIN)


def test_an_inactive_second_admin_does_not_count(app):
    with app.app_context():
        anna = f.user(ANNA)
        second = create_user(anna.company, actor=f.actor(anna), email="ada@acme.example", first_name="Ada",
                             last_name="Admin", roles=[f.role("account_admin")])
        set_user_active(second, False, actor=f.actor(anna))
        with pytest.raises(DomainError, match="needs at least one active Account Admin"):
            delete_user(anna, actor=f.actor(f.staff("admin@atrium.example")))


# --- through the portal -------------------------------------------------------------

def test_the_portal_shows_a_people_desk_those_above_it_read_only(app, client):
    give_carl_people_desk(app)
    ids = ids_of(app, anna=lambda: f.user(ANNA), ben=lambda: f.user(BEN))
    assert login(client, CARL).status_code == 302
    listing = page_html(client.get("/account/users"))
    assert "View<span class=\"sr-only\"> Anna Admin" in listing
    assert "Edit<span class=\"sr-only\"> Ben Buyer" in listing
    page = page_html(client.get(f"/account/users/{ids['anna']}"))
    assert "Anna holds permissions that you do not, so you cannot change this account." in page
    assert "Deactivate" not in page and "Save changes" not in page


def test_the_portal_refuses_a_people_desk_changing_an_admin(app, client):
    give_carl_people_desk(app)
    ids = ids_of(app, anna=lambda: f.user(ANNA))
    assert login(client, CARL).status_code == 302
    response = post_from_account(client, f"/account/users/{ids['anna']}",
                                 {"budget_amount": "1", "budget_period": "monthly", "business_unit": "0"})
    assert response.status_code == 403
    for action, data in (("active", {"active": "0"}), ("delete", {})):
        response = post_from_account(client, f"/account/users/{ids['anna']}/{action}", data)
        assert response.status_code == 403
        assert "You cannot change Anna Admin&#39;s account: they hold permissions you do not." in page_html(response)
    with app.app_context():
        anna = f.user(ANNA)
        assert anna.active and anna.budget_amount is None
