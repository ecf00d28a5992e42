"""Orders: what a customer placed, with its lines, totals and the addresses it goes to.

An order belongs to its buyer, their business unit and company (``Owned``:
seen through the orders triad). Its number is human-friendly and counts per
shop ("DE-10042"), drawn from a counter row in the same transaction as the
order. Its state is driven by the ``order`` workflow (placed, confirmed,
shipped, delivered, cancelled; on hold while staff check it). Prices, names
and addresses are copied into the order: changing the catalog or the address
book later does not change what was ordered.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select, text, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.actors import Actor
from models.base import DomainError, UTCDateTime, utcnow
from models.catalog import normal_sku
from models.money import Amount, Money
from models.scopes import Owned, visible
from models.search import contains
from models.workflows import WorkflowSubject, guard

FIRST_NUMBER = 10_000


class Origin(str, enum.Enum):
    CART = "cart"
    QUICK_ORDER = "quick_order"
    TEMPLATE = "template"
    RECURRING = "recurring"
    QUOTE = "quote"
    AGENT = "agent"


ORIGIN_LABELS = {Origin.CART.value: "Cart", Origin.QUICK_ORDER.value: "Quick order",
                 Origin.TEMPLATE.value: "Order template", Origin.RECURRING.value: "Recurring order",
                 Origin.QUOTE.value: "Quote", Origin.AGENT.value: "Placed by an agent"}


class Period(str, enum.Enum):
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    ALL = "all"


PERIOD_LABELS = {Period.WEEK.value: "Last week", Period.MONTH.value: "Last month", Period.YEAR.value: "Last year",
                 Period.ALL.value: "All orders"}
PERIOD_DAYS = {Period.WEEK.value: 7, Period.MONTH.value: 31, Period.YEAR.value: 366}


class OrderCounter(db.Model):
    """The last order number a shop gave."""

    __tablename__ = "order_counters"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=FIRST_NUMBER - 1)


class Order(Owned, WorkflowSubject, db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("shop_id", "number", name="uq_order_shop_number"),
        Index("ix_orders_company_placed", "company_id", "placed_at", "id"),
        Index("ix_orders_owner_placed", "owner_id", "placed_at", "id"),
        Index("ix_orders_unit_placed", "business_unit_id", "placed_at", "id"),
        Index("ix_orders_placed", "placed_at", "id"),
        Index("ix_orders_state_placed", "state", "placed_at", "id"),
        Index("ix_orders_number", "number"),
        # A schedule's orders; most orders belong to none, and indexed, their NULLs would make SQLite's
        # planner take the index for unselective.
        Index("ix_orders_recurring_placed", "recurring_order_id", "placed_at", "id",
              sqlite_where=text("recurring_order_id IS NOT NULL"), postgresql_where=text("recurring_order_id IS NOT NULL")),
        # A recurring order places one order per date, however often its job runs.
        UniqueConstraint("recurring_order_id", "recurring_run_on", name="uq_order_recurring_run"),
    )
    scope = "orders"
    subject_type = "order"
    default_workflow = "order"
    subject_noun = "order"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    number: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(String(20), default=Origin.CART.value)
    buyer_name: Mapped[str] = mapped_column(String(170))
    buyer_email: Mapped[str] = mapped_column(String(254), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    tax_rate: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    net_total: Mapped[Decimal] = mapped_column(Amount)
    tax_total: Mapped[Decimal] = mapped_column(Amount)
    gross_total: Mapped[Decimal] = mapped_column(Amount)
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    shipping_address: Mapped[str] = mapped_column(Text, default="")
    billing_address: Mapped[str] = mapped_column(Text, default="")
    payment_method: Mapped[str] = mapped_column(String(20), default="invoice")
    reference: Mapped[str] = mapped_column(String(60), default="")  # the customer's purchase order number
    comment: Mapped[str] = mapped_column(Text, default="")
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recurring_order_id: Mapped[int | None] = mapped_column(ForeignKey("recurring_orders.id", ondelete="SET NULL"))
    recurring_run_on: Mapped[date | None] = mapped_column(Date)

    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", cascade="all, delete-orphan",
                                                  order_by="OrderLine.position")
    company: Mapped["Company"] = relationship()  # noqa: F821
    owner: Mapped["CompanyUser | None"] = relationship()  # noqa: F821
    business_unit: Mapped["BusinessUnit | None"] = relationship()  # noqa: F821

    def money(self, amount: Decimal | None) -> Money | None:
        return None if amount is None else Money(amount, self.currency)

    def contact_emails(self) -> list[str]:
        return [self.buyer_email] if self.buyer_email else []

    def __str__(self) -> str:
        return f"Order {self.number}"


class OrderLine(db.Model):
    __tablename__ = "order_lines"
    __table_args__ = (Index("ix_order_lines_sku", "sku", "order_id"),
                      Index("ix_order_lines_order", "order_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Amount)
    line_total: Mapped[Decimal] = mapped_column(Amount)
    shipping_address: Mapped[str | None] = mapped_column(Text)  # its own delivery address; None: the order's

    order: Mapped[Order] = relationship(back_populates="lines")


def next_number(shop) -> str:
    """The shop's next order number, counted atomically (the counter row is locked until the commit)."""
    bump = (update(OrderCounter).where(OrderCounter.shop_id == shop.id)
            .values(last_number=OrderCounter.last_number + 1).returning(OrderCounter.last_number))
    number = db.session.scalar(bump)
    if number is None:
        db.session.add(OrderCounter(shop_id=shop.id, last_number=FIRST_NUMBER - 1))
        db.session.flush()  # two first orders at once: the loser's insert fails, it is told to try again
        number = db.session.scalar(bump)
    return f"{number_prefix(shop)}-{number}"


