"""Recurring orders: set the cart to repeat, check out, the job orders when due (once), review, pause, cancel."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from extensions import db
from jobs.ordering import run_recurring_orders, send_recurring_notices
from models.actors import SYSTEM, Actor
from models.carts import cart_of
from models.catalog import Product, set_product_active
from models.companies import Address
from models.orders import Order
from models.pricing import Price
from models.recurring import RecurringOrder, add_months, occurrence
from models.users import CompanyUser
from tests import factories as f
from tests.helpers import count_queries, csrf_token, flashes, login, outbox, text, work_off_jobs

BEN, ANNA, GINA = "ben.buyer@acme.example", "anna.admin@acme.example", "gina.admin@globex.example"


def _client(app, email):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _ben_recurring(app) -> int:
    with app.app_context():
        return db.session.scalar(select(RecurringOrder.id).where(RecurringOrder.owner_id == f.user(BEN).id))


def _repeat(client, **fields):
    token = csrf_token(client.get("/cart").get_data(as_text=True))
    data = {"cadence": "weeks", "every": "2", "start": date.today().isoformat(), "end": "", "csrf_token": token}
    data.update(fields)
    return client.post("/cart/repeat", data=data)


def _check_out(app, client):
    html = client.get("/checkout").get_data(as_text=True)
    with app.app_context():
        acme = f.company("Acme Industrial")
        book = {a.label: a.id for a in db.session.scalars(select(Address).where(Address.company_id == acme.id))}
    expected = re.search(r'name="expected_total" type="hidden" value="([^"]*)"', html).group(1)
    return client.post("/checkout", data={"shipping_address": book["Plant North"], "billing_address": book["Head office"],
                                          "reference": "PO-REPEAT", "comment": "", "expected_total": expected,
                                          "csrf_token": csrf_token(html)})


def _orders_of(app, recurring_id) -> list[Order]:
    with app.app_context():
        return db.session.scalars(select(Order).where(Order.recurring_order_id == recurring_id)
                                  .options(selectinload(Order.lines)).order_by(Order.id)).all()


def test_ben_sets_his_cart_to_repeat_and_checkout_sets_up_the_recurring_order(app):
    ben = _client(app, BEN)
    start = date.today() + timedelta(days=7)
    assert _repeat(ben, start=start.isoformat()).headers["Location"].endswith("/checkout")
    page = text(ben.get("/checkout"))
    assert "This cart repeats: Every 2 weeks" in page and "Set up recurring order" in page
    response = _check_out(app, ben)
    assert response.status_code == 302 and "/recurring-orders/" in response.headers["Location"]
    details = ben.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Every 2 weeks" in text(details) and "Hex bolt M8" in text(details)
    assert any("is set up" in message for message in flashes(details))
    with app.app_context():
        assert not cart_of(f.user(BEN).id).lines  # the cart became the recurring order
        recurring = db.session.scalar(select(RecurringOrder).where(RecurringOrder.reference == "PO-REPEAT"))
        assert (recurring.next_run, recurring.state, recurring.lines[0].unit_price) == (start, "active", Decimal("0.22"))
        assert db.session.scalar(select(func.count(Order.id)).where(Order.recurring_order_id == recurring.id)) == 0
    assert "PO-REPEAT" in text(ben.get("/recurring-orders"))


def test_a_first_order_due_today_is_placed_right_after_set_up(app):
    ben = _client(app, BEN)
    _repeat(ben, cadence="monthly")
    location = _check_out(app, ben).headers["Location"]
    recurring_id = int(location.rstrip("/").split("/")[-1])
    with app.app_context():
        work_off_jobs()  # the run the set-up asked for, as a worker takes it
    [order] = _orders_of(app, recurring_id)
    assert (order.origin, order.recurring_run_on, order.reference) == ("recurring", date.today(), "PO-REPEAT")
    with app.app_context():
        assert db.session.get(RecurringOrder, recurring_id).next_run == add_months(date.today(), 1)
    assert order.number in text(ben.get(location))


@pytest.mark.parametrize("fields, message", [
    ({"cadence": "daily"}, "Choose how often to order"),
    ({"every": "1"}, "Every how many weeks? A whole number from 2 to 52"),
    ({"every": "abc"}, "The number of weeks is not valid"),
    ({"start": (date.today() - timedelta(days=1)).isoformat()}, "The first order date cannot be in the past"),
    ({"start": "2026-02-30"}, "The first order date is not valid"),
    ({"end": (date.today() - timedelta(days=1)).isoformat()}, "The last order date cannot be before the first"),
    ({"start": (date.today() + timedelta(days=365 * 6)).isoformat()}, "Plan at most 5 years ahead"),
])
def test_a_bad_cadence_or_date_is_refused_and_the_cart_stays_one_time(app, fields, message):
    ben = _client(app, BEN)
    html = _repeat(ben, **fields)
    page = ben.get("/cart").get_data(as_text=True) if html.status_code == 302 else html.get_data(as_text=True)
    assert any(message in shown for shown in flashes(page)), flashes(page)
    with app.app_context():
        assert cart_of(f.user(BEN).id).repeat_cadence is None


def test_the_job_places_each_due_order_once_however_often_it_runs(app):
    recurring_id = _ben_recurring(app)
    with app.app_context():
        due = db.session.get(RecurringOrder, recurring_id).next_run
    assert _in(app, run_recurring_orders, on=due - timedelta(days=1))["placed"] == []  # not due yet
    first = _in(app, run_recurring_orders, on=due)
    again = _in(app, run_recurring_orders, on=due)
    assert len(first["placed"]) == 1 and again["placed"] == []
    [order] = _orders_of(app, recurring_id)
    assert (order.owner_id, order.origin, order.recurring_run_on) == (_ben_id(app), "recurring", due)
    assert [(line.sku, line.quantity) for line in order.lines] == [("GLOVE-L", 5)]
    with app.app_context():
        recurring = db.session.get(RecurringOrder, recurring_id)
        assert (recurring.next_run, recurring.orders_placed) == (add_months(due, 1), 1)
    with app.app_context():
        assert [m.subject for m in outbox(BEN, "order_placed")] == [f"Your order {order.number}"]


def _in(app, job, **kwargs):
    """Run a job as the worker would, in an app context on the test's database."""
    with app.app_context():
        return job(**kwargs)


