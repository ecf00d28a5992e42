"""Services: where they are given, what is offered there, and the services customers booked.

A service point is a place (with its address) where services are given; a
service is a kind of service at one service point ("On-site service visit at
Hamburg workshop"). A product offer ties a product (usually of the product type
"service") to a service point, the services given with it and the shipment
types it allows, with stock (none: always available), validity dates and the
price there. In the cart, a service line names its service point and, where
the product asks for it, a date and time; placing the order books each service
line (``book_services``, a placement check of ``models.checkout``), draws its
stock down atomically and files a booked service under the buyer, seen through
the services triad. A booked service can be rescheduled or cancelled while it
is scheduled and still ahead.
"""
from __future__ import annotations

import enum
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    and_,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.actors import Actor
from models.audit import record
from models.base import DomainError, UTCDateTime, enum_check, utcnow
from models.catalog import Product, ShipmentType
from models.checkout import placement_check
from models.money import Amount
from models.operations import operation
from models.permissions import Perm, StaffPerm
from models.scopes import Owned, visible
from models.search import contains

EARLIEST_HOURS = 24  # a service is booked at least this long ahead
LATEST_DAYS = 366


class ServicePoint(db.Model):
    __tablename__ = "service_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    line1: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    services: Mapped[list[Service]] = relationship(back_populates="service_point", order_by="Service.name")

    @property
    def address(self) -> str:
        return ", ".join(part for part in (self.line1, f"{self.postal_code} {self.city}".strip(), self.country) if part)

    def __str__(self) -> str:
        return self.name


