"""Recurring orders: a cart ordered again and again, on a cadence, by a job.

A customer sets their cart to repeat (weekly, every N weeks, monthly or
quarterly, from a start date, until an optional end date); checkout then sets
up a recurring order instead of placing one (``set_up_recurring_order``): the
lines, the prices agreed and the addresses are kept with it. The job
``run_due`` places the real orders when they are due, as the person who set it
up: each run claims its date with a conditional UPDATE and the order carries
the date under a unique constraint, so no run ever places the same order twice.
When a product is no longer sold or its price changed, the recurring order
waits for the customer's review instead of ordering. ``send_notices`` mails
the customer a few days before each order.

Quotes and recurring orders do not mix (see ``models.quotes``). Deleting a
user deletes their recurring orders (the foreign key cascades).
"""
from __future__ import annotations

import calendar
import enum
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from extensions import db
from models.actors import Actor
from models.audit import record
from models.base import DomainError, NotPermitted, UTCDateTime, enum_check, utcnow
from models.carts import Cart
from models.catalog import Product
from models.money import Amount, Money
from models.operations import operation
from models.permissions import Perm, StaffPerm
from models.scopes import Owned
from models.shops import Shop


class Cadence(str, enum.Enum):
    WEEKLY = "weekly"
    WEEKS = "weeks"  # every N weeks
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


CADENCE_LABELS = {Cadence.WEEKLY.value: "Every week", Cadence.WEEKS.value: "Every few weeks",
                  Cadence.MONTHLY.value: "Every month", Cadence.QUARTERLY.value: "Every quarter"}
MAX_WEEKS = 52
LONGEST_YEARS = 5  # how far ahead a start or end date may lie
NOTICE_DAYS = 3  # the customer hears of an order this many days before it is placed


class RecurringState(str, enum.Enum):
    ACTIVE = "active"
    PAUSED = "paused"
    REVIEW = "review"  # a product or a price changed: the customer looks before it orders again
    CANCELLED = "cancelled"
    ENDED = "ended"


STATE_LABELS = {RecurringState.ACTIVE.value: "Active", RecurringState.PAUSED.value: "Paused",
                RecurringState.REVIEW.value: "Review required", RecurringState.CANCELLED.value: "Cancelled",
                RecurringState.ENDED.value: "Ended"}
STATE_TONES = {RecurringState.ACTIVE.value: "success", RecurringState.PAUSED.value: "neutral",
               RecurringState.REVIEW.value: "warning", RecurringState.CANCELLED.value: "neutral",
               RecurringState.ENDED.value: "neutral"}


