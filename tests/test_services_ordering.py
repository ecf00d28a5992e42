"""Ordering's schedules on the production services: a real ``flask worker`` runs the recurring orders job.

Run by ``make test-services``. The job runs twice for the same day; one order comes of it. The test puts
back what it committed (the order, its audit row, the shop's counter and the recurring order's dates).
"""
from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from extensions import db
from jobs.queue import enqueue
from models.audit import AuditEvent
from models.orders import Order, OrderCounter
from models.recurring import RecurringOrder
from tests.test_services import rq_worker, wait_for, web_app  # noqa: F401  (fixtures)

pytestmark = pytest.mark.services


def _orders_of(web, recurring_id: int) -> list[tuple[str, str]]:
    with web.app_context():
        rows = db.session.execute(select(Order.number, Order.origin).where(Order.recurring_order_id == recurring_id))
        return [tuple(row) for row in rows]


@pytest.fixture
def due_recurring(web_app):  # noqa: F811
    with web_app.app_context():
        recurring = db.session.scalar(select(RecurringOrder).order_by(RecurringOrder.id))
        kept = {c.key: getattr(recurring, c.key) for c in RecurringOrder.__table__.columns}
        counters = {c.shop_id: c.last_number for c in db.session.scalars(select(OrderCounter))}
        last_event = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    yield kept
    with web_app.app_context():
        db.session.execute(delete(Order).where(Order.recurring_order_id == kept["id"]))
        db.session.execute(delete(AuditEvent).where(AuditEvent.id > last_event))
        db.session.execute(update(RecurringOrder).where(RecurringOrder.id == kept["id"]).values(**kept))
        for shop_id, number in counters.items():
            db.session.execute(update(OrderCounter).where(OrderCounter.shop_id == shop_id)
                               .values(last_number=number))
        db.session.commit()


def test_the_worker_places_a_due_recurring_order_once_however_often_the_job_runs(web_app, rq_worker,  # noqa: F811
                                                                                  due_recurring):
    day = due_recurring["next_run"].isoformat()
    with web_app.app_context():
        first = enqueue("periodic", "jobs.ordering.run_recurring_orders", day)
        second = enqueue("periodic", "jobs.ordering.run_recurring_orders", day)
    for job in (first, second):
        wait_for(lambda job=job: job.get_status(refresh=True) == "finished", 60, "the job", rq_worker.log)
    placed = first.return_value()["placed"] + second.return_value()["placed"]
    assert len(placed) == 1
    assert _orders_of(web_app, due_recurring["id"]) == [(placed[0], "recurring")]