class Service(db.Model):
    """A kind of service given at one service point."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    service_point: Mapped[ServicePoint] = relationship(back_populates="services")

    def __str__(self) -> str:
        return f"{self.name} ({self.service_point.name})"


offer_services = Table(
    "offer_services", db.metadata,
    Column("offer_id", Integer, ForeignKey("product_offers.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", Integer, ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)
offer_shipment_types = Table(
    "offer_shipment_types", db.metadata,
    Column("offer_id", Integer, ForeignKey("product_offers.id", ondelete="CASCADE"), primary_key=True),
    Column("shipment_type_id", Integer, ForeignKey("shipment_types.id", ondelete="CASCADE"), primary_key=True),
)


class ProductOffer(db.Model):
    """A product offered at a service point: its services, shipment types, stock, validity and price."""

    __tablename__ = "product_offers"
    __table_args__ = (Index("ix_product_offers_product", "product_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    stock: Mapped[int | None] = mapped_column(Integer)  # None: always available
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    price: Mapped[Decimal | None] = mapped_column(Amount)  # net, in the currency below; None: the product's
    currency: Mapped[str] = mapped_column(String(3), default="EUR")

    product: Mapped[Product] = relationship()
    service_point: Mapped[ServicePoint] = relationship()
    services: Mapped[list[Service]] = relationship(secondary=offer_services, order_by=Service.name)
    shipment_types: Mapped[list[ShipmentType]] = relationship(secondary=offer_shipment_types,
                                                              order_by=ShipmentType.name)

    def valid_on(self, day: date) -> bool:
        return self.active and (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until)

    def __str__(self) -> str:
        return f"{self.reference}: {self.product.name} at {self.service_point.name}"


class BookedState(str, enum.Enum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


BOOKED_LABELS = {BookedState.SCHEDULED.value: "Scheduled", BookedState.COMPLETED.value: "Completed",
                 BookedState.CANCELLED.value: "Cancelled"}
BOOKED_TONES = {BookedState.SCHEDULED.value: "primary", BookedState.COMPLETED.value: "success",
                BookedState.CANCELLED.value: "neutral"}


class BookedService(Owned, db.Model):
    """A service a customer booked with an order: which, where, when, and where it stands."""

    __tablename__ = "booked_services"
    __table_args__ = (Index("ix_booked_services_company_at", "company_id", "scheduled_at", "id"),
                      Index("ix_booked_services_company_state", "company_id", "state", "scheduled_at", "id"),
                      Index("ix_booked_services_state_at", "state", "scheduled_at"),
                      Index("ix_booked_services_at", "scheduled_at", "id"),
                      Index("ix_booked_services_asset_at", "asset_id", "scheduled_at", "id",  # an asset's history
                            sqlite_where=text("asset_id IS NOT NULL"), postgresql_where=text("asset_id IS NOT NULL")),
                      enum_check("state", BookedState, "state"))
    scope = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    order_number: Mapped[str] = mapped_column(String(30))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    sku: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("product_offers.id", ondelete="SET NULL"))
    service_point_name: Mapped[str] = mapped_column(String(120))
    service_point_address: Mapped[str] = mapped_column(String(400), default="")
    service_name: Mapped[str] = mapped_column(String(120), default="")
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default=BookedState.SCHEDULED.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    asset: Mapped["Asset | None"] = relationship()  # noqa: F821

    @property
    def state_label(self) -> str:
        return BOOKED_LABELS.get(self.state, self.state)

    @property
    def state_tone(self) -> str:
        return BOOKED_TONES.get(self.state, "neutral")

    def changeable(self, now: datetime) -> bool:
        """Still scheduled and not yet due: it may be rescheduled or cancelled."""
        return self.state == BookedState.SCHEDULED.value and (self.scheduled_at is None or self.scheduled_at > now)

    def __str__(self) -> str:
        return f"{self.product_name} ({self.order_number})"


def offered_on(day: date) -> tuple:
    """The conditions on an offer (joined to its service point) that a customer may book on ``day``."""
    return (ProductOffer.active.is_(True), ServicePoint.active.is_(True),
            or_(ProductOffer.valid_from.is_(None), ProductOffer.valid_from <= day),
            or_(ProductOffer.valid_until.is_(None), ProductOffer.valid_until >= day),
            or_(ProductOffer.stock.is_(None), ProductOffer.stock > 0))


def current_offers(product_ids, day: date) -> dict[int, list[ProductOffer]]:
    """The active offers valid on ``day`` of these products, by product, in one statement."""
    from sqlalchemy.orm import contains_eager, selectinload

    rows = db.session.scalars(
        select(ProductOffer).join(ServicePoint)
        .where(ProductOffer.product_id.in_(set(product_ids)), *offered_on(day))
        .order_by(ServicePoint.name, ProductOffer.id)
        .options(contains_eager(ProductOffer.service_point), selectinload(ProductOffer.services),
                 selectinload(ProductOffer.shipment_types))).all()
    found: dict[int, list[ProductOffer]] = {}
    for offer in rows:
        found.setdefault(offer.product_id, []).append(offer)
    return found


def check_service_time(when: datetime | None, *, required: bool, now: datetime | None = None) -> datetime | None:
    """A time a service can be booked for: at least ``EARLIEST_HOURS`` ahead, within a year."""
    now = now or utcnow()
    if when is None:
        if required:
            raise DomainError("Choose a date and time for the service.", "service_at")
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if when < now + timedelta(hours=EARLIEST_HOURS):
        raise DomainError(f"Book the service at least {EARLIEST_HOURS} hours ahead; that time is too soon or "
                          "in the past.", "service_at")
    if when > now + timedelta(days=LATEST_DAYS):
        raise DomainError("Book the service within the next year.", "service_at")
    return when


@operation(Perm.PURCHASE, on="cart", guest=True)
def set_line_service(cart, line_id: int, *, actor: Actor, offer_id=None, service_at: datetime | None = None):
    """Choose where (an offer at a service point) and when a service line of the cart is given."""
    from models.carts import check_holder

    check_holder(cart, actor)
    line = next((l for l in cart.lines if l.id == line_id), None)
    if line is None:
        raise DomainError("That line is no longer in your cart.")
    offers = current_offers([line.product_id], utcnow().date()).get(line.product_id, [])
    offer = next((o for o in offers if str(o.id) == str(offer_id)), None)
    if offer is None:
        raise DomainError(f"Choose a service point for {line.product.name} from the list.", "offer")
    line.offer_id = offer.id
    line.service_at = check_service_time(service_at, required=line.product.service_date_required)
    db.session.flush()
    return line


def service_problems(cart, offers: dict[int, list[ProductOffer]]) -> list[str]:
    """What stops the cart's service lines from being booked: no service point chosen, no time."""
    problems = []
    for line in cart.lines:
        choices = offers.get(line.product_id)
        if not choices:
            continue
        if line.offer_id not in {o.id for o in choices}:
            problems.append(f"Choose a service point for {line.product.name}.")
        elif line.product.service_date_required and line.service_at is None:
            problems.append(f"Choose a date and time for {line.product.name}.")
    return problems


@placement_check
def book_services(order, cart, *, actor: Actor) -> list[BookedService]:
    """Book the order's service lines (a placement check): one booked service each, stock drawn down."""
    if cart is None:
        return []
    service_lines = [line for line in cart.lines if line.offer_id is not None]
    if not service_lines:
        return []
    offers = {o.id: o for o in db.session.scalars(
        select(ProductOffer).where(ProductOffer.id.in_({line.offer_id for line in service_lines})))}
    booked = []
    for line in service_lines:
        offer = offers.get(line.offer_id)
        if offer is None or not offer.valid_on(utcnow().date()):
            raise DomainError(f"The service point chosen for {line.product.name} no longer offers it; choose "
                              "another in the cart.")
        _take_stock(offer, line.quantity, line.product.name)
        when = check_service_time(line.service_at, required=line.product.service_date_required)
        booked.append(BookedService(
            company_id=order.company_id, business_unit_id=order.business_unit_id, owner_id=order.owner_id,
            order_id=order.id, order_number=order.number, product_id=line.product_id, sku=line.product.sku,
            product_name=line.product.name, quantity=line.quantity, offer_id=offer.id,
            service_point_name=offer.service_point.name, service_point_address=offer.service_point.address,
            service_name=", ".join(s.name for s in offer.services), scheduled_at=when, asset_id=line.asset_id))
    db.session.add_all(booked)
    db.session.flush()
    return booked


