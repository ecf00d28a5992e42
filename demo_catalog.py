"""Demo catalog and order history: products, base and partner prices, a year of Acme's orders, Ben's cart,
Ben's order templates, a quote waiting for staff's answer and an active recurring order."""
from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from extensions import db
from models.base import utcnow
from models.carts import Cart, CartLine, new_token
from models.catalog import Product, ProductType, ShipmentType
from models.orders import Order, OrderLine, next_number
from models.pricing import Price, PriceList, Pricing
from models.users import CompanyUser
from models.workflow_engine import get_workflow

# sku, name, type, shipment types, base EUR, partner EUR (None: base), base USD, volume tier (qty, EUR)
PRODUCTS = [
    ("BOLT-M8", "Hex bolt M8 × 40, zinc plated", "standard", "delivery", "0.25", "0.22", "0.30", (100, "0.20")),
    ("BOLT-M10", "Hex bolt M10 × 60, zinc plated", "standard", "delivery", "0.38", "0.33", "0.45", (100, "0.31")),
    ("NUT-M8", "Hex nut M8, zinc plated", "standard", "delivery", "0.08", "0.07", "0.10", (500, "0.06")),
    ("WASHER-M8", "Washer M8, stainless", "standard", "delivery", "0.05", None, "0.06", (1000, "0.04")),
    ("DRILL-500", "Cordless drill 18 V", "standard", "delivery,in_store_pickup", "129.00", "119.00", "149.00", None),
    ("BIT-SET-19", "HSS drill bit set, 19 pieces", "standard", "delivery,in_store_pickup", "24.90", "22.50",
     "29.00", None),
    ("GLOVE-L", "Safety gloves, size L", "standard", "delivery", "4.50", None, "5.20", (50, "3.90")),
    ("GLOVE-XL", "Safety gloves, size XL", "standard", "delivery", "4.50", None, "5.20", (50, "3.90")),
    ("GOGGLES-1", "Safety goggles, anti-fog", "standard", "delivery", "7.80", "6.90", "8.90", None),
    ("HELMET-W", "Safety helmet, white", "standard", "delivery", "14.90", None, "17.50", None),
    ("TAPE-50", "Duct tape 50 mm × 50 m", "standard", "delivery", "6.40", "5.80", "7.20", (24, "5.50")),
    ("CABLE-3G15", "Installation cable 3 × 1.5 mm², 100 m", "standard", "delivery", "89.00", "82.00", "99.00", None),
    ("LAMP-LED-40", "LED work lamp 40 W", "standard", "delivery,in_store_pickup", "59.00", None, "65.00", None),
    ("PUMP-200", "Centrifugal pump 200 l/min", "standard", "delivery", "849.00", "799.00", "949.00", None),
    ("FILTER-P200", "Filter cartridge for pump 200", "standard", "delivery", "32.00", "29.00", "36.00", (10, "27.50")),
    ("OIL-5L", "Hydraulic oil HLP 46, 5 l", "standard", "delivery", "27.50", None, "31.00", None),
    ("PUMP-SVC", "Pump maintenance visit", "service", "on_site_service", "250.00", "230.00", "290.00", None),
    ("INSPECT-SVC", "Annual safety inspection", "service", "on_site_service", "390.00", None, "450.00", None),
]
ORDERERS = ["ben.buyer@acme.example", "anna.admin@acme.example", "carl.ccm@acme.example"]
PAST_ORDERS = 36  # across the last year


def seed_catalog(shops) -> None:
    shops["atrium-de"].tax_rate, shops["atrium-de"].guest_carts = Decimal("19"), True
    shops["atrium-us"].tax_rate = Decimal("8.875")
    types = {t.key: t for t in db.session.scalars(select(ProductType))}
    ships = {s.key: s for s in db.session.scalars(select(ShipmentType))}
    lists = {key: PriceList(name=name, currency=currency, customer_group=group) for key, name, currency, group in (
        ("base-eur", "Base prices", "EUR", "default"), ("partner-eur", "Partner prices", "EUR", "partner"),
        ("base-usd", "Base prices", "USD", "default"))}
    db.session.add_all(lists.values())
    for sku, name, kind, shipment, base, partner, usd, tier in PRODUCTS:
        product = Product(sku=sku, name=name, product_type=types[kind], description=f"{name}.",
                          shipment_types=[ships[s] for s in shipment.split(",")])
        prices = [(lists["base-eur"], 1, base), (lists["base-usd"], 1, usd)]
        if partner:
            prices.append((lists["partner-eur"], 1, partner))
        if tier:
            prices.append((lists["base-eur"], tier[0], tier[1]))
        product_prices = [Price(price_list=pl, product=product, min_quantity=q, amount=Decimal(a)) for pl, q, a in prices]
        db.session.add(product)
        db.session.add_all(product_prices)
    db.session.flush()


