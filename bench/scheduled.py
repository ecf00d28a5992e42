"""The scheduled jobs' work as benchmark operations: maintenance reminders, recurring order notices and runs.

Each prepares ``rows`` records due on ``BENCH_DAY``, a day no profile plans
anything for, runs the job's model function for that day as the job does (its
batch is the most one run takes), and puts the records back. Recurring orders
are copies of Acme's first one (Ben's monthly gloves in the demo data), made
once and reused by every round.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, func, insert, select, update

from extensions import db

BENCH_DAY = date(2090, 1, 2)


def deliver_mail(_world=None, _state=None) -> None:
    from jobs.queue import dispatch_ready

    dispatch_ready(db.session)


# --- maintenance reminders -----------------------------------------------------------------------------------

def due_assets(_world, rows: int) -> list[dict]:
    """``rows`` assets in use made due three days after ``BENCH_DAY``; what they held before."""
    from models.assets import Asset, AssetStatus

    held = [row._asdict() for row in db.session.execute(
        select(Asset.id, Asset.next_maintenance_on, Asset.maintenance_notice_for)
        .where(Asset.status != AssetStatus.RETIRED.value).order_by(Asset.id).limit(rows))]
    db.session.execute(update(Asset).where(Asset.id.in_([row["id"] for row in held]))
                       .values(next_maintenance_on=BENCH_DAY + timedelta(days=3), maintenance_notice_for=None))
    return held


def remind(_world, _held) -> int:
    """The reminders for the due assets; its rows are the mails it queued. One mail goes to each person to tell
    (an asset's creator, else the company's Account Admins) naming all their due assets, so the work grows with
    the people, not the assets: 500 assets make about 160 mails at S and 750 at L, each naming at most 25."""
    from models.assets import send_maintenance_reminders
    from models.mail import OutboxMessage

    last = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
    send_maintenance_reminders(BENCH_DAY)
    return db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.id > last))


def restore_assets(world, held: list[dict]) -> None:
    from models.assets import Asset

    db.session.execute(update(Asset), held)
    db.session.commit()
    deliver_mail()


# --- recurring orders ----------------------------------------------------------------------------------------

def _copies(table, world, rows: int, mark: dict, children=None) -> list[int]:
    """The ids of ``rows`` copies (``mark`` set on each) of the company's first row of ``table``, made the first
    time; ``children`` (a table and its column naming the parent) are copied with each."""
    ids = list(db.session.scalars(select(table.c.id).where(*(table.c[k] == v for k, v in mark.items()))
                                  .order_by(table.c.id)))
    if len(ids) < rows:
        model = db.session.execute(select(table).where(table.c.company_id == world.company_id)
                                   .order_by(table.c.id).limit(1)).mappings().one()
        copy = {key: value for key, value in model.items() if key != "id"} | mark
        made = db.session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                  [copy] * (rows - len(ids))).all()
        if children is not None:
            child, parent = children
            rows_of_model = [{key: value for key, value in row.items() if key != "id"} for row in db.session.execute(
                select(child).where(child.c[parent] == model["id"])).mappings()]
            db.session.execute(insert(child), [row | {parent: made_id} for made_id in made for row in rows_of_model])
        ids += made
    return ids


def _recurring_copies(world, rows: int) -> list[int]:
    from models.recurring import RecurringLine, RecurringOrder

    return _copies(RecurringOrder.__table__, world, rows, {"start_date": BENCH_DAY, "end_date": None},
                   (RecurringLine.__table__, "recurring_order_id"))


def recurring_due(world, rows: int, on: date = BENCH_DAY) -> list[int]:
    """``rows`` active recurring orders whose next order is on ``on``; the other copies wait for nothing."""
    from models.recurring import RecurringOrder, RecurringState

    ids = _recurring_copies(world, rows)
    db.session.execute(update(RecurringOrder).where(RecurringOrder.id.in_(ids)).values(
        state=RecurringState.ACTIVE.value, next_run=None, runs=0, orders_placed=0, notice_for=None, review_note=""))
    db.session.execute(update(RecurringOrder).where(RecurringOrder.id.in_(ids[:rows])).values(next_run=on))
    return ids[:rows]


def notices_due(world, rows: int) -> list[int]:
    return recurring_due(world, rows, on=BENCH_DAY + timedelta(days=1))


def send_notices(_world, _ids) -> int:
    from models.recurring_runs import send_notices

    return send_notices(BENCH_DAY)


def run_recurring(_world, _ids) -> int:
    from models.actors import SYSTEM
    from models.recurring_runs import run_due

    report = run_due(BENCH_DAY, actor=SYSTEM)
    return len(report.placed) + len(report.review)


def drop_placed_orders(world, ids: list[int]) -> None:
    """Take back the orders the run placed (their lines go with them) and deliver their mail."""
    from models.orders import Order

    db.session.execute(delete(Order).where(Order.recurring_order_id.in_(ids)))
    db.session.commit()
    deliver_mail()


# --- quotes past their date ----------------------------------------------------------------------------------

def answered_quotes(world, rows: int) -> list[int]:
    """``rows`` answered quotes whose last valid day was the day before ``BENCH_DAY`` (copies of the company's
    first quote, without lines: expiring does not read them)."""
    from models.quotes import Quote

    ids = _copies(Quote.__table__, world, rows, {"answer": "A benchmark's answer."})
    db.session.execute(update(Quote).where(Quote.id.in_(ids)).values(state="answered", valid_until=None))
    db.session.execute(update(Quote).where(Quote.id.in_(ids[:rows]))
                       .values(valid_until=BENCH_DAY - timedelta(days=1)))
    return ids[:rows]


def expire_quotes(_world, _ids) -> int:
    from models.quotes import expire_quotes

    return expire_quotes(BENCH_DAY)
