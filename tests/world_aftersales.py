"""The test world's after-sales: assets, files and inquiries, made through the operations themselves.

| what | of whom | details |
|---|---|---|
| asset "Hydraulic press HP-200" (HP200-0001, INV-001) | Acme, Plant North, made by Anna | maintenance every 6 months, next in 20 days; a picture; a service report PDF |
| asset "Compressor K7" (K7-0042) | Acme, Plant South | in repair |
| asset "Forklift FL-3" (FL3-0007) | Acme, Headquarters and Plant North | no schedule |
| asset "Chiller CH-9" (CH-9) | Globex, Main Office | |
| company document "Press manual.pdf" (manual) | Acme, shared by Sam Support | |
| company document "Globex contract.pdf" (contract) | Globex | |
| INQ-00001 general "Delivery times to Hamburg" | Ben | Pending |
| INQ-00002 asset inquiry on the press "Press leaks oil" | Ben | In Review, a photo attached, Sam's internal note |
| INQ-00003 order claim on DE-10000 "Drill case damaged" | Ben | Approved: "A new case is on its way." |
| INQ-00004 general "Question about invoices" | Gina (Globex) | Pending |
| service points "Hamburg workshop" and "Munich workshop", each with "On-site service visit" | | |
| offer HH-PUMP: PUMP-SVC at Hamburg, 3 places, 240.00 EUR; offer MUC-PUMP: at Munich, always, the list price | | PUMP-SVC needs a date and time |
| a booked PUMP-SVC visit at Hamburg from order DE-10000 | Ben | scheduled in 10 days |
| content blocks: "sales_rep:default" (shipped by the migration) and "promo" | | |
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from extensions import db
from models.assets import add_asset_files, create_asset
from models.files import upload_company_files
from models.inquiries import add_note, create_inquiry
from models.mail import OutboxMessage
from models.orders import Order
from models.quotes import today
from models.workflow_engine import transition
from tests import factories as f
from tests.sample_files import PDF, png


def build_aftersales() -> None:
    acme, globex = f.company("Acme Industrial"), f.company("Globex")
    units = {u.name: u.id for u in acme.business_units}
    anna, ben, gina = (f.actor(e) for e in ("anna.admin@acme.example", "ben.buyer@acme.example",
                                            "gina.admin@globex.example"))
    support = f.actor("support@atrium.example")
    press = create_asset(acme, actor=anna, unit_ids=[units["Plant North"]], name="Hydraulic press HP-200",
                         serial_number="HP200-0001", reference="INV-001", maintenance_months=6,
                         next_maintenance_on=today() + timedelta(days=20))
    add_asset_files(press, [("press.png", png())], actor=anna, as_image=True)
    add_asset_files(press, [("HP-200 service report.pdf", PDF)], actor=anna, category="service_report")
    create_asset(acme, actor=anna, unit_ids=[units["Plant South"]], name="Compressor K7", serial_number="K7-0042",
                 status="in_repair")
    create_asset(acme, actor=anna, unit_ids=[units["Headquarters"], units["Plant North"]], name="Forklift FL-3",
                 serial_number="FL3-0007")
    main_office = next(u.id for u in globex.business_units)
    create_asset(globex, actor=gina, unit_ids=[main_office], name="Chiller CH-9", serial_number="CH-9")
    upload_company_files(acme, [("Press manual.pdf", PDF)], actor=support, category="manual")
    upload_company_files(globex, [("Globex contract.pdf", PDF)], actor=support, category="contract")

    create_inquiry(acme, actor=ben, type_key="general", subject="Delivery times to Hamburg",
                   description="How long does a delivery to our Hamburg plant take?")
    leak = create_inquiry(acme, actor=ben, type_key="asset", asset_id=press.id, subject="Press leaks oil",
                          description="Oil under the press since Monday.", uploads=[("leak.png", png())])
    transition(leak, "review", actor=support)
    add_note(leak, "Called Ben: a technician can come on Thursday.", actor=support)
    order = db.session.scalar(select(Order).where(Order.number == "DE-10000"))
    claim = create_inquiry(acme, actor=ben, type_key="order_claim", order_id=order.id, subject="Drill case damaged",
                           description="One of the two drill cases arrived cracked.")
    transition(claim, "review", actor=support)
    transition(claim, "approve", actor=support, comment="A new case is on its way.")
    create_inquiry(globex, actor=gina, type_key="general", subject="Question about invoices",
                   description="Can invoices go to our accounts payable address?")
    build_services(acme, order)
    # The world starts with the claim decided, not with its mail waiting in Ben's inbox.
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.template == "inquiry_resolved"))
    db.session.flush()


def build_services(acme, order) -> None:
    from decimal import Decimal

    from models.base import utcnow
    from models.catalog import Product, ShipmentType
    from models.dashboard import ContentBlock
    from models.services import BookedService, ProductOffer, Service, ServicePoint

    on_site = db.session.scalar(select(ShipmentType).where(ShipmentType.key == "on_site_service"))
    pump = db.session.scalar(select(Product).where(Product.sku == "PUMP-SVC"))
    pump.service_date_required = True
    points = {}
    for key, name, line1, postal, city in (("hamburg", "Hamburg workshop", "3 Dock Road", "20457", "Hamburg"),
                                           ("munich", "Munich workshop", "9 Isar Lane", "80331", "Munich")):
        points[key] = ServicePoint(key=key, name=name, line1=line1, postal_code=postal, city=city, country="DE",
                                   services=[Service(name="On-site service visit")])
    db.session.add_all(points.values())
    db.session.flush()
    hamburg = ProductOffer(reference="HH-PUMP", product=pump, service_point=points["hamburg"], stock=3,
                           price=Decimal("240.00"), currency="EUR", services=points["hamburg"].services,
                           shipment_types=[on_site])
    munich = ProductOffer(reference="MUC-PUMP", product=pump, service_point=points["munich"], currency="EUR",
                          services=points["munich"].services, shipment_types=[on_site])
    db.session.add_all([hamburg, munich])
    db.session.flush()
    db.session.add(BookedService(
        company_id=acme.id, business_unit_id=order.business_unit_id, owner_id=order.owner_id, order_id=order.id,
        order_number=order.number, product_id=pump.id, sku=pump.sku, product_name=pump.name, offer_id=hamburg.id,
        service_point_name=points["hamburg"].name, service_point_address=points["hamburg"].address,
        service_name="On-site service visit", scheduled_at=utcnow().replace(hour=9, minute=0, second=0, microsecond=0)
        + timedelta(days=10)))
    db.session.add(ContentBlock(key="promo", title="Spring service weeks",
                                body="Book a maintenance visit before May and save 10 % on parts.",
                                link_url="/catalog", link_label="See the catalog"))
