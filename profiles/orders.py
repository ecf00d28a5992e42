"""Orders of a data profile: two years of them, more of late, with one to five lines each.

Each order is placed by a person of a company (busy companies order more: the audit share of
``words.BIG``), filed under their business unit, with products their shop shows at the prices their
customer group pays, numbered per shop in the order they were placed ("DE-10042"), the shop's counter
row left at the last number. Old orders are delivered or cancelled, recent ones anywhere in the order
workflow. Orders go in a batch at a time with their lines, so L's 200,000 never sit in memory at once.
Their moves are not written to the workflow history or the audit log: a page reads one order's history,
and the profile's audit log keeps the size it promises.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from extensions import db
from models.catalog import Product, product_shops
from models.companies import Address, Company
from models.orders import FIRST_NUMBER, Order, OrderCounter, OrderLine, Origin, number_prefix
from models.pricing import BASE_GROUP, Price, PriceList, percent_of
from models.shops import Shop
from models.users import CompanyUser
from models.workflow_engine import get_workflow
from profiles.words import CITIES

if TYPE_CHECKING:
    from profiles import Firm, Plan

BATCH = 5_000  # orders built and inserted at a time (their lines with them)
HISTORY_DAYS = 730
LINE_COUNTS, LINE_WEIGHTS = (1, 2, 3, 4, 5), (30, 28, 20, 13, 9)
QUANTITIES, QUANTITY_WEIGHTS = (1, 2, 3, 5, 10, 20, 25, 50, 100, 500), (22, 16, 8, 14, 14, 8, 6, 6, 5, 1)
#: the states of orders younger than a number of days (the last: any age), with their weights
STATES = [(3, {"placed": 45, "on_hold": 6, "confirmed": 30, "shipped": 14, "cancelled": 5}),
          (14, {"on_hold": 2, "confirmed": 12, "shipped": 45, "delivered": 36, "cancelled": 5}),
          (None, {"delivered": 93, "cancelled": 7})]
ORIGINS = {Origin.CART.value: 72, Origin.QUICK_ORDER.value: 14, Origin.TEMPLATE.value: 6,
           Origin.RECURRING.value: 4, Origin.AGENT.value: 4}
COMMENTS = ["Please deliver to gate 2.", "Call before delivery.", "For the maintenance stop next week.",
            "Deliver in the morning, please."]


class Catalog:
    """What a company can order: per shop and currency the products shown there, and each product's tiers."""

    def __init__(self, shops: dict[int, Shop]):
        rows = db.session.execute(select(Price.product_id, Price.min_quantity, Price.amount, PriceList.currency,
                                         PriceList.customer_group).join(PriceList)).all()
        self.tiers: dict[tuple[int, str], dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for product_id, min_quantity, amount, currency, group in sorted(rows, key=lambda r: -r.min_quantity):
            self.tiers[product_id, currency][group].append((min_quantity, amount))  # largest minimum first
        listed = defaultdict(set)
        for product_id, shop_id in db.session.execute(select(product_shops.c.product_id, product_shops.c.shop_id)):
            listed[product_id].add(shop_id)
        products = db.session.execute(select(Product.id, Product.sku, Product.name, Product.unit)).all()
        self.pools = {}
        for shop in shops.values():
            seen_in = {shop.id, shop.parent_id}
            self.pools[shop.id] = [p for p in products if (p.id, shop.currency) in self.tiers
                                   and BASE_GROUP in self.tiers[p.id, shop.currency]
                                   and (not listed[p.id] or listed[p.id] & seen_in)]

    def price(self, product_id: int, currency: str, group: str, quantity: int) -> Decimal:
        """The unit price at ``quantity``: the group's own tiers first, the base tiers else."""
        tiers = self.tiers[product_id, currency]
        for key in (group, BASE_GROUP):
            for min_quantity, amount in tiers.get(key, ()):
                if min_quantity <= quantity:
                    return amount
        return tiers[BASE_GROUP][-1][1]  # only tiers above the quantity: the smallest


@dataclass
class Sources:
    """What orders are made of: the catalog, each company's people, address book and customer group."""

    catalog: Catalog
    buyers: dict[int, list[tuple]]  # company id: (user id, name, e-mail, business unit id)
    books: dict[int, tuple[str, list[str]]]  # company id: billing address, shipping addresses
    groups: dict[int, str]  # company id: customer group
    workflow_id: int


def seed_orders(plan: Plan, count: int) -> None:
    """``count`` orders with their lines, spread over the last two years across the profile's companies."""
    shops = {shop.id: shop for shop in plan.shops.values()}
    sources = Sources(Catalog(shops), _buyers(plan), _address_books(plan, shops),
                      dict(db.session.execute(select(Company.id, Company.customer_group)).all()),
                      get_workflow("order").id)
    firms = [f for f in plan.firms if f.status != "pending" and sources.buyers.get(f.id)
             and sources.catalog.pools[f.shop.id]]
    if not firms:
        return
    picks = plan.rng.choices(firms, [f.weights[2] for f in firms], k=count)
    placed = sorted(((_placed_at(plan, firm), n, firm) for n, firm in enumerate(picks)), key=lambda p: p[:2])
    counters, ids = _counters(shops), plan.ids(Order.__table__, count)
    for start in range(0, count, BATCH):
        orders, lines = [], []
        for order_id, (at, _, firm) in zip(ids[start:start + BATCH], placed[start:start + BATCH]):
            counters[firm.shop.id] += 1
            orders.append(_order(plan, sources, firm, order_id, f"{number_prefix(firm.shop)}-"
                                 f"{counters[firm.shop.id]}", at))
            lines += _lines(plan, sources, firm, orders[-1])
        plan.insert(Order.__table__, orders)
        for line_id, line in zip(plan.ids(OrderLine.__table__, len(lines)), lines):
            line["id"] = line_id
        plan.insert(OrderLine.__table__, lines)
    _save_counters(counters)


def _order(plan: Plan, sources: Sources, firm: Firm, order_id: int, number: str, at) -> dict:
    """An order's row, its totals still to come (``_lines``)."""
    rng, shop = plan.rng, firm.shop
    user_id, name, email, unit_id = rng.choice(sources.buyers[firm.id])
    billing, shipping = sources.books[firm.id]
    return {"id": order_id, "shop_id": shop.id, "number": number, "workflow_id": sources.workflow_id,
            "state": _state(rng, (plan.now - at) / timedelta(days=1)),
            "origin": rng.choices(list(ORIGINS), list(ORIGINS.values()))[0], "company_id": firm.id,
            "owner_id": user_id, "business_unit_id": unit_id, "buyer_name": name, "buyer_email": email,
            "currency": shop.currency, "tax_rate": shop.tax_rate or Decimal(0), "shipping_address": rng.choice(shipping),
            "billing_address": billing, "payment_method": "invoice",
            "reference": f"PO-{at:%y%m}-{rng.randint(1000, 9999)}" if rng.random() < 0.6 else "",
            "comment": rng.choice(COMMENTS) if rng.random() < 0.05 else "", "placed_at": at}


def _lines(plan: Plan, sources: Sources, firm: Firm, order: dict) -> list[dict]:
    """One to five lines of products the company's shop shows, at its prices; the order's totals from them."""
    rng, shop, catalog = plan.rng, firm.shop, sources.catalog
    pool = catalog.pools[shop.id]
    lines = []
    for position, product in enumerate(rng.sample(pool, min(len(pool), rng.choices(LINE_COUNTS, LINE_WEIGHTS)[0]))):
        quantity = 1 if product.unit == "visit" else rng.choices(QUANTITIES, QUANTITY_WEIGHTS)[0]
        unit_price = catalog.price(product.id, shop.currency, sources.groups[firm.id], quantity)
        lines.append({"order_id": order["id"], "product_id": product.id, "position": position, "sku": product.sku,
                      "name": product.name, "quantity": quantity, "unit_price": unit_price,
                      "line_total": unit_price * quantity})  # cents times a whole number: already rounded
    net = sum((line["line_total"] for line in lines), Decimal(0))
    tax = percent_of(net, order["tax_rate"], shop.currency)
    order.update(net_total=net, tax_total=tax, gross_total=net + tax, line_count=len(lines))
    return lines


def _placed_at(plan: Plan, firm: Firm):
    """A time in the company's life, at most two years back; more orders of late (the business grows). The
    demo's companies were made just now, but stand for customers of long standing."""
    age = (plan.now - firm.created_at) / timedelta(days=1) if firm.new else HISTORY_DAYS
    lifetime = max(1.0, min(HISTORY_DAYS, age - 1))
    return plan.now - timedelta(days=lifetime * plan.rng.random() ** 1.3)


def _state(rng, age_days: float) -> str:
    mix = next(states for days, states in STATES if days is None or age_days < days)
    return rng.choices(list(mix), list(mix.values()))[0]


def _buyers(plan: Plan) -> dict[int, list[tuple]]:
    """Per company of the profile, its people: (id, name, e-mail, business unit)."""
    found = defaultdict(list)
    rows = db.session.execute(select(CompanyUser.company_id, CompanyUser.id, CompanyUser.first_name,
                                     CompanyUser.last_name, CompanyUser.email, CompanyUser.business_unit_id)
                              .where(CompanyUser.company_id.in_([f.id for f in plan.firms])))
    for company_id, user_id, first, last, email, unit_id in rows:
        found[company_id].append((user_id, f"{first} {last}".strip()[:170], email, unit_id))
    return found


def _address_books(plan: Plan, shops: dict[int, Shop]) -> dict[int, tuple[str, list[str]]]:
    """Per company, the billing address and the shipping addresses as an order keeps them (lines of text)."""
    from models.addresses import format_address

    formats = {firm.id: shops[firm.shop.id].address_format for firm in plan.firms}
    billing, shipping = defaultdict(list), defaultdict(list)
    columns = (Address.company_id, Address.kind, Address.label, Address.line1, Address.line2, Address.postal_code,
               Address.city, Address.country)
    for address in db.session.execute(select(*columns).where(Address.company_id.in_(list(formats)))):
        book = billing if address.kind == "billing" else shipping
        book[address.company_id].append("\n".join(format_address(address, formats[address.company_id])))
    found = {}
    for firm in plan.firms:
        billing_texts, shipping_texts = billing[firm.id], shipping[firm.id]
        fallback = f"{firm.name}\n{CITIES[firm.country][0][1]} {CITIES[firm.country][0][0]}\n{firm.country}"
        found[firm.id] = (billing_texts[0] if billing_texts else fallback,
                          shipping_texts or billing_texts or [fallback])
    return found


def _counters(shops: dict[int, Shop]) -> dict[int, int]:
    """The last number each shop gave (``FIRST_NUMBER - 1`` for a shop without orders yet)."""
    last = dict(db.session.execute(select(OrderCounter.shop_id, OrderCounter.last_number)).all())
    return {shop_id: last.get(shop_id, FIRST_NUMBER - 1) for shop_id in shops}


def _save_counters(counters: dict[int, int]) -> None:
    """Leave each shop's counter at its last number, so the next checkout goes on from there."""
    known = set(db.session.scalars(select(OrderCounter.shop_id)))
    for shop_id, last in counters.items():
        if shop_id in known:
            db.session.execute(OrderCounter.__table__.update().where(OrderCounter.shop_id == shop_id)
                               .values(last_number=last))
        elif last >= FIRST_NUMBER:
            db.session.add(OrderCounter(shop_id=shop_id, last_number=last))
    db.session.flush()
