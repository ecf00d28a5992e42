"""What a database constraint means to a person, for when two changes collide.

Operations check their rules first, so a constraint fires only when someone
else saved the same thing a moment earlier (two invitations for one address,
two accounts for one e-mail). The request edge turns the ``IntegrityError``
into one of these messages; nothing is saved.
"""
from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError

from extensions import db

#: constraint name (PostgreSQL) or "table.columns" (SQLite) → message
CONFLICTS = {
    "uq_invitation_pending_email": "That address already has a pending invitation to the company.",
    "uq_application_open_email": "An application from that address is already being reviewed in this shop.",
    "company_applications.shop_id, company_applications.open_email":
        "An application from that address is already being reviewed in this shop.",
    "invitations.company_id, invitations.email": "That address already has a pending invitation to the company.",
    "uq_company_users_email": "An Atrium account with that e-mail address already exists.",
    "company_users.email": "An Atrium account with that e-mail address already exists.",
    "uq_staff_users_email": "A back office account with that e-mail address already exists.",
    "staff_users.email": "A back office account with that e-mail address already exists.",
    "uq_role_company_name": "A role with that name already exists.",
    "roles.company_id, roles.name": "A role with that name already exists.",
    "uq_business_unit_company_name": "The company already has a business unit with that name.",
    "business_units.company_id, business_units.name": "The company already has a business unit with that name.",
    "uq_shops_code": "A shop with that code already exists.",
    "shops.code": "A shop with that code already exists.",
    "uq_attribute_definitions_key": "An attribute with that key already exists.",
    "attribute_definitions.key": "An attribute with that key already exists.",
    "uq_shop_assignment_user_shop": "The customer is already assigned to that shop.",
    "shop_assignments.user_id, shop_assignments.shop_id": "The customer is already assigned to that shop.",
    "uq_asset_company_serial": "The company already has an asset with that serial number.",
    "assets.company_id, assets.serial_number": "The company already has an asset with that serial number.",
    "uq_inquiry_types_key": "An inquiry type with that key already exists.",
    "inquiry_types.key": "An inquiry type with that key already exists.",
    "uq_products_sku": "Another product already has that SKU.",
    "products.sku": "Another product already has that SKU.",
    "uq_product_types_key": "A product type with that key already exists.",
    "product_types.key": "A product type with that key already exists.",
    "uq_shipment_types_key": "A shipment type with that key already exists.",
    "shipment_types.key": "A shipment type with that key already exists.",
    "uq_price_list_currency_group": "That customer group already has a price list in that currency.",
    "price_lists.currency, price_lists.customer_group":
        "That customer group already has a price list in that currency.",
    "uq_price_tier": "That price list already has a price for the product from that quantity; change that one "
                     "instead.",
    "prices.price_list_id, prices.product_id, prices.min_quantity":
        "That price list already has a price for the product from that quantity; change that one instead.",
}
IN_USE = "It is still in use elsewhere in Atrium, so it cannot be removed. Nothing was changed."
GENERIC = ("That could not be saved: it clashes with a change saved a moment ago, perhaps by someone "
           "else. Nothing was changed; reload the page and try again.")


def conflict_message(error: IntegrityError) -> str:
    """A plain message for a constraint violation (never the SQL or the driver's text)."""
    original = error.orig
    name = getattr(getattr(original, "diag", None), "constraint_name", None)
    if name and name in CONFLICTS:
        return CONFLICTS[name]
    text = str(original)
    found = re.search(r"UNIQUE constraint failed: (.+)$", text, re.MULTILINE)
    if found and found.group(1).strip() in CONFLICTS:
        return CONFLICTS[found.group(1).strip()]
    if "FOREIGN KEY" in text.upper() or (name or "").startswith("fk_"):
        return IN_USE
    return GENERIC


def insert_unless_taken(row) -> bool:
    """Insert ``row`` (and what it cascades to) in a savepoint; False if a unique constraint says
    someone saved the same thing first. The rest of the transaction goes on either way."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True
