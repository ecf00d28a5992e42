"""Services for an asset: booking one from the asset's page, and the asset's service history.

From an asset's page a buyer puts one of the service products their shop
offers (``bookable_services``) in the cart for that asset; the cart line keeps
the asset, checkout books the service as usual (``models.services.book_services``)
and the booked service names the asset. The asset's service history then shows
its inquiries and its booked services, each with the order that booked it, as
far as the person reading may see them.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from extensions import db
from models.actors import Actor
from models.assets import Asset, AssetStatus
from models.base import DomainError, utcnow
from models.catalog import Product, ProductType, ProductTypeKey, visible_in
from models.operations import operation
from models.permissions import Perm
from models.scopes import get_chosen, row_id
from models.services import BookedService, ProductOffer, ServicePoint, booked_list, offered_on

SERVICE_CHOICES = 20  # service products an asset's page offers to book; the catalog lists them all


def bookable_services(shop, day: date, product_id=None) -> list[Product]:
    """The service products customers of ``shop`` can book on ``day`` (a service point offers them), by
    name; with ``product_id``, that one product if it is one of them."""
    offered = (select(ProductOffer.id).join(ServicePoint)
               .where(ProductOffer.product_id == Product.id, *offered_on(day)).exists())
    service = select(ProductType.id).where(ProductType.key == ProductTypeKey.SERVICE.value).scalar_subquery()
    query = select(Product).where(Product.product_type_id == service, visible_in(shop), offered)
    if product_id is not None:
        query = query.where(Product.id == product_id)
    return db.session.scalars(query.order_by(Product.name, Product.id).limit(SERVICE_CHOICES)).all()


@operation(Perm.PURCHASE, on="cart")
def book_for_asset(cart, asset_id, product_id, *, actor: Actor):
    """Put one of the ``bookable_services`` in ``cart`` for an asset ``actor`` may see; the cart line."""
    from models.carts import add_to_cart, check_holder

    check_holder(cart, actor)
    asset = get_chosen(Asset, asset_id, actor)
    if asset is None:
        raise DomainError("Choose one of your assets.", "asset")
    if asset.status == AssetStatus.RETIRED.value:
        raise DomainError(f"{asset.name} is retired; set it in use again before booking a service for it.",
                          "asset")
    product_id = row_id(product_id)
    product = next(iter(bookable_services(cart.shop, utcnow().date(), product_id)), None) if product_id else None
    if product is None:
        raise DomainError("Choose one of the services from the list.", "product")
    line = next((line for line in cart.lines if line.product_id == product.id), None)
    if line is not None and line.asset_id not in (None, asset.id):
        raise DomainError(f"Your cart holds {product.name} for another asset already: order it, or remove it "
                          "from the cart, then book this one.", "product")
    if line is None:
        report = add_to_cart(cart, [(product.sku, "1")], actor=actor)[0]
        if not report.ok:
            raise DomainError(report.message, "product")
        line = next(line for line in cart.lines if line.product_id == product.id)
    line.asset_id = asset.id
    db.session.flush()
    return line


def bookings_of(asset: Asset, actor: Actor, limit: int) -> list[BookedService]:
    """The services booked for ``asset`` that ``actor`` may see, latest first, at most ``limit``."""
    return db.session.scalars(booked_list(actor).where(BookedService.asset_id == asset.id).limit(limit)).all()
