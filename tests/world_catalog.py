"""The test world's catalog and orders: products, two price lists in EUR, one in USD, Ben's cart, an order.

| SKU | what | where | base EUR | Partner EUR (Acme) |
|---|---|---|---|---|
| BOLT-M8 | hex bolts, tiers 1 / 100 | everywhere | 0.25 / 0.20 | 0.22 / 0.18 |
| DRILL-500 | cordless drill | everywhere | 129.00 | 119.00 |
| GLOVE-L | safety gloves | everywhere | 4.50 | — |
| PUMP-SVC | pump maintenance (service, on-site) | everywhere | 250.00 | — |
| OLD-1 | retired valve (inactive) | everywhere | 9.00 | — |
| US-ONLY-1 | sold in Atrium USA only | atrium-us | (USD 10.00) | — |
| NOPRICE-1 | no price yet | everywhere | — | — |

Atrium Germany taxes 19 % and lets visitors fill carts; Atrium USA taxes 8.875 %.
Ben's cart holds 10 BOLT-M8, Anna's 4 GLOVE-L; Ben has placed order DE-10000 (2 DRILL-500).

Ordering's later parts (``build_ordering``):

- Ben's order template "Workshop restock": 50 BOLT-M8, 10 GLOVE-L; Anna's "Office supplies": 2 GLOVE-L.
- Ben's quote Q-00001, answered: 20 DRILL-500 at 99.00 each, valid for 30 days.
- Anna's quote Q-00002, waiting for an answer: 500 BOLT-M8 and 1 NOPRICE-1.
- Ben's recurring order R-00001: 5 GLOVE-L every month, the next order in 10 days.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import delete, select

from extensions import db
from models.actors import Actor
from models.carts import Cart, CartLine, new_token
from models.catalog import Product, ProductType, ShipmentType
from models.checkout import place_order
from models.companies import Address
from models.mail import OutboxMessage
from models.pricing import Price, PriceList

PRODUCTS = [
    # sku, name, type, shipment types, active, shops
    ("BOLT-M8", "Hex bolt M8 × 40, zinc plated", "standard", ["delivery"], True, []),
    ("DRILL-500", "Cordless drill 18 V", "standard", ["delivery", "in_store_pickup"], True, []),
    ("GLOVE-L", "Safety gloves, size L", "standard", ["delivery"], True, []),
    ("PUMP-SVC", "Pump maintenance visit", "service", ["on_site_service"], True, []),
    ("OLD-1", "Retired valve", "standard", ["delivery"], False, []),
    ("US-ONLY-1", "Imperial wrench set", "standard", ["delivery"], True, ["atrium-us"]),
    ("NOPRICE-1", "Custom gasket", "standard", ["delivery"], True, []),
]
PRICES = {
    ("EUR", "default", "Base prices"): {"BOLT-M8": {1: "0.25", 100: "0.20"}, "DRILL-500": {1: "129.00"},
                                        "GLOVE-L": {1: "4.50"}, "PUMP-SVC": {1: "250.00"}, "OLD-1": {1: "9.00"}},
    ("EUR", "partner", "Partner prices"): {"BOLT-M8": {1: "0.22", 100: "0.18"}, "DRILL-500": {1: "119.00"}},
    ("USD", "default", "Base prices"): {"BOLT-M8": {1: "0.30"}, "DRILL-500": {1: "149.00"},
                                        "US-ONLY-1": {1: "10.00"}},
}


def build_catalog(shops: dict, acme, ben, anna_id: int) -> None:
    shops["atrium-de"].tax_rate, shops["atrium-de"].guest_carts = Decimal("19"), True
    shops["atrium-us"].tax_rate = Decimal("8.875")
    acme.customer_group = "partner"
    types = {t.key: t for t in db.session.scalars(select(ProductType))}
    shipments = {s.key: s for s in db.session.scalars(select(ShipmentType))}
    products = {}
    for sku, name, kind, ships, active, shop_codes in PRODUCTS:
        products[sku] = Product(sku=sku, name=name, product_type=types[kind], active=active,
                                description=f"{name}. Sold by the piece.",
                                shipment_types=[shipments[s] for s in ships], shops=[shops[c] for c in shop_codes])
    db.session.add_all(products.values())
    for (currency, group, name), table in PRICES.items():
        db.session.add(PriceList(name=name, currency=currency, customer_group=group, prices=[
            Price(product=products[sku], min_quantity=minimum, amount=Decimal(amount))
            for sku, tiers in table.items() for minimum, amount in tiers.items()]))
    db.session.flush()
    ben_actor = Actor.for_company_user(ben)
    cart = Cart(token=new_token(), shop=shops["atrium-de"], company_id=acme.id, owner_id=ben.id,
                lines=[CartLine(product=products["DRILL-500"], quantity=2)])
    db.session.add(cart)
    db.session.flush()
    addresses = {a.kind: a for a in db.session.scalars(select(Address).where(Address.company_id == acme.id)
                                                        .order_by(Address.id.desc()))}
    place_order(cart, actor=ben_actor, shipping_address_id=addresses["shipping"].id,
                billing_address_id=addresses["billing"].id, reference="PO-4711")
    cart.lines = [CartLine(product=products["BOLT-M8"], quantity=10)]
    db.session.add(Cart(token=new_token(), shop=shops["atrium-de"], company_id=acme.id, owner_id=anna_id,
                        lines=[CartLine(product=products["GLOVE-L"], quantity=4)]))
    build_ordering(acme, ben, anna_id, products)
    # The world starts with that order placed, not with its confirmation waiting in Ben's inbox.
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.template.in_(("order_placed", "quote_answered"))))
    db.session.flush()


def build_ordering(acme, ben, anna_id: int, products: dict) -> None:
    from models.actors import SYSTEM
    from models.order_templates import TemplateLine, create_template
    from models.quotes import answer_quote, request_quote_for_lines
    from models.recurring import RecurringLine, RecurringOrder
    from models.users import CompanyUser

    ben_actor = Actor.for_company_user(ben)
    anna = Actor.for_company_user(db.session.get(CompanyUser, anna_id))
    office = create_template(acme, actor=anna, name="Office supplies")
    office.lines, office.line_count = [TemplateLine(product=products["GLOVE-L"], quantity=2)], 1
    template = create_template(acme, actor=ben_actor, name="Workshop restock")
    template.lines = [TemplateLine(product=products["BOLT-M8"], quantity=50),
                      TemplateLine(product=products["GLOVE-L"], quantity=10)]
    template.line_count = 2
    quote, _ = request_quote_for_lines(acme, [("DRILL-500", "20")], actor=ben_actor, comment="For the new workshop.")
    answer_quote(quote, actor=SYSTEM, prices={quote.lines[0].id: "99,00"},
                 valid_until=date.today() + timedelta(days=30), answer="Our best price for 20.")
    request_quote_for_lines(acme, [("BOLT-M8", "500"), ("NOPRICE-1", "1")], actor=anna)
    start = date.today() + timedelta(days=10)
    db.session.add(RecurringOrder(
        company_id=acme.id, business_unit_id=ben.business_unit_id, owner_id=ben.id, shop_id=acme.shop_id,
        cadence="monthly", every=1, start_date=start, next_run=start, buyer_name=ben.full_name,
        buyer_email=ben.email, currency="EUR", net_total=Decimal("22.50"),
        shipping_address="Acme Industrial\nPlant North", billing_address="Acme Industrial\nHead office",
        lines=[RecurringLine(position=0, product=products["GLOVE-L"], sku="GLOVE-L", name="Safety gloves, size L",
                             quantity=5, unit_price=Decimal("4.50"))]))
    db.session.flush()
