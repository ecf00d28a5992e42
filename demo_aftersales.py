"""Demo after-sales data for Acme: equipment with pictures and schedules, shared documents, inquiries in
every state. Made through the operations, as people would, with files drawn on the spot."""
from __future__ import annotations

import io
from datetime import timedelta

from fpdf import FPDF
from PIL import Image, ImageDraw
from sqlalchemy import select

from extensions import db
from models.actors import Actor
from models.assets import add_asset_files, create_asset
from models.base import utcnow
from models.files import upload_company_files
from models.inquiries import add_note, create_inquiry
from models.orders import Order
from models.staff import StaffUser
from models.users import CompanyUser
from models.workflow_engine import transition

# name, serial, reference, units, status, every N months, next maintenance in N days, colour of its picture
ASSETS = [
    ("Hydraulic press HP-200", "HP200-0001", "INV-1001", ["Plant North"], "in_use", 6, 12, (52, 101, 164)),
    ("CNC lathe L-500", "L500-2231", "INV-1002", ["Plant North"], "in_use", 12, -5, (120, 120, 130)),
    ("Compressor K7", "K7-0042", "INV-2001", ["Plant South"], "in_repair", 3, 40, (200, 120, 40)),
    ("Forklift FL-3", "FL3-0007", "INV-3001", ["Headquarters", "Plant North"], "in_use", None, None, (230, 180, 30)),
    ("Packaging line PL-1", "PL1-0100", "INV-2002", ["Plant South"], "in_use", 3, 70, (60, 150, 90)),
]
DOCUMENTS = [("HP-200 operating manual.pdf", "manual", "Hydraulic press HP-200: operating manual"),
             ("Service contract 2026.pdf", "contract", "Service contract 2026: Acme Industrial"),
             ("Annual service report 2025.pdf", "service_report", "Annual service report 2025")]