def _ben_id(app) -> int:
    with app.app_context():
        return f.user(BEN).id


def test_a_run_after_missed_dates_orders_once_and_moves_to_the_next_future_date(app):
    recurring_id = _ben_recurring(app)
    with app.app_context():
        start = db.session.get(RecurringOrder, recurring_id).start_date
    late = add_months(start, 2) + timedelta(days=3)
    assert len(_in(app, run_recurring_orders, on=late)["placed"]) == 1
    with app.app_context():
        assert db.session.get(RecurringOrder, recurring_id).next_run == add_months(start, 3)


def test_a_price_change_or_a_product_no_longer_sold_sends_it_to_review_instead_of_ordering(app):
    recurring_id = _ben_recurring(app)
    with app.app_context():
        due = db.session.get(RecurringOrder, recurring_id).next_run
        glove = db.session.scalar(select(Product).where(Product.sku == "GLOVE-L"))
        price = db.session.scalar(select(Price).where(Price.product_id == glove.id))
        price.amount = Decimal("4.95")
        db.session.commit()
    report = _in(app, run_recurring_orders, on=due)
    assert report["placed"] == [] and len(report["review"]) == 1
    assert _orders_of(app, recurring_id) == []
    with app.app_context():
        [mail] = outbox(BEN, "recurring_review")
        assert "now costs 4,95 € instead of 4,50 €" in mail.body_text.replace("\u00a0", " ")
    ben = _client(app, BEN)
    page = ben.get(f"/recurring-orders/{recurring_id}").get_data(as_text=True)
    assert "Review required" in text(page) and "now costs" in text(page)
    done = ben.post(f"/recurring-orders/{recurring_id}/review", data={"csrf_token": csrf_token(page)},
                    follow_redirects=True)
    assert any("orders again from" in message for message in flashes(done.get_data(as_text=True)))
    with app.app_context():
        recurring = db.session.get(RecurringOrder, recurring_id)
        assert (recurring.state, recurring.lines[0].unit_price) == ("active", Decimal("4.95"))


def test_a_product_taken_out_of_the_catalog_waits_for_review(app):
    recurring_id = _ben_recurring(app)
    with app.app_context():
        due = db.session.get(RecurringOrder, recurring_id).next_run
        glove = db.session.scalar(select(Product).where(Product.sku == "GLOVE-L"))
        set_product_active(glove, False, actor=SYSTEM)
        db.session.commit()
    assert len(_in(app, run_recurring_orders, on=due)["review"]) == 1
    ben = _client(app, BEN)
    page = ben.get(f"/recurring-orders/{recurring_id}").get_data(as_text=True)
    assert "is no longer sold" in text(page)
    refused = ben.post(f"/recurring-orders/{recurring_id}/review", data={"csrf_token": csrf_token(page)},
                       follow_redirects=True)
    assert any("cancel this recurring order" in m for m in flashes(refused.get_data(as_text=True)))


