"""The customer editor's tabs beyond Basic: B2B, Shops, Attributes, Address book.

``editor_context`` loads what the tabs show in a fixed number of queries;
``CustomerEditorActions`` holds the POST endpoints, each calling model
operations: ``models.members`` (roles, business unit, budget, active),
``models.shops`` (assign, enable / disable with mail) and
``models.attributes.set_attribute_values``.
"""
from __future__ import annotations

from flask import flash, request, url_for
from flask_admin import expose
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from backoffice.base import units_found
from backoffice.pages import activate_or_deactivate, form_id, load_or_404, optional_row, posted_amount, run_and_redirect
from edge import attempt
from extensions import db
from models.addresses import ADDRESS_FORMATS, address_book_mode, format_address
from models.attributes import PROFILE_FIELDS, AttributeDefinition
from models.base import DomainError
from models.companies import BusinessUnit, Company, units_to_offer
from models.members import (
    assign_roles,
    grantable_roles,
    set_budget,
    set_business_unit,
    set_user_active,
)
from models.permissions import StaffPerm
from models.shops import (
    AddressBookMode,
    Shop,
    ShopAssignment,
    assign_shop,
    set_assignment_state,
    set_assignment_states,
)
from models.users import PERIOD_LABELS, CompanyUser
from security import current_actor

TABS = ("basic", "b2b", "shops", "attributes", "addresses")
# What the customer editor shows of the customer, loaded with them: company, shop and its settings, unit,
# roles and shops (with their settings) in one statement; the company's addresses and the attribute values in one each,
# and the units the business unit choice lists (``units_to_offer``) in one more.
CUSTOMER_EDITOR_LOADS = (
    joinedload(CompanyUser.company).options(
        joinedload(Company.shop).joinedload(Shop.customer_settings),
        selectinload(Company.addresses),
    ),
    joinedload(CompanyUser.business_unit),
    selectinload(CompanyUser.roles),  # (joined, roles would be read through every holder of each role)
    joinedload(CompanyUser.shop_assignments).joinedload(ShopAssignment.shop).joinedload(Shop.customer_settings),
    selectinload(CompanyUser.attribute_values),
)


def address_book(user: CompanyUser, shop: Shop) -> dict:
    """The address book as ``shop`` shows it to this customer: its mode, format and addresses."""
    mode = address_book_mode_for(user, shop)
    addresses = shop.shared_addresses if mode is AddressBookMode.SHARED else user.company.addresses
    return {
        "shop": shop,
        "mode": mode,
        "format": ADDRESS_FORMATS.get(shop.address_format, shop.address_format),
        "entries": [(a, format_address(a, shop.address_format)) for a in addresses],
    }


def address_book_mode_for(user: CompanyUser, shop: Shop) -> AddressBookMode:
    if shop.id == user.company.shop_id:
        return address_book_mode(user.company, user.customer_type)
    return AddressBookMode(shop.settings_for(user.customer_type).address_book_mode)


def editor_context(user: CompanyUser, actor) -> dict:
    """Everything the customer editor's tabs show besides the Basic form."""
    assigned = [a.shop for a in user.shop_assignments]
    shops = db.session.scalars(select(Shop).order_by(Shop.name)).all()
    chosen = next((s for s in assigned if str(s.id) == request.args.get("shop")), None)
    chosen = chosen or (assigned[0] if assigned else user.company.shop)
    values = {v.definition_id: v.value for v in user.attribute_values}
    tab = request.args.get("tab", "basic")
    units, more_units = units_to_offer(user.company_id, chosen=[user.business_unit_id])
    return {
        "customer": user,
        "tab": tab if tab in TABS else "basic",
        "roles": grantable_roles(user.company, actor=actor),
        "held_role_ids": {r.id for r in user.roles},
        "units": units, "more_units": more_units,
        "periods": [(code, label.capitalize()) for code, label in PERIOD_LABELS.items()],
        "unassigned_shops": [s for s in shops if s not in assigned],
        "definitions": [(d, values.get(d.id, "")) for d in all_definitions()],
        "own_fields": PROFILE_FIELDS,
        "address_shops": assigned or [user.company.shop],
        "book": address_book(user, chosen),
        "can_manage_attributes": actor.can(StaffPerm.MANAGE_SHOPS),
    }


def all_definitions() -> list[AttributeDefinition]:
    return db.session.scalars(select(AttributeDefinition).order_by(AttributeDefinition.label)).all()


def _editor(user_id: int, tab: str) -> str:
    return url_for(".edit_view", id=user_id, tab=tab)


