"""The catalog for customers and visitors: search, product types, product pages with prices and volume tiers.

Anyone may browse the catalog of the shop they are in (``current_shop()``):
a shop's products are no secret, and a buyer often looks before signing in.
Prices are the customer's own; a visitor of a shop that allows guest carts
sees the shop's base prices and may fill a cart; in other shops a visitor sees
no prices ("Sign in to see your prices") and no add-to-cart forms. A product
the shop does not show, or an inactive one, is a 404.
"""
from __future__ import annotations

from flask import abort, render_template, request
from sqlalchemy.orm import joinedload, selectinload

from models.carts import MAX_QUANTITY
from models.catalog import Product, catalog_query, product_types, visible_product
from models.pricing import own_tiers_view
from paging import paginate
from portal import bp
from portal.cart import current_pricing, is_visitor, may_order
from portal.signup import current_shop
from security import MAX_ID

PER_PAGE = 24
SHOWN_UP_TO = 1_000  # products a list reaches (and counts); a search narrows a larger catalog


def _filters() -> dict:
    return {"q": request.args.get("q", "").strip()[:100], "type": request.args.get("type", "").strip()[:40]}


@bp.route("/catalog")
def catalog():
    filters, types = _filters(), product_types()
    if filters["type"] not in {t.key for t in types}:
        filters["type"] = ""
    query = catalog_query(current_shop(), filters["q"], filters["type"]).options(joinedload(Product.product_type))
    page = paginate(query, PER_PAGE, up_to=SHOWN_UP_TO)
    pricing = current_pricing()
    tiers = pricing.tiers([p.id for p in page.items]) if pricing else {}
    prices = {pid: pricing.money(pricing.pick(found, 1)) for pid, found in tiers.items()}
    volume = {pid for pid, found in tiers.items() if len(own_tiers_view(found)) > 1}
    return render_template("portal/catalog/catalog.html", page=page, types=types, prices=prices, volume=volume,
                           filters={k: v for k, v in filters.items() if v}, shows_prices=pricing is not None,
                           may_order=may_order(), visitor=is_visitor(), max_quantity=MAX_QUANTITY)


@bp.route("/catalog/<int:product_id>")
def product(product_id: int):
    product = None
    if product_id <= MAX_ID:  # (a visible product of this shop; any other id reads as missing)
        product = visible_product(current_shop(), product_id, joinedload(Product.product_type),
                                  selectinload(Product.shipment_types))
    if product is None:
        abort(404)
    pricing = current_pricing()
    tiers = own_tiers_view(pricing.tiers([product.id])[product.id]) if pricing else []
    return render_template("portal/catalog/product.html", product=product, pricing=pricing, tiers=tiers,
                           may_order=may_order(), visitor=is_visitor(), max_quantity=MAX_QUANTITY)
