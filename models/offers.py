"""The rules of service points and product offers, as the back office forms and the offer import save them.

``check_service_point`` keeps a service point's key in the key format and unique, and its services named;
``check_offer`` keeps an offer sellable: a reference unique among offers, a product (by SKU), a service
point with at least one of *its own* services, at least one shipment type the product allows, a stock that
is none (always available) or zero or more, validity dates in order and a price that is none (the
product's) or more than zero, in a known currency. The import (``models.offer_import``) checks its lines
against the same functions below (``check_reference``, ``check_stock``, ``check_price``, ``check_validity``).
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from extensions import db
from models.actors import Actor
from models.base import DomainError
from models.catalog import Product, normal_sku
from models.catalog_import import check_key
from models.money import LIMIT, check_currency
from models.operations import operation
from models.permissions import StaffPerm
from models.services import ProductOffer, Service, ServicePoint, offer_services

REFERENCE_MAX = 40
REFERENCE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]*$")
STOCK_MAX = 1_000_000
PRICE_PLACES = 4  # as price lists: sub-cent unit prices


def check_reference(text, field_name: str = "reference") -> str:
    """An offer reference as stored: trimmed, upper case, letters, digits, ``-``, ``_`` or ``.``."""
    reference = str(text or "").strip().upper()
    if not reference:
        raise DomainError("Give the offer a reference, e.g. HH-PUMP.", field_name)
    if len(reference) > REFERENCE_MAX or not REFERENCE.match(reference):
        raise DomainError(f"“{reference[:60]}” is not an offer reference: use at most {REFERENCE_MAX} letters, "
                          "digits, “-”, “_” or “.”, starting with a letter or digit.", field_name)
    return reference


def check_stock(stock) -> int | None:
    """None (always available) or a whole number from 0 to a million."""
    if stock is None:
        return None
    if isinstance(stock, bool) or not isinstance(stock, int) or not 0 <= stock <= STOCK_MAX:
        raise DomainError(f"The stock is a whole number from 0 to {STOCK_MAX:,}; leave it empty when the offer "
                          "is always available.", "stock")
    return stock


def check_price(price) -> Decimal | None:
    """None (the product's price) or an exact amount above zero and below ten billion."""
    if price is None:
        return None
    if not isinstance(price, Decimal) or not price.is_finite() or not 0 < price < LIMIT:
        raise DomainError("A price is more than zero and below 10 billion; leave it empty for the product's "
                          "price.", "price")
    if price != price.quantize(Decimal(1).scaleb(-PRICE_PLACES)):
        raise DomainError(f"A price has at most {PRICE_PLACES} decimal places.", "price")
    return price


def check_validity(valid_from: date | None, valid_until: date | None) -> None:
    if valid_from and valid_until and valid_until < valid_from:
        raise DomainError(f"The offer is valid until {valid_until.isoformat()}, before it is valid from "
                          f"{valid_from.isoformat()}; the end comes on or after the start.", "valid_until")


@operation(staff=StaffPerm.MANAGE_CATALOG)
def check_service_point(point: ServicePoint, *, actor: Actor) -> None:
    """A service point: a key (unique, in the key format), a name, and its services each named once."""
    point.key = check_key(point.key)
    point.name = (point.name or "").strip()
    if not point.name or len(point.name) > 120:
        raise DomainError("Give the service point a name of at most 120 characters.", "name")
    point.country = (point.country or "").strip().upper()
    if point.country and not re.fullmatch(r"[A-Z]{2}", point.country):
        raise DomainError("The country is a two-letter code such as DE or AT.", "country")
    with db.session.no_autoflush:
        clash = db.session.scalar(select(ServicePoint.name).where(ServicePoint.key == point.key,
                                                                  ServicePoint.id != (point.id or 0)))
    if clash is not None:
        raise DomainError(f"The service point “{clash}” has the key {point.key} already.", "key")
    _refuse_dropping_offered_services(point)
    names = set()
    for service in point.services:
        if service in db.session.deleted:
            continue
        service.name = (service.name or "").strip()
        if not service.name or len(service.name) > 120:
            raise DomainError("Give each service a name of at most 120 characters.", "services")
        if service.name.lower() in names:
            raise DomainError(f"The service “{service.name}” is listed twice; a service point gives each kind of "
                              "service once.", "services")
        names.add(service.name.lower())


def _refuse_dropping_offered_services(point: ServicePoint) -> None:
    """A service that product offers name is deactivated, not deleted: deleting it would quietly drop it from them."""
    dropped = {service.id: service.name for service in db.session.deleted
               if isinstance(service, Service) and service.service_point_id == point.id}
    if not dropped:
        return
    with db.session.no_autoflush:
        offered = db.session.execute(
            select(offer_services.c.service_id, func.count()).where(offer_services.c.service_id.in_(dropped))
            .group_by(offer_services.c.service_id).order_by(offer_services.c.service_id).limit(1)).first()
    if offered is not None:
        service_id, offers = offered
        raise DomainError(f"The service “{dropped[service_id]}” is part of {offers} product "
                          f"offer{'s' if offers != 1 else ''}: untick Active to retire it instead of deleting it, "
                          "or take it out of those offers first.", "services")


def _product_of(offer: ProductOffer, sku) -> Product:
    """The product named by ``sku`` (when given), else the offer's own."""
    if sku is None:
        if offer.product is None:
            raise DomainError("Give the product's SKU.", "sku")
        return offer.product
    wanted = normal_sku(sku)
    product = db.session.scalar(select(Product).where(Product.sku == wanted)) if wanted else None
    if product is None:
        raise DomainError(f"There is no product with the SKU “{wanted[:64]}”." if wanted else "Give the product's SKU.",
                          "sku")
    return product


def _check_services(offer: ProductOffer, point: ServicePoint) -> None:
    if not offer.services:
        raise DomainError(f"Choose at least one service of {point.name} for the offer.", "services")
    foreign = [s for s in offer.services if s.service_point_id != point.id]
    if foreign:
        names = ", ".join(f"“{s.name}” of {s.service_point.name}" for s in foreign)
        raise DomainError(f"{names} {'is' if len(foreign) == 1 else 'are'} not given at {point.name}; choose "
                          f"services of the offer's own service point.", "services")


def _check_shipment_types(offer: ProductOffer, product: Product) -> None:
    if not offer.shipment_types:
        raise DomainError("Choose at least one shipment type for the offer.", "shipment_types")
    allowed = {s.id for s in product.shipment_types}
    refused = [s.name for s in offer.shipment_types if s.id not in allowed]
    if refused:
        raise DomainError(f"{product.sku} does not allow {', '.join(refused)}; choose among the shipment types the "
                          "product allows (under Products), or allow it there first.", "shipment_types")


@operation(staff=StaffPerm.MANAGE_CATALOG)
def check_offer(offer: ProductOffer, *, actor: Actor, sku: str | None = None) -> None:
    """Refuse an offer that cannot be sold as it stands (see the module docstring); ``sku``, when given,
    names the offer's product."""
    with db.session.no_autoflush:
        offer.reference = check_reference(offer.reference)
        clash = db.session.scalar(select(ProductOffer.id).where(ProductOffer.reference == offer.reference,
                                                                ProductOffer.id != (offer.id or 0)))
        if clash is not None:
            raise DomainError(f"Another offer has the reference {offer.reference}.", "reference")
        offer.product = _product_of(offer, sku)
        point = offer.service_point
        if point is None:
            raise DomainError("Choose the service point of the offer.", "service_point")
        _check_services(offer, point)
        _check_shipment_types(offer, offer.product)
        offer.stock = check_stock(offer.stock)
        check_validity(offer.valid_from, offer.valid_until)
        offer.price = check_price(offer.price)
        offer.currency = check_currency(offer.currency or "EUR")
        offer.active = bool(offer.active)