class CustomerEditorActions:
    """POST endpoints of the customer editor (mixed into ``CompanyUserView``)."""

    @expose("/active/", methods=("POST",))
    def active_view(self):
        """Activate or deactivate the account (deactivation ends live sessions)."""
        return activate_or_deactivate(CompanyUser, set_user_active, lambda user: user.email,
                                      lambda user: _editor(user.id, "basic"))

    @expose("/units/")
    def units_view(self):
        """The B2B tab's unit finder: a company's business units by part of their name (JSON)."""
        return units_found(request.args.get("company_id"), request.args.get("q"))

    @expose("/b2b/", methods=("POST",))
    def b2b_view(self):
        """Business unit, roles (Buyer always kept), budget and order spend limit."""
        user = load_or_404(CompanyUser, form_id(), selectinload(CompanyUser.roles))
        actor = current_actor()

        def save():
            unit = optional_row(BusinessUnit, request.form.get("business_unit_id"), "Choose a business unit from the list.")
            grantable = {str(r.id): r for r in grantable_roles(user.company, actor=actor)}
            chosen = request.form.getlist("role_ids")
            unknown = [raw for raw in chosen if raw not in grantable]
            if unknown:
                raise DomainError("Choose roles from the list; one of them is not a role of this company.")
            set_business_unit(user, unit, actor=actor)
            assign_roles(user, [grantable[raw] for raw in chosen], actor=actor)
            set_budget(user, actor=actor, budget_amount=posted_amount("budget_amount", user.currency, "The budget"),
                       budget_period=request.form.get("budget_period"),
                       order_spend_limit=posted_amount("order_spend_limit", user.currency, "The order spend limit"))

        return run_and_redirect(save, "B2B settings saved.", _editor(user.id, "b2b"))

    @expose("/assignment/", methods=("POST",))
    def assignment_view(self):
        """Enable or disable one shop assignment; the customer gets a mail when it changes."""
        assignment = load_or_404(ShopAssignment, form_id("assignment_id"), joinedload(ShopAssignment.shop))
        enabled = request.form.get("enabled") == "1"
        shop, email = assignment.shop.name, assignment.user.email

        def done(changed):
            if not changed:
                return f"{email} was already {'enabled' if enabled else 'disabled'} in {shop}; no mail sent."
            return f"{email} is {'enabled' if enabled else 'disabled'} in {shop}; the customer was told by mail."

        return run_and_redirect(lambda: set_assignment_state(assignment, enabled, actor=current_actor()), done,
                                _editor(assignment.user_id, "shops"))

    @expose("/assign/", methods=("POST",))
    def assign_view(self):
        """Register the customer in one more shop (one sub shop for B2B in master/sub mode)."""
        user = load_or_404(CompanyUser, form_id(), selectinload(CompanyUser.shop_assignments))

        def save():
            shop = optional_row(Shop, request.form.get("shop_id"), "Choose a shop from the list.")
            if shop is None:
                raise DomainError("Choose a shop from the list.")
            assign_shop(user, shop, actor=current_actor())
            return shop

        return run_and_redirect(save, lambda shop: f"{user.email} is assigned to {shop.name}.", _editor(user.id, "shops"))

    @expose("/attributes/", methods=("POST",))
    def attributes_view(self):
        """Save the customer's values for every attribute definition."""
        from models.attributes import set_attribute_values

        user = load_or_404(CompanyUser, form_id(), selectinload(CompanyUser.attribute_values))
        values = {key[5:]: value for key, value in request.form.items() if key.startswith("attr-")}
        return run_and_redirect(lambda: set_attribute_values(user, all_definitions(), values, actor=current_actor()),
                                "Attributes saved.", _editor(user.id, "attributes"))


def bulk_shop_state(ids, enabled: bool, actor) -> None:
    """Enable (or disable) every shop assignment of the selected users that is not so yet."""
    users = db.session.scalars(
        select(CompanyUser).where(CompanyUser.id.in_(ids))
        .options(selectinload(CompanyUser.shop_assignments).joinedload(ShopAssignment.shop))
    ).all()
    verb = "enabled" if enabled else "disabled"
    with attempt():
        changed = set_assignment_states([a for u in users for a in u.shop_assignments], enabled, actor=actor)
        if changed:
            flash(f"{changed} shop assignment(s) {verb}; each customer was told by mail.", "success")
        else:
            flash(f"Nothing to change: the selected customers' shop assignments were already {verb}.", "info")

