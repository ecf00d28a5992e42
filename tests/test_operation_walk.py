"""Every operation of ``models/`` checks its own rule, whatever door calls it.

The walk reads ``models.operations.OPERATIONS`` (as the route walk reads
``app.url_map``): each operation is called by actors that lack what its rule
asks for (a company user without the permission, a company user of another
company holding every permission, staff without the staff permission, a
visitor) and must raise ``NotPermitted`` with nothing changed. A new operation
without arguments below fails ``test_every_operation_is_walked``; a public
function of ``models/`` that takes ``actor`` but is not an operation fails
``test_every_function_taking_an_actor_is_an_operation_or_a_query``.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

import models
from extensions import db
from models.actors import VISITOR, Actor, ActorKind
from models.base import NotPermitted
from models.companies import CompanyStatus
from models.operations import OPERATIONS, PARTS
from models.permissions import Perm, StaffPerm
from models.shops import Shop
from models.workflow_engine import get_workflow
from models.workflows import GUARDS
from tests import factories as f

ACME, GLOBEX = "Acme Industrial", "Globex"
PUBLIC = {
    "models.applications.submit_application", "models.registration.register_organisation",
    "models.invitations.accept_invitation", "models.auth.authenticate", "models.auth.request_password_reset",
    "models.auth.reset_password", "models.registration.confirm_address", "models.auth.send_reset_link",
    "models.auth.change_own_password",
}
#: functions that take ``actor`` to answer a question or check a rule, and the audit writers, which record
#: the actor of the operation that calls them
QUERIES = {
    "models.members.grantable_roles", "models.members.may_grant", "models.members.resolve_roles",
    "models.addresses.can_edit_addresses", "models.addresses.read_only_reason",
    "models.workflow_engine.actor_may", "models.workflow_engine.available_transitions",
    "models.operations.authorize", "models.operations.require_staff",
    "models.scopes.visible", "models.scopes.visible_clause", "models.scopes.get_visible", "models.scopes.get_chosen",
    "models.audit.record", "models.audit.record_many", "models.mail.may_open_links",
    "models.carts.check_holder", "models.carts.may_fill_a_cart", "models.orders.order_history",
    "models.order_templates.templates_of", "models.order_templates.template_of", "models.recurring.recurring_of",
    "models.quotes.quote_list",
    "models.files.company_documents", "models.files.reachable_file", "models.assets.asset_list",
    "models.assets.get_asset", "models.inquiries.inquiry_list", "models.workflow_engine.offered_transitions",
    "models.services.booked_list", "models.asset_services.bookings_of", "models.services.book_services", "models.services.whose_choices", "models.dashboard.blocks_for",
}


def _ben():
    return f.user("ben.buyer@acme.example")


def _acme():
    return f.company(ACME)


def _invitation():
    from models.invitations import Invitation

    return db.session.scalar(select(Invitation).where(Invitation.email == "dave.new@acme.example"))


def _cart():
    from models.carts import cart_of

    return cart_of(_ben().id)


def _product(sku="BOLT-M8"):
    from models.catalog import Product

    return db.session.scalar(select(Product).where(Product.sku == sku))


def _template():
    from models.order_templates import OrderTemplate

    return db.session.scalar(select(OrderTemplate).where(OrderTemplate.name == "Workshop restock"))


def _quote(state="answered"):
    from models.quotes import Quote

    return db.session.scalar(select(Quote).where(Quote.state == state).order_by(Quote.id))


def _recurring():
    from models.recurring import RecurringOrder

    return db.session.scalar(select(RecurringOrder).order_by(RecurringOrder.id))


def _asset(name="Hydraulic press HP-200"):
    from models.assets import Asset

    return db.session.scalar(select(Asset).where(Asset.name == name))


def _inquiry(subject="Press leaks oil"):
    from models.inquiries import Inquiry

    return db.session.scalar(select(Inquiry).where(Inquiry.subject == subject))


def _asset_document():
    from models.files import File

    return db.session.scalar(select(File).where(File.asset_id == _asset().id, File.category == "service_report"))


def _booked():
    from models.services import BookedService

    return db.session.scalar(select(BookedService).order_by(BookedService.id))


def _content_block():
    from models.dashboard import ContentBlock

    return db.session.scalar(select(ContentBlock).where(ContentBlock.key == "promo"))


def _offer():
    from models.services import ProductOffer

    return db.session.scalar(select(ProductOffer).where(ProductOffer.reference == "HH-PUMP"))


def _price_list():
    from models.pricing import PriceList

    return db.session.scalar(select(PriceList).order_by(PriceList.id))


#: operation → a callable giving its arguments (without ``actor``) on Acme's rows
ARGUMENTS = {
    "models.assets.create_asset": lambda: ((_acme(),), {"unit_ids": [_acme().business_units[0].id], "name": "Lathe"}),
    "models.assets.update_asset": lambda: ((_asset(),), {"unit_ids": [_acme().business_units[0].id], "name": "X"}),
    "models.assets.add_asset_files": lambda: ((_asset(), [("a.pdf", b"%PDF-1.4\n%%EOF\n")]), {}),
    "models.files.upload_company_files": lambda: ((_acme(), [("a.pdf", b"%PDF-1.4\n%%EOF\n")]), {}),
    "models.files.delete_file": lambda: ((_asset_document(),), {}),
    "models.inquiries.create_inquiry": lambda: ((_acme(),), {"type_key": "general", "subject": "Hello",
                                                             "description": "A question."}),
    "models.inquiries.add_note": lambda: ((_inquiry(), "A note."), {}),
    "models.offers.check_offer": lambda: ((_offer(),), {}),
    "models.offers.check_service_point": lambda: ((_offer().service_point,), {}),
    "models.offer_import.import_offers_csv": lambda: ((
        b"offer_reference,sku,service_point_key,price,currency,stock,valid_from,valid_until\nNEW-1,PUMP-SVC,hamburg,,,,,\n",
    ), {}),
    "models.services.set_line_service": lambda: ((_cart(), _cart().lines[0].id), {"offer_id": 1}),
    "models.asset_services.book_for_asset": lambda: ((_cart(), _asset().id, 1), {}),
    "models.services.reschedule_service": lambda: ((_booked(), None), {}),
    "models.services.cancel_service": lambda: ((_booked(),), {}),
    "models.services.complete_service": lambda: ((_booked(),), {}),
    "models.dashboard.check_content_block": lambda: ((_content_block(),), {}),
    "models.dashboard.set_dashboard_blocks": lambda: ((_acme(), {}), {}),
    "models.inquiries.add_inquiry_type": lambda: (("returns", "Returns"), {}),
    "models.inquiries.change_inquiry_type": lambda: ((_inquiry().type,), {"name": "Renamed", "active": False}),
    "models.catalog_import.import_catalog_csv": lambda: (
        ("products", b"sku,name,product_type_key\nNEW-1,New,standard\n"), {}),
    "models.catalog_import.check_catalog_type": lambda: ((_product().product_type,), {}),
    "models.catalog_import.check_price_list": lambda: ((_price_list(),), {}),
    "models.catalog_import.set_price": lambda: ((_price_list().prices[0],), {
        "price_list": _price_list(), "sku": "BOLT-M8", "min_quantity": 1, "amount": Decimal("0.30")}),
    "models.carts.add_to_cart": lambda: ((_cart(), [("GLOVE-L", "2")]), {}),
    "models.carts.change_quantity": lambda: ((_cart(), _cart().lines[0].id, "5"), {}),
    "models.carts.remove_line": lambda: ((_cart(), _cart().lines[0].id), {}),
    "models.carts.empty_cart": lambda: ((_cart(),), {}),
    "models.carts.merge_guest_cart": lambda: ((_cart(), _cart()), {}),
    "models.catalog.check_product": lambda: ((_product(),), {}),
    "models.catalog.set_product_active": lambda: ((_product(), False), {}),
    "models.checkout.place_order": lambda: ((_cart(),), {"shipping_address_id": 1, "billing_address_id": 1}),
    "models.order_templates.create_template": lambda: ((_acme(),), {"name": "New list"}),
    "models.order_templates.rename_template": lambda: ((_template(),), {"name": "Renamed"}),
    "models.order_templates.delete_template": lambda: ((_template(),), {}),
    "models.order_templates.add_to_template": lambda: ((_template(), [("DRILL-500", "1")]), {}),
    "models.order_templates.change_template_quantity": lambda: ((_template(), _template().lines[0].id, "3"), {}),
    "models.order_templates.remove_template_line": lambda: ((_template(), _template().lines[0].id), {}),
    "models.order_templates.template_to_cart": lambda: ((_template(), _cart()), {}),
    "models.order_templates.save_cart_as_template": lambda: ((_cart(),), {"name": "From the cart"}),
    "models.quotes.request_quote": lambda: ((_cart(),), {}),
    "models.quotes.request_quote_for_lines": lambda: ((_acme(), [("DRILL-500", "3")]), {}),
    "models.quotes.answer_quote": lambda: ((_quote("requested"),), {"prices": {}, "valid_until": "2099-01-01"}),
    "models.quotes.quote_to_cart": lambda: ((_quote(),), {}),
    "models.recurring.set_cart_repeat": lambda: ((_cart(),), {"cadence": "monthly",
                                                              "start": date.today().isoformat()}),
    "models.recurring.clear_cart_repeat": lambda: ((_cart(),), {}),
    "models.recurring.set_up_recurring_order": lambda: ((_cart(),), {}),
    "models.recurring.pause_recurring": lambda: ((_recurring(),), {}),
    "models.recurring.resume_recurring": lambda: ((_recurring(),), {}),
    "models.recurring.cancel_recurring": lambda: ((_recurring(),), {}),
    "models.recurring.accept_review": lambda: ((_recurring(),), {}),
    "models.recurring_runs.run_due": lambda: ((), {"on": date.today() + timedelta(days=400)}),
    "models.addresses.add_address": lambda: ((_acme(), {"kind": "shipping"}), {}),
    "models.addresses.update_address": lambda: ((_acme().addresses[0], {"kind": "shipping"}), {}),
    "models.addresses.delete_address": lambda: ((_acme().addresses[0],), {}),
    "models.attributes.check_definition": lambda: ((f.attribute("CUSTOMER_PHONE"),), {}),
    "models.attributes.check_definition_deletable": lambda: ((f.attribute("CUSTOMER_PHONE"),), {}),
    "models.attributes.check_shop_attribute": lambda: ((f.shop_attribute(),), {}),
    "models.attributes.set_attribute_values": lambda: ((_ben(), [], {}), {}),
    "models.companies.delete_business_unit": lambda: ((_acme().business_units[0],), {}),
    "models.companies.save_business_unit": lambda: ((_acme(),), {"name": "Lab"}),
    "models.companies.set_checkout_rules": lambda: ((_acme(),), dict(
        require_approval=True, require_approval_over=None, block_checkout=False, block_checkout_over=None)),
    "models.companies.set_company_status": lambda: ((_acme(), CompanyStatus.INACTIVE), {}),
    "models.companies.set_customer_group": lambda: ((_acme(), "gold"), {}),
    "models.companies.set_default_service_rep": lambda: ((_acme(), None), {}),
    "models.companies.set_unit_service_rep": lambda: ((_acme().business_units[0], None), {}),
    "models.companies.update_company": lambda: ((_acme(),), {"name": "Acme Renamed", "vat_id": ""}),
    "models.invitations.invite": lambda: ((_acme(), "x@acme.example", f.role("buyer")), {}),
    "models.invitations.invite_many": lambda: ((_acme(), [(1, "x@acme.example")], f.role("buyer")), {}),
    "models.invitations.resend_invitation": lambda: ((_invitation(),), {}),
    "models.invitations.revoke_invitation": lambda: ((_invitation(),), {}),
    "models.members.assign_roles": lambda: ((_ben(), [f.role("approver")]), {}),
    "models.members.create_user": lambda: ((_acme(),), {"email": "x@acme.example", "first_name": "X",
                                                         "last_name": "Y"}),
    "models.members.delete_user": lambda: ((_ben(),), {}),
    "models.members.set_budget": lambda: ((_ben(),), {"budget_amount": Decimal("10"), "budget_period": "monthly",
                                                      "order_spend_limit": None}),
    "models.members.set_business_unit": lambda: ((_ben(), None), {}),
    "models.members.set_customer_type": lambda: ((_ben(), "b2c"), {}),
    "models.members.set_user_active": lambda: ((_ben(), False), {}),
    "models.members.set_users_active": lambda: (([_ben()], False), {}),
    "models.members.update_profile": lambda: ((_ben(),), {"first_name": "B", "last_name": "B", "phone": ""}),
    "models.roles.create_role": lambda: ((_acme(),), {"name": "Desk", "permissions": ["purchase"]}),
    "models.roles.delete_role": lambda: ((f.role("Inquiry desk"),), {}),
    "models.roles.update_role": lambda: ((f.role("Inquiry desk"),), {"name": "Desk", "permissions": ["purchase"]}),
    "models.shops.assign_shop": lambda: ((_ben(), f.shop("atrium-us")), {}),
    "models.shops.check_shop": lambda: ((f.shop("atrium-de"),), {}),
    "models.shops.set_assignment_state": lambda: ((_ben().shop_assignments[0], False), {}),
    "models.shops.set_assignment_states": lambda: ((_ben().shop_assignments, False), {}),
    "models.staff_accounts.create_staff": lambda: ((), {"email": "new@atrium.example", "name": "New",
                                                        "roles": ["support"]}),
    "models.staff_accounts.update_staff": lambda: ((f.staff("support@atrium.example"),),
                                                   {"name": "Sam", "roles": ["support"]}),
    "models.staff_accounts.set_staff_active": lambda: ((f.staff("support@atrium.example"), False), {}),
    "models.staff_accounts.send_staff_password_link": lambda: ((f.staff("support@atrium.example"),), {}),
    "models.workflow_definitions.check_definition": lambda: ((get_workflow("company_application"),), {}),
    "models.workflow_definitions.move_subjects": lambda: ((get_workflow("inquiry_general"), "pending", "in_review"),
                                                          {}),
    "models.workflow_definitions.check_transition": lambda: ((get_workflow("company_application").transitions[0],), {}),
}


def _walked():
    for info in pkgutil.iter_modules(models.__path__):  # every operation registers when its module loads
        importlib.import_module(f"models.{info.name}")
    return sorted(name for name, op in OPERATIONS.items() if not (op.rule.public or op.rule.per_transition))


def _functions_taking_an_actor():
    for info in pkgutil.iter_modules(models.__path__):
        module = importlib.import_module(f"models.{info.name}")
        for name, value in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(value) or value.__module__ != module.__name__:
                continue
            if "actor" in inspect.signature(value).parameters:
                yield f"{module.__name__}.{name}"


def test_every_operation_is_walked():
    assert set(_walked()) == set(ARGUMENTS)
    assert {n for n, op in OPERATIONS.items() if op.rule.public} == PUBLIC


def test_every_function_taking_an_actor_is_an_operation_a_part_of_one_or_a_query():
    guards = {f"{check.__module__}.{check.__name__}" for check in GUARDS.values()}  # conditions transitions check
    assert {n for n in _functions_taking_an_actor() if n not in OPERATIONS | PARTS.keys() | guards} == QUERIES


@pytest.mark.parametrize("name", sorted(PARTS))
def test_a_part_of_an_operation_refuses_to_run_on_its_own(app, name):
    """``add_shop_assignment`` and the like check no rule, so no view may call them directly."""
    with app.app_context(), pytest.raises(RuntimeError, match="only inside an operation"):
        PARTS[name](None, None, None, actor=f.actor("admin@atrium.example"))


def _refused_actors(rule, company_id: int, other_company_id: int, user_id: int) -> list[Actor]:
    """Actors who must be refused: each lacks exactly what the rule asks for."""
    everything = frozenset(Perm)
    refused = [
        VISITOR,
        Actor(kind=ActorKind.COMPANY, id=user_id, name="Not Held", email="nh@acme.example", company_id=company_id,
              permissions=everything - {rule.perm} if rule.perm else everything),
        Actor(kind=ActorKind.COMPANY, id=999999, name="Other Company", email="o@globex.example",
              company_id=other_company_id, permissions=everything),
        Actor(kind=ActorKind.STAFF, id=999998, name="Staff Without", email="sw@atrium.example",
              permissions=frozenset(StaffPerm) - {rule.staff} if rule.staff else frozenset(StaffPerm)),
    ]
    if rule.perm is None:  # staff only: a company user holding everything is refused too
        refused[1] = Actor(kind=ActorKind.COMPANY, id=user_id, name="All Held", email="ah@acme.example",
                           company_id=company_id, permissions=everything)
    return refused


def _table_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


@pytest.mark.parametrize("name", _walked())
def test_an_actor_without_the_permission_is_refused_and_nothing_changes(app, name):
    operation = OPERATIONS[name]
    with app.app_context():
        acme, globex = f.company(ACME), f.company(GLOBEX)
        anna = f.user("anna.admin@acme.example")  # not the subject of any walked call
        before = _table_counts()
        for actor in _refused_actors(operation.rule, acme.id, globex.id, anna.id):
            args, kwargs = ARGUMENTS[name]()
            with pytest.raises(NotPermitted):
                operation(*args, actor=actor, **kwargs)
            assert not (db.session.new or db.session.dirty or db.session.deleted), (name, actor)
        db.session.flush()
        assert _table_counts() == before


def test_a_company_user_may_change_their_own_profile_without_managing_users(app):
    from models.members import update_profile

    with app.app_context():
        ben = _ben()
        update_profile(ben, actor=f.actor(ben), first_name="Benjamin", last_name="Buyer", phone="")
        assert ben.first_name == "Benjamin"
        with pytest.raises(NotPermitted):
            update_profile(f.user("alice.approver@acme.example"), actor=f.actor(ben), first_name="A",
                           last_name="B", phone="")


def test_an_operation_refuses_an_orm_user_in_place_of_an_actor(app):
    from models.members import set_user_active

    with app.app_context():
        with pytest.raises(TypeError, match="Actor"):
            set_user_active(_ben(), False, actor=f.user("anna.admin@acme.example"))


def test_the_system_actor_may_run_any_operation(app):
    from models.actors import SYSTEM
    from models.companies import set_customer_group

    with app.app_context():
        acme = _acme()
        set_customer_group(acme, "gold", actor=SYSTEM)
        assert acme.customer_group == "gold"


def test_every_shop_is_checked_with_the_actor(app):
    """The shop check is the model side of Flask-Admin's Shops form: staff without the right are refused."""
    from models.shops import check_shop

    with app.app_context():
        shop = db.session.scalar(select(Shop).where(Shop.code == "atrium-de"))
        check_shop(shop, actor=f.actor("admin@atrium.example"))
        with pytest.raises(NotPermitted):
            check_shop(shop, actor=f.actor("support@atrium.example"))
