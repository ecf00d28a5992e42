"""The scheduled jobs' work as benchmark operations: maintenance reminders, recurring order notices and runs.

Each prepares ``rows`` records due on ``BENCH_DAY``, a day no profile plans
anything for, runs the job's model function for that day as the job does (its
batch is the most one run takes), and puts the records back. Recurring orders
are copies of Acme's first one (Ben's monthly gloves in the demo data), made
once and reused by every round.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, insert, select, update

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
    from models.assets import send_maintenance_reminders

    return send_maintenance_reminders(BENCH_DAY)


def restore_assets(world, held: list[dict]) -> None:
    from models.assets import Asset

    db.session.execute(update(Asset), held)
    db.session.commit()
    deliver_mail()


# --- recurring orders ----------------------------------------------------------------------------------------

def _copies(world, rows: int) -> list[int]:
    """The ids of ``rows`` copies of the company's first recurring order (made the first time), each with its
    lines."""
    from models.recurring import RecurringLine, RecurringOrder

    orders, lines = RecurringOrder.__table__, RecurringLine.__table__
    ids = list(db.session.scalars(select(orders.c.id).where(orders.c.start_date == BENCH_DAY).order_by(orders.c.id)))
    if len(ids) < rows:
        model = db.session.execute(select(orders).where(orders.c.company_id == world.company_id)
                                   .order_by(orders.c.id).limit(1)).mappings().one()
        copy = {key: value for key, value in model.items() if key != "id"} | {"start_date": BENCH_DAY,
                                                                                "end_date": None}
        made = db.session.scalars(insert(orders).returning(orders.c.id, sort_by_parameter_order=True),
                                  [copy] * (rows - len(ids))).all()
        model_lines = [{key: value for key, value in line.items() if key != "id"} for line in db.session.execute(
            select(lines).where(lines.c.recurring_order_id == model["id"])).mappings()]
        db.session.execute(insert(lines), [line | {"recurring_order_id": made_id}
                                           for made_id in made for line in model_lines])
        ids += made
    return ids


def recurring_due(world, rows: int, on: date = BENCH_DAY) -> list[int]:
    """``rows`` active recurring orders whose next order is on ``on``; the other copies wait for nothing."""
    from models.recurring import RecurringOrder, RecurringState

    ids = _copies(world, rows)
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
