"""The runs of recurring orders: placing the orders that are due, and the notice before each.

``run_due`` takes the recurring orders due on a day in batches. Each run
first claims its date: a conditional UPDATE moves ``next_run`` on only if it
still holds the date this run read, so of two runs at once (two workers, a
retry) one places the order and the other skips it; the order also carries
the date under a unique constraint. Each recurring order runs in its own
savepoint: one that fails does not stop the others.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from extensions import db
from models.actors import SYSTEM, Actor
from models.base import DomainError
from models.carts import resolve_lines
from models.mail import Mail, queue_mails
from models.money import format_money
from models.operations import operation
from models.orders import Origin
from models.permissions import StaffPerm
from models.recurring import RecurringLine, RecurringOrder, RecurringState, occurrence, today

BATCH = 200  # recurring orders one run takes; the next run takes the rest


@dataclass
class RunReport:
    placed: list[str] = field(default_factory=list)  # order numbers
    review: list[str] = field(default_factory=list)  # recurring order numbers waiting for their customer
    skipped: int = 0  # taken by another run at the same moment


def changes(schedule: RecurringOrder) -> dict[int, tuple[Decimal | None, str]]:
    """For each line: today's unit price (None: no longer sold) and a sentence when it differs."""
    rows = [(line.product.sku if line.product else line.sku, line.quantity) for line in schedule.lines]
    reports = resolve_lines(schedule, rows)
    locale = schedule.shop.locale
    found = {}
    for line, report in zip(schedule.lines, reports):
        if line.product_id is None or not report.ok:
            found[line.id] = (None, f"{line.sku} ({line.name}) is no longer sold, so it leaves the order.")
        elif report.unit_price != line.unit_price:
            before, after = (format_money(schedule.money(p), locale) for p in (line.unit_price, report.unit_price))
            found[line.id] = (report.unit_price, f"{line.name} now costs {after} instead of {before}.")
        else:
            found[line.id] = (line.unit_price, "")
    return found


def _following(schedule: RecurringOrder, on: date) -> tuple[int, date | None]:
    """The index and date of the first occurrence after ``on`` (None once past the end date)."""
    k = schedule.runs
    while occurrence(schedule.start_date, schedule.cadence, schedule.every, k) <= on:
        k += 1
    day = occurrence(schedule.start_date, schedule.cadence, schedule.every, k)
    return k, None if schedule.end_date is not None and day > schedule.end_date else day