def picture(name: str, colour) -> bytes:
    image = Image.new("RGB", (640, 420), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 120, 600, 360), outline=(255, 255, 255), width=6)
    draw.text((60, 60), name, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def document(title: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=16)
    pdf.cell(0, 12, title)
    pdf.ln(16)
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Atrium demo document. Keep it with the equipment's records.")
    return bytes(pdf.output())


def _actor(email: str) -> Actor:
    user = db.session.scalar(select(CompanyUser).where(CompanyUser.email == email))
    return Actor.for_company_user(user)


def seed_aftersales(acme) -> None:
    anna, ben, carl, alice = (_actor(f"{name}@acme.example") for name in ("anna.admin", "ben.buyer", "carl.ccm",
                                                                            "alice.approver"))
    support = Actor.for_staff(db.session.scalar(select(StaffUser).where(StaffUser.email == "support@atrium.example")))
    units = {u.name: u.id for u in acme.business_units}
    today = utcnow().date()
    assets = {}
    for name, serial, reference, where, status, months, due_in, colour in ASSETS:
        assets[name] = asset = create_asset(
            acme, actor=anna, unit_ids=[units[u] for u in where], name=name, serial_number=serial,
            reference=reference, status=status, maintenance_months=months,
            next_maintenance_on=today + timedelta(days=due_in) if due_in is not None else None)
        add_asset_files(asset, [(f"{serial}.jpg", picture(name, colour))], actor=anna, as_image=True)
    add_asset_files(assets["Hydraulic press HP-200"], [("HP-200 wiring diagram.pdf", document("HP-200 wiring"))],
                    actor=anna, category="manual")
    for file_name, category, title in DOCUMENTS:
        upload_company_files(acme, [(file_name, document(title))], actor=support, category=category)
    _inquiries(acme, assets, ben, carl, alice, support)
    _services(acme, ben)


def _inquiries(acme, assets, ben, carl, alice, support) -> None:
    create_inquiry(acme, actor=ben, type_key="general", subject="Delivery times to Hamburg",
                   description="How long does a delivery to our Hamburg plant usually take?")
    leak = create_inquiry(acme, actor=ben, type_key="asset", asset_id=assets["Hydraulic press HP-200"].id,
                          subject="Press leaks oil", description="There is oil under the press since Monday.",
                          uploads=[("oil under the press.jpg", picture("Oil under the press", (90, 70, 40)))])
    transition(leak, "review", actor=support)
    add_note(leak, "Called Ben: a technician can come on Thursday morning.", actor=support)
    order = db.session.scalar(select(Order).where(Order.owner_id == ben.id, Order.state == "delivered")
                              .order_by(Order.placed_at.desc()))
    if order is not None:
        claim = create_inquiry(acme, actor=ben, type_key="order_claim", order_id=order.id,
                               subject="One box arrived damaged", description="The outer box was crushed.")
        transition(claim, "review", actor=support)
        transition(claim, "approve", actor=support, comment="A replacement is on its way.")
    noise = create_inquiry(acme, actor=carl, type_key="asset", asset_id=assets["Compressor K7"].id,
                           subject="Compressor is loud", description="Louder than usual since last week.")
    transition(noise, "review", actor=support)
    reason = next(r for r in noise.workflow.reasons if r.label == "Outside the warranty")
    transition(noise, "reject", actor=support, reason_id=reason.id,
               comment="The warranty ended in March; we can offer a paid service visit.")
    withdrawn = create_inquiry(acme, actor=alice, type_key="general", subject="Invoice copies",
                               description="Could you send copies of last year's invoices?")
    transition(withdrawn, "cancel", actor=alice)
    db.session.flush()


# key, name, address, the offers there: (reference, SKU, places or None for always, price or None for the list's)
SERVICE_POINTS = [
    ("hamburg", "Hamburg workshop", ("3 Dock Road", "20457", "Hamburg"),
     [("HH-PUMP", "PUMP-SVC", 6, "240.00"), ("HH-INSPECT", "INSPECT-SVC", 4, None)]),
    ("munich", "Munich workshop", ("9 Isar Lane", "80331", "Munich"),
     [("MUC-PUMP", "PUMP-SVC", None, None), ("MUC-INSPECT", "INSPECT-SVC", None, "375.00")]),
]


def _services(acme, ben) -> None:
    """Two service points with their offers, and a pump visit Ben booked through checkout."""
    from decimal import Decimal

    from models.carts import CartLine, cart_of
    from models.catalog import Product, ShipmentType
    from models.checkout import checkout_addresses, place_order
    from models.services import ProductOffer, Service, ServicePoint, set_line_service

    on_site = db.session.scalar(select(ShipmentType).where(ShipmentType.key == "on_site_service"))
    products = {p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_(["PUMP-SVC",
                                                                                             "INSPECT-SVC"])))}
    for product in products.values():
        product.service_date_required = True
    offers = {}
    for key, name, (line1, postal, city), offered in SERVICE_POINTS:
        point = ServicePoint(key=key, name=name, line1=line1, postal_code=postal, city=city, country="DE",
                             services=[Service(name="On-site service visit"), Service(name="Workshop repair")])
        db.session.add(point)
        for reference, sku, places, price in offered:
            offers[reference] = ProductOffer(
                reference=reference, product=products[sku], service_point=point, stock=places, currency="EUR",
                price=Decimal(price) if price else None, services=point.services[:1], shipment_types=[on_site])
    db.session.add_all(offers.values())
    db.session.flush()
    cart = cart_of(ben.customer_id)  # the demo's cart waiting for Ben: set aside while he books the visit
    waiting = [(line.product, line.quantity) for line in cart.lines]
    cart.lines = [CartLine(product=products["PUMP-SVC"], quantity=1)]
    db.session.flush()
    visit = (utcnow() + timedelta(days=9)).replace(hour=8, minute=0, second=0, microsecond=0)
    set_line_service(cart, cart.lines[0].id, actor=ben, offer_id=offers["HH-PUMP"].id, service_at=visit)
    shipping, billing = checkout_addresses(acme)
    place_order(cart, actor=ben, shipping_address_id=shipping[0].id, billing_address_id=billing[0].id,
                reference="PUMP-VISIT")
    cart.lines = [CartLine(product=product, quantity=quantity) for product, quantity in waiting]
    db.session.flush()
