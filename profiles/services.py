"""Services of a data profile: service points, what the profile's catalog offers there, and the services booked.

A few service points in the profile's cities, each giving one or two services (``services``), and product offers
there: products of the profile's catalog, those of the product type "service" first (other products only where
the catalog has too few), each at one point with that point's services and the on-site service shipment type,
with stock (none: always available), validity and price (none: the product's) now and then.

Booked services are spread from a year ago to half a year ahead, each booked with an order of the profile placed
at most 200 days (at least a day) before, its company, person, business unit and number copied, as checkout
books one (``models.services.book_services``); so Acme, which orders the most, has the most. Past ones were
mostly completed, future ones are mostly still scheduled, some of either cancelled. The orders are read once,
a sample of the last year and a half by id (ids rise with the time placed), a batch of ids at a time.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from extensions import db
from models.catalog import Product, ProductType, ShipmentType
from models.orders import Order
from models.services import (
    BookedService,
    BookedState,
    ProductOffer,
    Service,
    ServicePoint,
    offer_services,
    offer_shipment_types,
)
from profiles.words import CITIES, STREETS, slug

if TYPE_CHECKING:
    from profiles import Plan

BATCH = 5_000  # order ids read, and booked services inserted, at a time
PAST_DAYS, AHEAD_DAYS = 365, 182  # booked services are scheduled from a year ago to half a year ahead
LEAD_DAYS = 200  # the most days between placing an order and the service booked with it
POINT_KINDS = ["service centre", "workshop", "field service base", "repair hub"]
SERVICES = ["On-site service visit", "Workshop repair", "Calibration", "Safety inspection", "Installation",
            "Preventive maintenance"]
PAST_STATES = {BookedState.COMPLETED.value: 88, BookedState.CANCELLED.value: 12}
AHEAD_STATES = {BookedState.SCHEDULED.value: 85, BookedState.CANCELLED.value: 15}


def seed_service_points(plan: Plan, count: int) -> None:
    """``count`` service points in the cities of both shops' countries, each giving one or two services."""
    rng = plan.rng
    keys = set(db.session.scalars(select(ServicePoint.key)))
    names = {name.lower() for name in db.session.scalars(select(ServicePoint.name))}
    places = [(country, city, postal) for country, cities in CITIES.items() for city, postal in cities]
    points, services = [], []
    for n, point_id in enumerate(plan.ids(ServicePoint.__table__, count)):
        country, city, postal = places[n % len(places)] if n < len(places) else rng.choice(places)
        name, number = f"{city} {POINT_KINDS[n // len(places) % len(POINT_KINDS)]}", 1
        while name.lower() in names:
            number += 1
            name = f"{city} {POINT_KINDS[n // len(places) % len(POINT_KINDS)]} {number}"
        names.add(name.lower())
        key, number = slug(name)[:40], 1
        while key in keys:
            number += 1
            key = f"{slug(name)[:34]}-{number}"
        keys.add(key)
        points.append({"id": point_id, "key": key, "name": name, "line1": f"{rng.randint(1, 200)} "
                       f"{rng.choice(STREETS)}", "postal_code": postal, "city": city, "country": country,
                       "active": True})
        offered = rng.sample(SERVICES, rng.choice([1, 2]))
        services += [{"id": service_id, "service_point_id": point_id, "name": service, "active": True}
                     for service_id, service in zip(plan.ids(Service.__table__, len(offered)), offered)]
    plan.insert(ServicePoint.__table__, points)
    plan.insert(Service.__table__, services)