def _claim(schedule: RecurringOrder, on: date) -> date | None:
    """Move the schedule past ``on``; the date this run orders for, or None if another run took it."""
    due = schedule.next_run
    k, following = _following(schedule, on)
    state = RecurringState.ACTIVE.value if following else RecurringState.ENDED.value
    taken = db.session.execute(
        update(RecurringOrder).where(RecurringOrder.id == schedule.id, RecurringOrder.next_run == due,
                                     RecurringOrder.state == RecurringState.ACTIVE.value)
        .values(runs=k, next_run=following, state=state).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        return None
    for name, value in (("runs", k), ("next_run", following), ("state", state)):
        set_committed_value(schedule, name, value)  # as stored by the UPDATE above: nothing more to flush
    return due


def _to_review(schedule: RecurringOrder, due: date, notes: list[str]) -> None:
    schedule.state, schedule.review_note = RecurringState.REVIEW.value, "\n".join(notes)
    queue_mails([Mail(schedule.buyer_email, "recurring_review",
                      f"Your recurring order {schedule.number} needs a look", {"recurring": schedule, "notes": notes,
                                                                               "due": due})])


def _place(schedule: RecurringOrder, due: date):
    from models.checkout import Draft, Prepared, check_rules, record_order
    from models.companies import Company
    from models.pricing import Pricing
    from models.users import CompanyUser

    company, buyer = db.session.get(Company, schedule.company_id), db.session.get(CompanyUser, schedule.owner_id)
    pricing = Pricing.for_company(company)
    drafts = [Draft(line.product_id, line.product.sku, line.product.name, line.quantity, line.unit_price,
                    pricing.line_total(line.unit_price, line.quantity)) for line in schedule.lines]
    totals = pricing.totals([d.line_total for d in drafts])
    held = check_rules(company, totals.gross)
    ready = Prepared(company, buyer, None, held, schedule.shipping_address.split("\n"),
                     schedule.billing_address.split("\n"))
    order = record_order(ready, actor=SYSTEM, origin=Origin.RECURRING.value, drafts=drafts, totals=totals,
                         reference=schedule.reference, comment=schedule.comment,
                         recurring_order_id=schedule.id, recurring_run_on=due)
    schedule.orders_placed += 1
    return order


def _run_one(schedule: RecurringOrder, on: date, report: RunReport) -> None:
    due = _claim(schedule, on)
    if due is None:
        report.skipped += 1
        return
    notes = [note for _, note in changes(schedule).values() if note]
    if not notes:
        try:
            report.placed.append(_place(schedule, due).number)
            return
        except DomainError as refused:  # the company may not order now (blocked, inactive, over its limit)
            notes = [str(refused)]
    _to_review(schedule, due, notes)
    report.review.append(schedule.number)


@operation(staff=StaffPerm.MANAGE_ORDERS)
def run_due(on: date | None = None, *, actor: Actor) -> RunReport:
    """Place the orders of the recurring orders due on or before ``on`` (today), up to ``BATCH`` of them;
    the jobs run it as Atrium itself (``SYSTEM``), and each order is its buyer's."""
    on = on or today()
    due = db.session.scalars(
        select(RecurringOrder).where(RecurringOrder.state == RecurringState.ACTIVE.value,
                                     RecurringOrder.next_run <= on)
        .order_by(RecurringOrder.next_run, RecurringOrder.id).limit(BATCH)
        .options(selectinload(RecurringOrder.lines).joinedload(RecurringLine.product),
                 selectinload(RecurringOrder.shop))).all()
    _people = _people_of(due)  # held for the run, so that each order finds its company and buyer loaded
    report = RunReport()
    for schedule in due:
        try:
            with db.session.begin_nested():
                _run_one(schedule, on, report)
        except IntegrityError:  # the order of this date exists already: another run placed it
            report.skipped += 1
    return report


def _people_of(schedules: list[RecurringOrder]) -> list:
    """The companies and buyers of ``schedules``, in two statements."""
    from models.companies import Company
    from models.users import CompanyUser

    if not schedules:
        return []
    return (db.session.scalars(select(Company).where(Company.id.in_({s.company_id for s in schedules}))).all()
            + db.session.scalars(select(CompanyUser).where(CompanyUser.id.in_({s.owner_id for s in schedules}))
                                 .execution_options(unscoped=True)).all())


def send_notices(on: date | None = None) -> int:
    """Mail each customer whose recurring order places an order in the next ``NOTICE_DAYS`` days, once per
    order; how many mails."""
    from models.recurring import NOTICE_DAYS

    on = on or today()
    due = db.session.scalars(
        select(RecurringOrder).where(
            RecurringOrder.state == RecurringState.ACTIVE.value, RecurringOrder.next_run > on,
            RecurringOrder.next_run <= on + timedelta(days=NOTICE_DAYS),
            or_(RecurringOrder.notice_for.is_(None), RecurringOrder.notice_for != RecurringOrder.next_run))
        .order_by(RecurringOrder.next_run, RecurringOrder.id).limit(BATCH)
        .options(selectinload(RecurringOrder.lines), selectinload(RecurringOrder.shop))).all()
    if not due:
        return 0
    queue_mails([Mail(s.buyer_email, "recurring_notice", f"Your recurring order {s.number} orders on "
                      f"{s.next_run:%-d %B}", {"recurring": s}) for s in due])
    db.session.execute(update(RecurringOrder).where(RecurringOrder.id.in_([s.id for s in due]))
                       .values(notice_for=RecurringOrder.next_run).execution_options(synchronize_session=False))
    return len(due)