def _take_stock(offer: ProductOffer, quantity: int, name: str) -> None:
    if offer.stock is None:
        return
    taken = db.session.execute(
        update(ProductOffer).where(ProductOffer.id == offer.id, ProductOffer.stock >= quantity)
        .values(stock=ProductOffer.stock - quantity).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise DomainError(f"{name} at {offer.service_point.name} has too few places left for {quantity}; "
                          "change the quantity or choose another service point.")


@operation(Perm.PURCHASE, staff=StaffPerm.MANAGE_ORDERS, on="booked")
def reschedule_service(booked: BookedService, when: datetime | None, *, actor: Actor) -> None:
    """Move a scheduled service to another time (while it is ahead)."""
    if not booked.changeable(utcnow()):
        raise DomainError("This service can no longer be rescheduled: it is done, cancelled or due now.")
    before = booked.scheduled_at
    booked.scheduled_at = check_service_time(when, required=True)
    moved = db.session.execute(
        update(BookedService).where(BookedService.id == booked.id, BookedService.state == BookedState.SCHEDULED.value)
        .values(scheduled_at=booked.scheduled_at).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise DomainError("This service was cancelled or completed a moment ago; nothing was changed.")
    record(actor, "booked_service.rescheduled", company_id=booked.company_id, target=booked,
           before=before.isoformat() if before else "", after=booked.scheduled_at.isoformat())


@operation(Perm.PURCHASE, staff=StaffPerm.MANAGE_ORDERS, on="booked")
def cancel_service(booked: BookedService, *, actor: Actor) -> None:
    """Cancel a scheduled service that is still ahead; its place goes back to the offer's stock."""
    if not booked.changeable(utcnow()):
        raise DomainError("This service can no longer be cancelled: it is done, cancelled or due now.")
    _set_state(booked, BookedState.CANCELLED)
    if booked.offer_id is not None:
        db.session.execute(update(ProductOffer).where(ProductOffer.id == booked.offer_id,
                                                      ProductOffer.stock.is_not(None))
                           .values(stock=ProductOffer.stock + booked.quantity).execution_options(synchronize_session=False))
    record(actor, "booked_service.cancelled", company_id=booked.company_id, target=booked)


@operation(staff=StaffPerm.MANAGE_ORDERS)
def complete_service(booked: BookedService, *, actor: Actor) -> None:
    """Staff record a service as given."""
    if booked.state != BookedState.SCHEDULED.value:
        raise DomainError("Only a scheduled service can be completed.")
    _set_state(booked, BookedState.COMPLETED)
    record(actor, "booked_service.completed", company_id=booked.company_id, target=booked)


def _set_state(booked: BookedService, state: BookedState) -> None:
    moved = db.session.execute(
        update(BookedService).where(BookedService.id == booked.id, BookedService.state == BookedState.SCHEDULED.value)
        .values(state=state.value).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise DomainError("This service was changed by someone else a moment ago; nothing was changed.")
    booked.state = state.value


WHOSE = {"mine": "My booked services", "unit": "My business unit's", "company": "My company's"}


def whose_choices(actor: Actor) -> dict[str, str]:
    """Whose booked services ``actor`` may choose to see (their permissions decide the wider two)."""
    choices = {"mine": WHOSE["mine"]}
    if actor.business_unit_id and (actor.can(Perm.VIEW_BUSINESS_UNIT_SERVICES) or actor.can(Perm.VIEW_COMPANY_SERVICES)):
        choices["unit"] = WHOSE["unit"]
    if actor.can(Perm.VIEW_COMPANY_SERVICES):
        choices["company"] = WHOSE["company"]
    return choices


def booked_list(actor: Actor, *, search: str = "", state: str = "", upcoming: bool = False, whose: str = ""):
    """The booked services ``actor`` may see: search product name, SKU or order number; ``whose``: "mine",
    "unit" (their business unit and below) or all they may see; latest first, or ``upcoming`` (scheduled and
    ahead) soonest first."""
    from models.scopes import unit_and_below

    query = visible(BookedService, actor)
    if whose == "mine" and actor.acts_as_customer:
        query = query.where(BookedService.owner_id == actor.customer_id)
    elif whose == "unit" and actor.business_unit_id:
        query = query.where(BookedService.business_unit_id.in_(unit_and_below(actor.business_unit_id)))
    if search.strip():
        query = query.where(or_(*(contains(c, search) for c in (
            BookedService.product_name, BookedService.sku, BookedService.order_number))))
    if state in BOOKED_LABELS:
        query = query.where(BookedService.state == state)
    if upcoming:
        query = query.where(and_(BookedService.state == BookedState.SCHEDULED.value,
                                 BookedService.scheduled_at >= utcnow()))
        return query.order_by(BookedService.scheduled_at, BookedService.id)
    return query.order_by(BookedService.scheduled_at.desc(), BookedService.id.desc())
