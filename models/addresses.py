"""The company address book, within the shop's address book mode.

Modes (per shop and customer type): default (customers edit everything),
read-only (only staff edit), billing read-only (customers edit shipping
addresses), shared (the sub shop's shared book, kept by staff). Staff can always
edit a company's own addresses.
"""
from __future__ import annotations

from sqlalchemy import func, or_, select

from extensions import db
from models.actors import Actor
from models.audit import record
from models.base import DomainError, NotPermitted
from models.companies import Address, AddressKind, Company
from models.operations import operation
from models.permissions import Perm, StaffPerm
from models.search import contains
from models.shops import AddressBookMode, ShopAddress

ADDRESS_FIELDS = ("kind", "label", "line1", "line2", "postal_code", "city", "country", "is_default")


def address_book_mode(company: Company, customer_type: str = "b2b") -> AddressBookMode:
    return AddressBookMode(company.shop.settings_for(customer_type).address_book_mode)


def can_edit_addresses(actor: Actor, company: Company, kind: str | None = None) -> bool:
    """Whether ``actor`` may change ``company``'s addresses (of ``kind``, if given)."""
    if actor.is_system or actor.acts_as_staff:
        return actor.can(StaffPerm.MANAGE_COMPANIES)
    if actor.company_id != company.id or not actor.can(Perm.MANAGE_COMPANY):
        return False
    mode = address_book_mode(company, actor.customer_type)
    if mode in (AddressBookMode.READ_ONLY, AddressBookMode.SHARED):
        return False
    if mode is AddressBookMode.BILLING_READ_ONLY and kind == AddressKind.BILLING.value:
        return False
    return True


def read_only_reason(actor: Actor, company: Company, kind: str | None = None) -> str | None:
    """Why ``actor`` may not change ``company``'s addresses (of ``kind``); None when they may."""
    if can_edit_addresses(actor, company, kind):
        return None
    if actor.acts_as_staff:
        return "Your staff roles do not allow changing company addresses."
    if actor.company_id != company.id or not actor.can(Perm.MANAGE_COMPANY):
        return "Only your company's account admins can change its addresses."
    mode = address_book_mode(company, actor.customer_type)
    if mode is AddressBookMode.BILLING_READ_ONLY:
        return "Billing addresses are kept by Atrium staff in this shop; contact your representative."
    if mode is AddressBookMode.SHARED:
        return (f"{company.shop.name} shares one address book among its customers; Atrium staff keep it, "
                "so it is read-only here.")
    return "The address book is read-only in this shop; contact your representative to change it."


def address_book_query(company: Company, *, shared: bool, search: str = "", kind: str = ""):
    """The company's address book (or its shop's shared one) for the addresses list."""
    model = ShopAddress if shared else Address
    query = select(model).where(model.shop_id == company.shop_id if shared else model.company_id == company.id)
    if kind in {k.value for k in AddressKind}:
        query = query.where(model.kind == kind)
    if search:
        query = query.where(or_(contains(model.label, search), contains(model.line1, search),
                                contains(model.city, search), contains(model.postal_code, search),
                                func.upper(model.country) == search.upper()))
    return query.order_by(model.kind, model.id)


def _check(actor: Actor, company: Company, kind: str) -> None:
    """The address book mode of the company's shop: read-only modes refuse customers' edits."""
    reason = read_only_reason(actor, company, kind)
    if reason is not None:
        raise NotPermitted(reason)


def _clean(data: dict) -> dict:
    values = {f: data.get(f) for f in ADDRESS_FIELDS}
    for field in ("label", "line1", "line2", "postal_code", "city", "country"):
        values[field] = str(values[field] or "").strip()
    if values["kind"] not in {k.value for k in AddressKind}:
        raise DomainError("Choose billing or shipping.", "kind")
    missing = [name for name, field in (("street", "line1"), ("postal code", "postal_code"), ("city", "city")) if not values[field]]
    if missing:
        raise DomainError("Please fill in: " + ", ".join(missing) + ".")
    values["country"] = values["country"].upper()
    if len(values["country"]) != 2 or not values["country"].isalpha():
        raise DomainError("Use the two-letter country code, e.g. DE or US.", "country")
    values["is_default"] = bool(values["is_default"])
    return values


def _keep_one_default(company: Company, address: Address) -> None:
    if address.is_default:
        for other in company.addresses:
            if other is not address and other.kind == address.kind:
                other.is_default = False


@operation(Perm.MANAGE_COMPANY, staff=StaffPerm.MANAGE_COMPANIES, on="company")
def add_address(company: Company, data: dict, *, actor: Actor) -> Address:
    values = _clean(data)
    _check(actor, company, values["kind"])
    address = Address(**values)
    company.addresses.append(address)
    _keep_one_default(company, address)
    db.session.flush()
    record(actor, "address.added", company_id=company.id, target=address)
    return address


@operation(Perm.MANAGE_COMPANY, staff=StaffPerm.MANAGE_COMPANIES, on="address")
def update_address(address: Address, data: dict, *, actor: Actor) -> None:
    company = address.company
    _check(actor, company, address.kind)
    values = _clean(data)
    _check(actor, company, values["kind"])
    for field, value in values.items():
        setattr(address, field, value)
    _keep_one_default(company, address)
    record(actor, "address.updated", company_id=company.id, target=address)


@operation(Perm.MANAGE_COMPANY, staff=StaffPerm.MANAGE_COMPANIES, on="address")
def delete_address(address: Address, *, actor: Actor) -> None:
    company = address.company
    _check(actor, company, address.kind)
    record(actor, "address.deleted", company_id=company.id, target=address)
    company.addresses.remove(address)
    db.session.delete(address)


#: address formats a shop can use: how the lines of an address are ordered
ADDRESS_FORMATS = {
    "eu": "Europe: postal code before the city (10115 Berlin)",
    "us": "USA: city, then ZIP code (San Francisco, 94105)",
    "uk": "UK: city, then postcode on its own line",
}


def format_address(address, address_format: str = "eu") -> list[str]:
    """The lines of a company or shop address in a shop's format (``Shop.address_format``)."""
    if address_format == "us":
        place = [f"{address.city}, {address.postal_code}"]
    elif address_format == "uk":
        place = [address.city, address.postal_code]
    else:
        place = [f"{address.postal_code} {address.city}"]
    lines = [address.label, address.line1, address.line2, *place, address.country]
    return [line for line in lines if line and line.strip(", ")]