def seed_offers(plan: Plan, count: int) -> None:
    """``count`` offers spread evenly over the profile's service points, a product at most once per point."""
    from profiles import ProfileError

    rng, points = plan.rng, _points(plan)
    if count and not points:
        raise ProfileError("Product offers need service points; seed them first.")
    first = plan.next_id.get(Product.__tablename__, 1) - plan.counts[Product.__tablename__]
    rows = db.session.execute(select(Product.id, ProductType.key).join(ProductType)
                              .where(Product.id >= first, Product.active.is_(True)).order_by(Product.id)).all()
    preferred = [product_id for product_id, kind in rows if kind == "service"]
    others = [product_id for product_id, kind in rows if kind != "service"]
    if count > len(points) * len(rows):
        raise ProfileError(f"{len(rows)} products at {len(points)} service points cannot make {count} offers.")
    need, queues = -(-count // len(points)) if points else 0, {}
    for point_id in points:  # per point the products it offers, each once: the service products first
        queues[point_id] = rng.sample(preferred, min(need, len(preferred)))
        queues[point_id] += rng.sample(others, need - len(queues[point_id]))
    on_site = db.session.scalar(select(ShipmentType.id).where(ShipmentType.key == "on_site_service"))
    today, point_ids, offers, services, shipments = plan.now.date(), list(points), [], [], []
    for n, offer_id in enumerate(plan.ids(ProductOffer.__table__, count)):
        point_id = point_ids[n % len(points)]
        product_id, (key, point_services) = queues[point_id][n // len(points)], points[point_id]
        valid = rng.random() < 0.3
        offers.append({"id": offer_id, "reference": f"{key[:24]}-{offer_id}", "product_id": product_id,
                       "service_point_id": point_id, "active": rng.random() > 0.05,
                       "stock": rng.choice([5, 10, 20, 50, 100]) if rng.random() < 0.4 else None,
                       "valid_from": today - timedelta(days=rng.randint(30, 400)) if valid else None,
                       "valid_until": today + timedelta(days=rng.randint(30, 400)) if valid else None,
                       "price": Decimal(rng.randrange(120, 900, 5)) if rng.random() < 0.5 else None,
                       "currency": "EUR"})
        chosen = point_services if len(point_services) == 1 or rng.random() < 0.5 else [rng.choice(point_services)]
        services += [{"offer_id": offer_id, "service_id": service_id} for service_id, _ in chosen]
        if on_site is not None:
            shipments.append({"offer_id": offer_id, "shipment_type_id": on_site})
    plan.insert(ProductOffer.__table__, offers)
    plan.insert(offer_services, services)
    plan.insert(offer_shipment_types, shipments)


def seed_booked_services(plan: Plan, count: int) -> None:
    """``count`` booked services of the profile's offers, each with an order of the profile placed before."""
    rng, now = plan.rng, plan.now
    orders, offers = _recent_orders(plan, count), _offers(plan)
    if not orders or not offers:
        return
    placed = [order[-1] for order in orders]  # sorted by the time placed
    ids = plan.ids(BookedService.__table__, count)
    for start in range(0, count, BATCH):
        rows = []
        for booked_id in ids[start:start + BATCH]:
            for _ in range(50):  # a time with orders placed one to LEAD_DAYS days before it
                day = now + timedelta(days=rng.uniform(-PAST_DAYS, AHEAD_DAYS))
                at = day.replace(hour=rng.randint(7, 16), minute=rng.choice([0, 30]), second=0, microsecond=0)
                low = bisect_left(placed, at - timedelta(days=LEAD_DAYS))
                high = bisect_right(placed, min(now, at - timedelta(days=1)))
                if low < high:
                    break
            else:  # hardly any orders: a time after one of them
                low = rng.randrange(len(orders))
                high = low + 1
                at = placed[low] + timedelta(days=rng.uniform(1, LEAD_DAYS))
            order_id, number, company_id, owner_id, unit_id, placed_at = orders[rng.randrange(low, high)]
            offer_id, product_id, sku, name, point, address, service = rng.choice(offers)
            states = PAST_STATES if at < now else AHEAD_STATES
            rows.append({"id": booked_id, "company_id": company_id, "business_unit_id": unit_id,
                         "owner_id": owner_id, "order_id": order_id, "order_number": number,
                         "product_id": product_id, "sku": sku, "product_name": name,
                         "quantity": 2 if rng.random() < 0.1 else 1, "offer_id": offer_id,
                         "service_point_name": point, "service_point_address": address, "service_name": service,
                         "asset_id": None, "scheduled_at": at,
                         "state": rng.choices(list(states), list(states.values()))[0],
                         "created_at": min(now, placed_at + timedelta(seconds=rng.uniform(1, 30)))})
        plan.insert(BookedService.__table__, rows)


def _points(plan: Plan) -> dict[int, tuple[str, list[tuple[int, str]]]]:
    """The profile's service points: id: (key, its services as (id, name))."""
    first = plan.next_id.get(ServicePoint.__tablename__, 1) - plan.counts[ServicePoint.__tablename__]
    points = {point_id: (key, []) for point_id, key in db.session.execute(
        select(ServicePoint.id, ServicePoint.key).where(ServicePoint.id >= first).order_by(ServicePoint.id))}
    for service_id, point_id, name in db.session.execute(
            select(Service.id, Service.service_point_id, Service.name).where(Service.service_point_id >= first)
            .order_by(Service.id)):
        points[point_id][1].append((service_id, name))
    return points


def _offers(plan: Plan) -> list[tuple]:
    """The profile's offers as a booked service copies them: (id, product id, SKU, product name, point name,
    point address, services)."""
    first = plan.next_id.get(ProductOffer.__tablename__, 1) - plan.counts[ProductOffer.__tablename__]
    names = defaultdict(list)
    for offer_id, name in db.session.execute(
            select(offer_services.c.offer_id, Service.name).join(Service).where(offer_services.c.offer_id >= first)
            .order_by(offer_services.c.offer_id, Service.name)):
        names[offer_id].append(name)
    rows = db.session.execute(
        select(ProductOffer.id, Product.id, Product.sku, Product.name, ServicePoint.name, ServicePoint.line1,
               ServicePoint.postal_code, ServicePoint.city, ServicePoint.country)
        .join(Product, Product.id == ProductOffer.product_id).join(ServicePoint)
        .where(ProductOffer.id >= first).order_by(ProductOffer.id))
    return [(offer_id, product_id, sku, name, point, ", ".join(p for p in (line1, f"{postal} {city}".strip(),
                                                                         country) if p), ", ".join(names[offer_id]))
            for offer_id, product_id, sku, name, point, line1, postal, city, country in rows]


def _recent_orders(plan: Plan, count: int) -> list[tuple]:
    """A sample of at most ``count`` of the profile's orders that may have booked a service in the window, not
    cancelled: (id, number, company id, owner id, business unit id, placed at), sorted by the time placed."""
    first = plan.next_id.get(Order.__tablename__, 1) - plan.counts[Order.__tablename__]
    since = plan.now - timedelta(days=PAST_DAYS + LEAD_DAYS)
    low, high = db.session.execute(select(func.min(Order.id), func.max(Order.id))
                                   .where(Order.id >= first, Order.placed_at >= since)).one()
    if low is None:
        return []
    sample = sorted(plan.rng.sample(range(low, high + 1), min(count, high + 1 - low)))
    found = []
    for start in range(0, len(sample), BATCH):
        found += db.session.execute(
            select(Order.id, Order.number, Order.company_id, Order.owner_id, Order.business_unit_id, Order.placed_at)
            .where(Order.id.in_(sample[start:start + BATCH]), Order.state != "cancelled")).all()
    return sorted((tuple(row) for row in found), key=lambda row: (row[-1], row[0]))
