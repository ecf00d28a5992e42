"""Registration, shops, addresses and company details, called directly."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from extensions import db
from models.addresses import (
    add_address,
    can_edit_addresses,
    delete_address,
    update_address,
)
from models.applications import CompanyApplication
from models.auth import authenticate
from models.base import DomainError, NotPermitted
from models.companies import set_checkout_rules, update_company
from models.registration import confirm_address, register_organisation
from models.shops import AssignmentState, Shop, assign_shop, set_assignment_state
from models.users import CompanyUser
from tests import factories as f
from tests.helpers import mail_link, templates_to

PERSON = {"company_name": "Pied Piper", "first_name": "Richard", "last_name": "Hendricks",
          "email": "richard@piedpiper.example", "password": "middle-out-42", "confirm": "middle-out-42"}
ADDRESS = {"kind": "shipping", "label": "Dock 3", "line1": "3 Pier Road", "postal_code": "20457",
           "city": "Hamburg", "country": "de"}


def _confirm(user) -> None:
    """Open the confirmation link the way its recipient does."""
    confirm_address(mail_link(user.email, "/register/confirm/").removeprefix("/register/confirm/"))


def test_register_in_a_shop_without_approval_creates_company_and_admin_who_confirms_first(app):
    with app.app_context():
        shop = f.shop("atrium-de")
        shop.customer_settings[0].requires_approval = False
        user = register_organisation(shop, dict(PERSON))
        assert isinstance(user, CompanyUser)
        assert {r.key for r in user.roles} == {"buyer", "account_admin"}
        assert [a.state for a in user.shop_assignments] == ["enabled"]
        assert templates_to(user.email) == ["registration_confirm"]
        with pytest.raises(DomainError, match="Confirm your e-mail address first"):
            authenticate(CompanyUser, user.email, PERSON["password"], "10.0.0.1")
        _confirm(user)
        assert authenticate(CompanyUser, user.email, PERSON["password"], "10.0.0.2") is user
        with pytest.raises(DomainError, match="already confirmed"):
            _confirm(user)


def test_register_where_approval_is_required_waits_for_staff(app):
    with app.app_context():
        user = register_organisation(f.shop("atrium-de"), dict(PERSON))
        _confirm(user)
        assert [a.state for a in user.shop_assignments] == ["disabled"]
        assert "staff_account_needs_activation" in templates_to("admin@atrium.example")
        with pytest.raises(DomainError, match="waiting for approval"):
            authenticate(CompanyUser, user.email, PERSON["password"], "10.0.0.1")
        assert set_assignment_state(user.shop_assignments[0], True, actor=f.actor(f.staff("admin@atrium.example")))
        assert not set_assignment_state(user.shop_assignments[0], True, actor=f.actor(f.staff("admin@atrium.example")))
        assert templates_to(user.email) == ["registration_confirm", "shop_enabled"]
        assert authenticate(CompanyUser, user.email, PERSON["password"], "10.0.0.1") is user


def test_registering_a_known_address_creates_nothing_and_tells_its_owner(app):
    with app.app_context():
        users = db.session.scalar(select(db.func.count()).select_from(CompanyUser))
        assert register_organisation(f.shop("atrium-de"), dict(PERSON, email="anna.admin@acme.example")) is None
        assert db.session.scalar(select(db.func.count()).select_from(CompanyUser)) == users
        assert templates_to("anna.admin@acme.example")[-1] == "sign_up_known_address"


def test_registering_again_before_confirming_sends_a_new_link(app):
    with app.app_context():
        user = register_organisation(f.shop("atrium-de"), dict(PERSON))
        assert register_organisation(f.shop("atrium-de"), dict(PERSON, company_name="Other")) is None
        assert templates_to(user.email) == ["registration_confirm", "registration_confirm"]
        _confirm(user)
        assert not user.confirmation_pending


def test_register_in_an_application_shop_files_an_application(app):
    with app.app_context():
        data = dict(PERSON, line1="5230 Newell Road", postal_code="94303", city="Palo Alto", country="US")
        result = register_organisation(f.shop("atrium-us"), data)
        assert isinstance(result, CompanyApplication) and result.state == "new"
        assert db.session.scalar(select(CompanyUser).where(CompanyUser.email == PERSON["email"])) is None


@pytest.mark.parametrize("change,message", [
    ({"confirm": "something-else"}, "do not match"),
    ({"password": "aaaaaaaaaa", "confirm": "aaaaaaaaaa"}, "easy to guess"),
    ({"password": "Hendricks-2026", "confirm": "Hendricks-2026"}, "your e-mail address or your name"),
    ({"password": "short", "confirm": "short"}, "at least"),
    ({"company_name": ""}, "organisation's name"),
])
def test_bad_registrations_create_nothing(app, change, message):
    with app.app_context():
        users = db.session.scalar(select(db.func.count()).select_from(CompanyUser))
        with pytest.raises(DomainError, match=message):
            register_organisation(f.shop("atrium-de"), dict(PERSON, **change))
        assert db.session.scalar(select(db.func.count()).select_from(CompanyUser)) == users


def test_disabling_the_only_shop_ends_sessions_and_mails(app):
    with app.app_context():
        ben = f.user("ben.buyer@acme.example")
        version = ben.session_version
        set_assignment_state(ben.shop_assignments[0], False, actor=f.actor(f.staff("admin@atrium.example")))
        assert ben.shop_assignments[0].state == AssignmentState.DISABLED.value
        assert ben.session_version == version + 1
        assert templates_to(ben.email) == ["shop_disabled"]


def test_master_sub_mode_keeps_b2b_customers_in_one_sub_shop(app):
    with app.app_context():
        ben = f.user("ben.buyer@acme.example")
        with pytest.raises(DomainError, match="one sub shop"):
            assign_shop(ben, f.shop("atrium-us"), actor=f.actor(f.staff("admin@atrium.example")))
        standalone = Shop(code="outlet", name="Outlet")
        db.session.add(standalone)
        assign_shop(ben, standalone, actor=f.actor(f.staff("admin@atrium.example")))
        assert sorted(a.shop.code for a in ben.shop_assignments) == ["atrium-de", "outlet"]


def test_address_book_modes(app):
    with app.app_context():
        anna, setting = f.user("anna.admin@acme.example"), f.shop("atrium-de").customer_settings[0]
        acme = anna.company
        address = add_address(acme, dict(ADDRESS), actor=f.actor(anna))
        assert address.country == "DE"
        setting.address_book_mode = "billing_read_only"
        update_address(address, dict(ADDRESS, label="Dock 4"), actor=f.actor(anna))
        with pytest.raises(NotPermitted, match="Billing addresses"):
            add_address(acme, dict(ADDRESS, kind="billing"), actor=f.actor(anna))
        setting.address_book_mode = "read_only"
        with pytest.raises(NotPermitted, match="read-only"):
            delete_address(address, actor=f.actor(anna))
        assert not can_edit_addresses(f.actor(anna), acme, "shipping")
        update_address(address, dict(ADDRESS, label="Staff edit"), actor=f.actor(f.staff("admin@atrium.example")))
        assert address.label == "Staff edit"


def test_addresses_need_the_permission_and_the_company(app):
    with app.app_context():
        acme_address = f.company("Acme Industrial").addresses[0]
        with pytest.raises(NotPermitted):
            update_address(acme_address, dict(ADDRESS), actor=f.actor(f.user("ben.buyer@acme.example")))
        with pytest.raises(NotPermitted, match="another company"):
            update_address(acme_address, dict(ADDRESS), actor=f.actor(f.user("gina.admin@globex.example")))


@pytest.mark.parametrize("change,message", [
    ({"kind": "office"}, "billing or shipping"),
    ({"city": " "}, "city"),
    ({"country": "DEU"}, "two-letter"),
])
def test_bad_addresses(app, change, message):
    with app.app_context():
        anna = f.user("anna.admin@acme.example")
        with pytest.raises(DomainError, match=message):
            add_address(anna.company, dict(ADDRESS, **change), actor=f.actor(anna))


def test_one_default_address_per_kind(app):
    with app.app_context():
        anna = f.user("anna.admin@acme.example")
        new = add_address(anna.company, dict(ADDRESS, is_default=True), actor=f.actor(anna))
        defaults = [a for a in anna.company.addresses if a.kind == "shipping" and a.is_default]
        assert defaults == [new]


def test_checkout_attributes_are_staff_only(app):
    with app.app_context():
        anna, admin = f.user("anna.admin@acme.example"), f.staff("admin@atrium.example")
        acme = anna.company
        update_company(acme, actor=f.actor(anna), name="Acme Industrial AG", vat_id="DE123")
        assert acme.name == "Acme Industrial AG"
        rules = dict(require_approval=False, require_approval_over=None, block_checkout=True, block_checkout_over=None)
        with pytest.raises(NotPermitted, match="staff"):
            set_checkout_rules(acme, actor=f.actor(anna), **rules)
        set_checkout_rules(acme, actor=f.actor(admin), **dict(rules, require_approval_over=Decimal("5000")))
        assert acme.require_approval_over == Decimal("5000.00") and acme.block_checkout is True
        with pytest.raises(DomainError, match="zero or more"):
            set_checkout_rules(acme, actor=f.actor(admin), **dict(rules, block_checkout_over=Decimal("-1")))