def test_pause_skips_dates_resume_picks_up_from_the_next_and_cancel_stops_it(app):
    recurring_id = _ben_recurring(app)
    ben = _client(app, BEN)
    page = ben.get(f"/recurring-orders/{recurring_id}").get_data(as_text=True)
    ben.post(f"/recurring-orders/{recurring_id}/pause", data={"csrf_token": csrf_token(page)})
    with app.app_context():
        recurring = db.session.get(RecurringOrder, recurring_id)
        due = recurring.next_run
        assert recurring.state == "paused"
    assert _in(app, run_recurring_orders, on=due)["placed"] == []
    ben.post(f"/recurring-orders/{recurring_id}/resume", data={"csrf_token": csrf_token(page)})
    with app.app_context():
        assert db.session.get(RecurringOrder, recurring_id).state == "active"
    ben.post(f"/recurring-orders/{recurring_id}/cancel", data={"csrf_token": csrf_token(page)})
    assert _in(app, run_recurring_orders, on=add_months(due, 2))["placed"] == []
    assert "Cancelled" in text(ben.get(f"/recurring-orders/{recurring_id}"))


def test_the_notice_goes_out_once_a_few_days_before_each_order(app):
    recurring_id = _ben_recurring(app)
    with app.app_context():
        due = db.session.get(RecurringOrder, recurring_id).next_run
    assert _in(app, send_recurring_notices, on=due - timedelta(days=5)) == 0
    assert _in(app, send_recurring_notices, on=due - timedelta(days=3)) == 1
    assert _in(app, send_recurring_notices, on=due - timedelta(days=2)) == 0
    with app.app_context():
        [mail] = outbox(BEN, "recurring_notice")
        assert due.strftime("%d %B %Y") in mail.body_text and "GLOVE-L" in mail.body_text


def test_orders_belong_to_the_person_who_set_it_up_and_deleting_them_deletes_it(app):
    recurring_id = _ben_recurring(app)
    anna = _client(app, ANNA)
    page = anna.get(f"/recurring-orders/{recurring_id}")
    assert page.status_code == 200 and "Only Ben" in text(page)  # Anna sees the company's orders, changes none
    refused = anna.post(f"/recurring-orders/{recurring_id}/cancel",
                        data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.get(RecurringOrder, recurring_id).state == "active"
        from models.members import delete_user

        delete_user(db.session.get(CompanyUser, _ben_id(app)), actor=Actor.for_company_user(f.user(ANNA)))
        db.session.commit()
        assert db.session.get(RecurringOrder, recurring_id) is None


def test_another_company_never_sees_it(app):
    recurring_id = _ben_recurring(app)
    gina = _client(app, GINA)
    assert gina.get(f"/recurring-orders/{recurring_id}").status_code == 404
    assert gina.post(f"/recurring-orders/{recurring_id}/cancel", data={}).status_code in (400, 404)
    assert "R-" not in text(gina.get("/recurring-orders"))


def test_monthly_dates_keep_the_day_of_the_month_where_they_can():
    start = date(2027, 1, 31)
    assert [occurrence(start, "monthly", 1, k) for k in range(4)] == [
        date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]
    assert occurrence(start, "quarterly", 1, 1) == date(2027, 4, 30)
    assert occurrence(start, "weeks", 3, 2) == date(2027, 3, 14)


def test_staff_find_pause_and_cancel_recurring_orders_in_the_back_office(app):
    recurring_id = _ben_recurring(app)
    staff = _client_staff(app, "support@atrium.example")
    listing = staff.get("/admin/recurring_orders/?search=ben.buyer@acme.example")
    assert listing.status_code == 200 and f"R-{recurring_id:05d}" in text(listing)
    details = staff.get(f"/admin/recurring_orders/details/?id={recurring_id}")
    assert "Safety gloves" in text(details) and "Every month" in text(details)
    html = listing.get_data(as_text=True)
    staff.post("/admin/recurring_orders/action/", data={"action": "pause", "rowid": str(recurring_id),
                                                        "csrf_token": csrf_token(html)})
    with app.app_context():
        assert db.session.get(RecurringOrder, recurring_id).state == "paused"


def _client_staff(app, email):
    client = app.test_client()
    assert login(client, email, path="/admin/login/").status_code == 302
    return client


def test_recurring_pages_cost_the_same_with_one_and_thirty_recurring_orders(app):
    ben = _client(app, BEN)
    recurring_id = _ben_recurring(app)

    def cost():
        counts = []
        for path in ("/recurring-orders", f"/recurring-orders/{recurring_id}"):
            with count_queries(app) as statements:
                assert ben.get(path).status_code == 200
            counts.append(len(statements))
        return counts

    before = cost()
    with app.app_context():
        template = db.session.get(RecurringOrder, recurring_id)
        for _ in range(29):
            db.session.add(RecurringOrder(**{c.key: getattr(template, c.key) for c in RecurringOrder.__table__.columns
                                             if c.key != "id"}))
        db.session.commit()
    assert cost() == before and max(before) <= 14, before
