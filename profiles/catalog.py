"""The catalog of a data profile: products of every kind beside the demo's, their prices in both currencies
(base prices, some volume tiers, some customer groups' own prices) and the shops that list a few of them."""
from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from extensions import db
from models.catalog import Product, ProductType, ShipmentType, product_shipment_types, product_shops
from models.pricing import BASE_GROUP, Price, PriceList
from profiles.words import GROUP_PRICES, PRODUCT_FINISHES, PRODUCT_KINDS, PRODUCT_VARIANTS

if TYPE_CHECKING:
    from profiles import Plan

CURRENCIES = {"EUR": Decimal(1), "USD": Decimal("1.1")}  # base USD prices: the EUR price times this
CENT = Decimal("0.01")


def seed_products(plan: Plan, count: int) -> None:
    """``count`` products (a few out of the catalog, one in ten listed for one shop only), each with a base
    price in EUR and USD, a quarter with a volume tier, a third with prices of a customer group's own."""
    types = dict(db.session.execute(select(ProductType.key, ProductType.id)).all())
    ships = dict(db.session.execute(select(ShipmentType.key, ShipmentType.id)).all())
    lists = _price_lists(plan)
    products, shipments, listed, prices = [], [], [], []
    for n, product_id in enumerate(plan.ids(Product.__table__, count)):
        code, noun, unit, kind, low, high = plan.rng.choice(PRODUCT_KINDS)
        products.append(_product(plan, product_id, n, code, noun, unit, types[kind]))
        shipments += [{"product_id": product_id, "shipment_type_id": ships[key]} for key in _shipment_keys(plan, kind)]
        roll = plan.rng.random()
        if roll < 0.2:  # listed for one shop: visible there (and in its sub shops) only
            shop = plan.shops["atrium-de" if roll < 0.1 else "atrium-us"]
            listed.append({"product_id": product_id, "shop_id": shop.id})
        prices += _prices(plan, product_id, _base_price(plan, low, high), lists)
    plan.insert(Product.__table__, products)
    plan.insert(product_shipment_types, shipments)
    plan.insert(product_shops, listed)
    for price_id, price in zip(plan.ids(Price.__table__, len(prices)), prices):
        price["id"] = price_id
    plan.insert(Price.__table__, prices)


def _product(plan: Plan, product_id: int, n: int, code: str, noun: str, unit: str, type_id: int) -> dict:
    name = f"{noun} {plan.rng.choice(PRODUCT_VARIANTS)}, {plan.rng.choice(PRODUCT_FINISHES)}"
    service = unit == "visit"
    return {"id": product_id, "sku": f"{code}-{n + 1:05d}", "name": name, "description": f"{name}.", "image": "",
            "unit": unit, "product_type_id": type_id, "active": plan.rng.random() > 0.03,
            "service_date_required": service, "created_at": plan.ago(1000, 30)}


def _shipment_keys(plan: Plan, kind: str) -> list[str]:
    if kind == "service":
        return ["on_site_service"]
    return ["delivery", "in_store_pickup"] if plan.rng.random() < 0.3 else ["delivery"]


def _base_price(plan: Plan, low: float, high: float) -> Decimal:
    """A price between ``low`` and ``high``, cheap ones more often (evenly spread on a log scale)."""
    value = math.exp(plan.rng.uniform(math.log(low), math.log(high)))
    return max(CENT, Decimal(str(round(value, 2))))


def _prices(plan: Plan, product_id: int, base: Decimal, lists: dict[tuple[str, str], int]) -> list[dict]:
    """The product's base price in each currency, maybe a volume tier and a customer group's price."""
    rows = []
    tier = plan.rng.choice([10, 50, 100, 500]) if plan.rng.random() < 0.25 else None
    group = plan.rng.choice(GROUP_PRICES) if plan.rng.random() < 0.33 else None
    for currency, rate in CURRENCIES.items():
        amount = (base * rate).quantize(CENT)
        rows.append(_price(lists[currency, BASE_GROUP], product_id, 1, amount))
        if tier:
            rows.append(_price(lists[currency, BASE_GROUP], product_id, tier, amount * Decimal("0.9")))
        if group:
            rows.append(_price(lists[currency, group[0]], product_id, 1, amount * Decimal(group[2])))
    return rows


def _price(list_id: int, product_id: int, min_quantity: int, amount: Decimal) -> dict:
    return {"price_list_id": list_id, "product_id": product_id, "min_quantity": min_quantity,
            "amount": max(CENT, amount.quantize(CENT))}


def _price_lists(plan: Plan) -> dict[tuple[str, str], int]:
    """The id of each (currency, customer group) list the profile prices in: the demo's base lists, and the
    customer groups' own lists, added where missing."""
    found = {(currency, group): list_id for list_id, currency, group in db.session.execute(
        select(PriceList.id, PriceList.currency, PriceList.customer_group))}
    wanted = [(currency, group, name) for currency in CURRENCIES
              for group, name in [(BASE_GROUP, "Base prices"), *((g, n) for g, n, _ in GROUP_PRICES)]
              if (currency, group) not in found]
    rows = [{"id": list_id, "name": name, "currency": currency, "customer_group": group}
            for list_id, (currency, group, name) in zip(plan.ids(PriceList.__table__, len(wanted)), wanted)]
    plan.insert(PriceList.__table__, rows)
    found.update({(row["currency"], row["customer_group"]): row["id"] for row in rows})
    return found