class RecurringOrder(Owned, db.Model):
    __tablename__ = "recurring_orders"
    __table_args__ = (enum_check("state", RecurringState, "recurring_state"),
                      enum_check("cadence", Cadence, "recurring_cadence"),
                      Index("ix_recurring_orders_due", "state", "next_run", "id"),
                      Index("ix_recurring_orders_company_created", "company_id", "created_at", "id"),
                      Index("ix_recurring_orders_next_run", "next_run", "id"))
    scope = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The person who set it up: their orders, and deleted with them.
    owner_id: Mapped[int] = mapped_column(ForeignKey("company_users.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    state: Mapped[str] = mapped_column(String(12), default=RecurringState.ACTIVE.value)
    cadence: Mapped[str] = mapped_column(String(12))
    every: Mapped[int] = mapped_column(Integer, default=1)  # weeks, for Cadence.WEEKS
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    runs: Mapped[int] = mapped_column(Integer, default=0)  # occurrences used (placed or skipped)
    next_run: Mapped[date | None] = mapped_column(Date)
    notice_for: Mapped[date | None] = mapped_column(Date)  # the run the last notice mail announced
    orders_placed: Mapped[int] = mapped_column(Integer, default=0)
    review_note: Mapped[str] = mapped_column(Text, default="")
    buyer_name: Mapped[str] = mapped_column(String(170))
    buyer_email: Mapped[str] = mapped_column(String(254))
    currency: Mapped[str] = mapped_column(String(3))
    net_total: Mapped[Decimal] = mapped_column(Amount)
    shipping_address: Mapped[str] = mapped_column(Text, default="")
    billing_address: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str] = mapped_column(String(60), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shop: Mapped[Shop] = relationship()
    company: Mapped["Company"] = relationship()  # noqa: F821
    lines: Mapped[list[RecurringLine]] = relationship(back_populates="recurring_order", cascade="all, delete-orphan",
                                                      order_by="RecurringLine.position")

    @property
    def number(self) -> str:
        return f"R-{self.id:05d}"

    @property
    def cadence_label(self) -> str:
        return describe(self.cadence, self.every)

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    def money(self, amount: Decimal | None) -> Money | None:
        return None if amount is None else Money(amount, self.currency)

    def __str__(self) -> str:
        return f"Recurring order {self.number}"


class RecurringLine(db.Model):
    __tablename__ = "recurring_lines"
    __table_args__ = (Index("ix_recurring_lines_order", "recurring_order_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recurring_order_id: Mapped[int] = mapped_column(ForeignKey("recurring_orders.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Amount)  # the price agreed when it was set up (or reviewed)

    recurring_order: Mapped[RecurringOrder] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()


def describe(cadence: str, every: int = 1) -> str:
    if cadence == Cadence.WEEKS.value:
        return f"Every {every} weeks" if every > 1 else "Every week"
    return CADENCE_LABELS.get(cadence, cadence)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 January + 1 month: 28 or 29 February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def occurrence(start: date, cadence: str, every: int, k: int) -> date:
    """The ``k``-th date (from 0) of a schedule; months count from the start, so 31st stays 31st where it can."""
    if cadence == Cadence.WEEKLY.value:
        return start + timedelta(weeks=k)
    if cadence == Cadence.WEEKS.value:
        return start + timedelta(weeks=k * every)
    return add_months(start, k * (3 if cadence == Cadence.QUARTERLY.value else 1))


def first_on_or_after(schedule: RecurringOrder, day: date) -> tuple[int, date]:
    """The first occurrence of ``schedule`` on or after ``day``, and its index."""
    k = schedule.runs
    while occurrence(schedule.start_date, schedule.cadence, schedule.every, k) < day:
        k += 1
    return k, occurrence(schedule.start_date, schedule.cadence, schedule.every, k)


def today() -> date:
    return utcnow().date()


def _date(value, label: str, field: str, required: bool) -> date | None:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            value = None
        else:
            try:
                value = date.fromisoformat(text)
            except ValueError:
                raise DomainError(f"{label}: “{text[:20]}” is not a date.", field) from None
    if value is None and required:
        raise DomainError(f"Pick the {label.lower()}.", field)
    return value


def check_repeat(cadence, every, start, end) -> tuple[str, int, date, date | None]:
    """A cadence, its number of weeks, a start and an optional end date, as typed, checked."""
    if cadence not in {c.value for c in Cadence}:
        raise DomainError("Choose how often to order: every week, every few weeks, every month or every quarter.",
                          "cadence")
    weeks = 1
    if cadence == Cadence.WEEKS.value:
        text = str(every if every is not None else "").strip()
        if not text.isdigit() or not 2 <= int(text) <= MAX_WEEKS:
            raise DomainError(f"Every how many weeks? A whole number from 2 to {MAX_WEEKS}.", "every")
        weeks = int(text)
    start, end = _date(start, "First order date", "start", True), _date(end, "Last order date", "end", False)
    latest = add_months(today(), 12 * LONGEST_YEARS)
    if start < today():
        raise DomainError("The first order date cannot be in the past.", "start")
    if start > latest or (end is not None and end > latest):
        raise DomainError(f"Plan at most {LONGEST_YEARS} years ahead.", "end" if start <= latest else "start")
    if end is not None and end < start:
        raise DomainError("The last order date cannot be before the first.", "end")
    return cadence, weeks, start, end


@operation(Perm.PURCHASE, on="cart")
def set_cart_repeat(cart: Cart, *, actor: Actor, cadence, every=None, start=None, end=None) -> None:
    """Set the cart to repeat: checkout then sets up a recurring order."""
    from models.carts import check_holder

    check_holder(cart, actor)
    if cart.quote_id is not None:
        raise DomainError("Your cart holds a quote, and quotes and recurring orders do not mix: order the quote "
                          "first, then set up the recurring order from a new cart.")
    cart.repeat_cadence, cart.repeat_every, cart.repeat_start, cart.repeat_end = check_repeat(
        cadence, every, start, end)


@operation(Perm.PURCHASE, on="cart")
def clear_cart_repeat(cart: Cart, *, actor: Actor) -> None:
    """Make the cart a one-time order again."""
    from models.carts import check_holder

    check_holder(cart, actor)
    cart.repeat_cadence = cart.repeat_start = cart.repeat_end = None


@operation(Perm.PURCHASE, on="cart")
def set_up_recurring_order(cart: Cart, *, actor: Actor, shipping_address_id=None, billing_address_id=None,
                           reference: str = "", comment: str = "",
                           expected_total: Decimal | None = None) -> RecurringOrder:
    """Check out a cart that is set to repeat: the recurring order keeps its lines, prices and addresses, and
    the cart is then empty. A first order due today is placed right after (by the job)."""
    from models.checkout import _clean, clear_cart, prepare
    from models.followups import request_job

    if not cart.repeats:
        raise DomainError("Your cart is not set to repeat.")
    cadence, every, start, end = check_repeat(cart.repeat_cadence, cart.repeat_every, cart.repeat_start,
                                              cart.repeat_end)
    ready = prepare(cart, actor, shipping_address_id, billing_address_id, expected_total)
    schedule = RecurringOrder(
        company_id=ready.company.id, business_unit_id=ready.buyer.business_unit_id, owner_id=ready.buyer.id,
        shop_id=cart.shop_id, cadence=cadence, every=every, start_date=start, end_date=end, next_run=start,
        buyer_name=ready.buyer.full_name, buyer_email=ready.buyer.email, currency=ready.seen.totals.currency,
        net_total=ready.seen.totals.net, shipping_address="\n".join(ready.shipping),
        billing_address="\n".join(ready.billing), reference=_clean(reference, 60, "Your reference"),
        comment=_clean(comment, 2000, "Comment"))
    schedule.lines = [RecurringLine(position=i, product_id=d.product_id, sku=d.sku, name=d.name,
                                    quantity=d.quantity, unit_price=d.unit_price)
                      for i, d in enumerate(ready.drafts())]
    db.session.add(schedule)
    db.session.flush()
    record(actor, "recurring_order.created", company_id=schedule.company_id, target=schedule,
           number=schedule.number, cadence=schedule.cadence_label, start=start.isoformat())
    clear_cart(cart)
    if start <= today():
        request_job("default", "jobs.ordering.run_recurring_orders")
    return schedule


def recurring_of(actor: Actor):
    """The recurring orders ``actor`` may see (their own, their units', their company's), newest first."""
    from models.scopes import visible

    return visible(RecurringOrder, actor).order_by(RecurringOrder.created_at.desc(), RecurringOrder.id.desc())


def load_recurring(query) -> RecurringOrder | None:
    return db.session.scalar(query.options(selectinload(RecurringOrder.lines).joinedload(RecurringLine.product)))


def _check_changer(schedule: RecurringOrder, actor: Actor) -> None:
    """The person who set it up changes it (or staff); others of the company only look."""
    if actor.is_system or actor.acts_as_staff:
        return
    if not actor.acts_as_customer or actor.customer_id != schedule.owner_id:
        raise NotPermitted("Only the person who set up this recurring order can change it.")


def _audit(actor: Actor, schedule: RecurringOrder, action: str) -> None:
    record(actor, f"recurring_order.{action}", company_id=schedule.company_id, target=schedule,
           number=schedule.number)


@operation(Perm.PURCHASE, staff=StaffPerm.MANAGE_ORDERS, on="recurring")
def pause_recurring(recurring: RecurringOrder, *, actor: Actor) -> None:
    _check_changer(recurring, actor)
    if recurring.state != RecurringState.ACTIVE.value:
        raise DomainError(f"Only an active recurring order can be paused; this one is "
                          f"{recurring.state_label.lower()}.")
    recurring.state = RecurringState.PAUSED.value
    _audit(actor, recurring, "paused")


@operation(Perm.PURCHASE, staff=StaffPerm.MANAGE_ORDERS, on="recurring")
def resume_recurring(recurring: RecurringOrder, *, actor: Actor) -> None:
    """Order again from the next date on (dates missed while paused are skipped)."""
    _check_changer(recurring, actor)
    if recurring.state != RecurringState.PAUSED.value:
        raise DomainError(f"Only a paused recurring order can be resumed; this one is "
                          f"{recurring.state_label.lower()}.")
    _reschedule(recurring)
    _audit(actor, recurring, "resumed")


@operation(Perm.PURCHASE, staff=StaffPerm.MANAGE_ORDERS, on="recurring")
def cancel_recurring(recurring: RecurringOrder, *, actor: Actor) -> None:
    _check_changer(recurring, actor)
    if recurring.state in (RecurringState.CANCELLED.value, RecurringState.ENDED.value):
        raise DomainError(f"This recurring order is {recurring.state_label.lower()} already.")
    recurring.state, recurring.next_run = RecurringState.CANCELLED.value, None
    _audit(actor, recurring, "cancelled")


@operation(Perm.PURCHASE, on="recurring")
def accept_review(recurring: RecurringOrder, *, actor: Actor) -> list[str]:
    """Take today's prices, drop the products no longer sold and order again from the next date; what changed."""
    from models.recurring_runs import changes

    _check_changer(recurring, actor)
    if recurring.state != RecurringState.REVIEW.value:
        raise DomainError("This recurring order has nothing to review.")
    found = changes(recurring)
    kept = [line for line in recurring.lines if found.get(line.id, (None, None))[0] is not None]
    if not kept:
        raise DomainError("None of its products is sold any more: cancel this recurring order.")
    notes = []
    for line in list(recurring.lines):
        price, note = found.get(line.id, (line.unit_price, ""))
        if note:
            notes.append(note)
        if price is None:
            recurring.lines.remove(line)
        else:
            line.unit_price = price
    recurring.net_total = sum((line.unit_price * line.quantity for line in recurring.lines), Decimal(0))
    recurring.review_note = ""
    _reschedule(recurring)
    _audit(actor, recurring, "reviewed")
    return notes


def _reschedule(recurring: RecurringOrder) -> None:
    k, day = first_on_or_after(recurring, max(today(), recurring.next_run or today()))
    recurring.runs, recurring.next_run = k, day
    if recurring.end_date is not None and day > recurring.end_date:
        recurring.state, recurring.next_run = RecurringState.ENDED.value, None
    else:
        recurring.state = RecurringState.ACTIVE.value