def number_prefix(shop) -> str:
    """"DE" for atrium-de: the shop code's last part, upper case."""
    return "".join(ch for ch in shop.code.split("-")[-1].upper() if ch.isalnum())[:6] or "A"


@dataclass
class OrderFilters:
    """What the order history is narrowed to (from the query string, checked)."""

    search: str = ""  # order number or buyer name
    sku: str = ""
    period: str = Period.MONTH.value
    date_from: date | None = None
    date_to: date | None = None
    state: str = ""


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of ``day``: "placed on or after" and "before the day after" bounds."""
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def order_history(actor: Actor, filters: OrderFilters, now: datetime | None = None):
    """The orders ``actor`` may see, narrowed by ``filters``, newest first."""
    query = visible(Order, actor)
    if filters.date_from or filters.date_to:
        if filters.date_from:
            query = query.where(Order.placed_at >= day_start(filters.date_from))
        if filters.date_to:
            query = query.where(Order.placed_at < day_start(filters.date_to + timedelta(days=1)))
    elif filters.period in PERIOD_DAYS:
        query = query.where(Order.placed_at >= (now or utcnow()) - timedelta(days=PERIOD_DAYS[filters.period]))
    search = filters.search.strip()[:100]
    if search:
        query = query.where((Order.number == search.upper()) | contains(Order.buyer_name, search))
    if filters.sku.strip():
        # The orders holding the SKU, read from the SKU's lines in its index and then sorted: as a join of the
        # lines' distinct orders, not "id IN (...)" or an EXISTS, for which SQLite walks every order of the
        # company newest first (70,000 of Acme's at L) to find the few that hold the SKU.
        holding = select(OrderLine.order_id).where(OrderLine.sku == normal_sku(filters.sku)[:64]).distinct() \
            .subquery("holding_sku")
        query = query.join(holding, holding.c.order_id == Order.id)
    if filters.state:
        query = query.where(Order.state == filters.state)
    return query.order_by(Order.placed_at.desc(), Order.id.desc())


@guard("order.placed_by_actor")
def _placed_by_actor(order: Order, *, actor: Actor) -> None:
    """A customer cancels only an order they placed themselves (staff cancel any, with a reason)."""
    if actor.acts_as_customer and actor.customer_id != order.owner_id:
        raise DomainError("Only the person who placed an order can cancel it here; ask them, or your "
                          "representative.")