def seed_orders(acme) -> None:
    """A year of Acme's orders in every state, and a cart for Ben to check out."""
    acme.customer_group = "partner"
    rng = random.Random(7)
    products = db.session.scalars(select(Product).where(Product.product_type.has(key="standard"))).all()
    users = db.session.scalars(select(CompanyUser).where(CompanyUser.email.in_(ORDERERS))).all()
    pricing, workflow = Pricing.for_company(acme), get_workflow("order")
    for i in range(PAST_ORDERS):
        days = 365 * (PAST_ORDERS - i) / PAST_ORDERS
        state = "delivered" if days > 20 else rng.choice(["placed", "confirmed", "shipped"])
        _order(acme, rng.choice(users), rng.sample(products, rng.randint(1, 4)), rng, pricing, workflow,
               utcnow() - timedelta(days=days, hours=rng.randint(0, 9)), "cancelled" if i == 5 else state)
    ben = next(u for u in users if u.email == ORDERERS[0])
    anna = next(u for u in users if u.email == ORDERERS[1])
    by_sku = {p.sku: p for p in products}
    db.session.add(Cart(token=new_token(), shop=acme.shop, company_id=acme.id, owner_id=ben.id, lines=[
        CartLine(product=by_sku["GLOVE-L"], quantity=20), CartLine(product=by_sku["TAPE-50"], quantity=6)]))
    db.session.add(Cart(token=new_token(), shop=acme.shop, company_id=acme.id, owner_id=anna.id, lines=[
        CartLine(product=by_sku["HELMET-W"], quantity=4)]))
    db.session.flush()
    seed_ordering(acme, ben, by_sku, pricing)
    from models.actors import Actor
    from models.order_templates import TemplateLine, create_template

    office = create_template(acme, actor=Actor.for_company_user(anna), name="Office supplies")
    office.lines = [TemplateLine(product=by_sku["TAPE-50"], quantity=5), TemplateLine(product=by_sku["GOGGLES-1"],
                                                                                      quantity=10)]
    office.line_count = len(office.lines)


def seed_ordering(acme, ben, by_sku, pricing) -> None:
    """Ben's order templates, his quote request waiting for an answer, and his monthly recurring order."""
    from models.actors import Actor
    from models.order_templates import TemplateLine, create_template
    from models.quotes import request_quote_for_lines
    from models.recurring import RecurringLine, RecurringOrder

    actor = Actor.for_company_user(ben)
    for name, lines in (("Workshop restock", {"GLOVE-L": 20, "TAPE-50": 10}),
                        ("Pump service kit", {"FILTER-P200": 2})):
        template = create_template(acme, actor=actor, name=name)
        template.lines = [TemplateLine(product=by_sku[sku], quantity=n) for sku, n in lines.items() if sku in by_sku]
        template.line_count = len(template.lines)
    request_quote_for_lines(acme, [("FILTER-P200", "200")], actor=actor,
                            comment="We plan to replace the filters in all plants this spring.")
    gloves = by_sku["GLOVE-L"]
    price = pricing.unit_prices({gloves.id: 50})[gloves.id]
    start = (utcnow() + timedelta(days=12)).date()
    db.session.add(RecurringOrder(
        company_id=acme.id, business_unit_id=ben.business_unit_id, owner_id=ben.id, shop_id=acme.shop_id,
        cadence="monthly", every=1, start_date=start, next_run=start, buyer_name=ben.full_name,
        buyer_email=ben.email, currency=pricing.currency, net_total=price * 50, reference="PO-GLOVES-MONTHLY",
        shipping_address="Plant North\n12 Harbour Street\n20095 Hamburg\nDE",
        billing_address="Head office\n1 Foundry Road\n10115 Berlin\nDE",
        lines=[RecurringLine(position=0, product=gloves, sku=gloves.sku, name=gloves.name, quantity=50,
                             unit_price=price)]))
    db.session.flush()


def _order(company, user, products, rng, pricing, workflow, placed_at, state) -> Order:
    quantities = {p.id: rng.choice([1, 2, 5, 10, 25, 100]) for p in products}
    prices = pricing.unit_prices(quantities)
    lines = [OrderLine(position=i, product_id=p.id, sku=p.sku, name=p.name, quantity=quantities[p.id],
                       unit_price=prices[p.id], line_total=pricing.line_total(prices[p.id], quantities[p.id]))
             for i, p in enumerate(products)]
    totals = pricing.totals([line.line_total for line in lines])
    order = Order(shop_id=company.shop_id, number=next_number(company.shop), company_id=company.id,
                  business_unit_id=user.business_unit_id, owner_id=user.id, buyer_name=user.full_name,
                  buyer_email=user.email, currency=totals.currency, tax_rate=totals.tax_rate, net_total=totals.net,
                  tax_total=totals.tax, gross_total=totals.gross, line_count=len(lines), lines=lines,
                  shipping_address="Plant North\n12 Harbour Street\n20095 Hamburg\nDE",
                  billing_address="Head office\n1 Foundry Road\n10115 Berlin\nDE",
                  reference=f"PO-{placed_at:%y%m}-{rng.randint(100, 999)}", placed_at=placed_at,
                  state=state, workflow_id=workflow.id)
    db.session.add(order)
    return order
