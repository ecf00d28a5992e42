"""Order history and order pages: periods, search, the orders triad, print and PDF, cancelling, paging."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import select

from extensions import db
from models.base import utcnow
from models.orders import Order, OrderLine
from models.workflow_engine import get_workflow
from tests import factories as f
from tests.helpers import count_queries, csrf_token, flashes, login, text

BEN, ANNA = "ben.buyer@acme.example", "anna.admin@acme.example"



def _world_order(app) -> Order:
    with app.app_context():
        return db.session.scalar(select(Order).where(Order.number == "DE-10000"))


def _add_orders(app, email: str, count: int, days_ago: float = 0, sku: str = "GLOVE-L") -> list[Order]:
    with app.app_context():
        return [SimpleNamespace(number=o.number, placed_at=o.placed_at)
                for o in _insert_orders(email, count, days_ago, sku)]


def _insert_orders(email: str, count: int, days_ago: float, sku: str) -> list[Order]:
    """Orders of ``email`` as placed ``days_ago``, one line each, numbered after the world's."""
    user, workflow = f.user(email), get_workflow("order")
    last = db.session.scalar(select(Order.id).order_by(Order.id.desc()).limit(1))
    orders = []
    for i in range(count):
        order = Order(shop_id=user.company.shop_id, number=f"DE-{20000 + last + i}", company_id=user.company_id,
                      business_unit_id=user.business_unit_id, owner_id=user.id, buyer_name=user.full_name,
                      buyer_email=user.email, currency="EUR", net_total=Decimal("9.00"), tax_total=Decimal("1.71"),
                      gross_total=Decimal("10.71"), line_count=1, state="placed", workflow_id=workflow.id,
                      placed_at=utcnow() - timedelta(days=days_ago, minutes=i),
                      lines=[OrderLine(sku=sku, name="Safety gloves, size L", quantity=2, unit_price=Decimal("4.50"),
                                       line_total=Decimal("9.00"))])
        orders.append(order)
    db.session.add_all(orders)
    db.session.commit()
    return orders


def _numbers(page) -> list[str]:
    return re.findall(r">(DE-\d+)</a>", page.get_data(as_text=True))


def test_ben_finds_his_order_of_this_month_and_older_ones_by_period(app, login_as):
    [old] = _add_orders(app, BEN, 1, days_ago=60)
    client = login_as(BEN)
    assert _numbers(client.get("/orders")) == ["DE-10000"]
    assert _numbers(client.get("/orders?period=year")) == ["DE-10000", old.number]
    assert _numbers(client.get("/orders?period=week")) == ["DE-10000"]
    assert old.number in _numbers(client.get("/orders?period=all"))


def test_search_by_number_sku_buyer_and_dates(app, login_as):
    [gloves] = _add_orders(app, BEN, 1, days_ago=3)
    client = login_as(ANNA)
    assert _numbers(client.get("/orders?q=de-10000")) == ["DE-10000"]
    assert _numbers(client.get("/orders?sku=glove-l")) == [gloves.number]
    assert _numbers(client.get("/orders?sku=DRILL-500")) == ["DE-10000"]
    assert set(_numbers(client.get("/orders?q=buyer"))) == {"DE-10000", gloves.number}
    day = gloves.placed_at.date()
    assert _numbers(client.get(f"/orders?from={day}&to={day}")) == [gloves.number]
    assert "No orders match this search" in text(client.get("/orders?q=nobody-at-all"))


def test_a_date_that_is_not_a_date_is_said_and_the_list_still_shows(app, login_as):
    response = login_as(BEN).get("/orders?from=31.02.2026&period=bogus&state=<script>")
    assert response.status_code == 200
    assert "“31.02.2026” is not a date" in " ".join(flashes(response.get_data(as_text=True)))
    assert "<script>" not in response.get_data(as_text=True).split("<main")[1].replace("&lt;script&gt;", "")


def _as(app, email):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def test_who_sees_which_orders_follows_the_orders_triad(app):
    [carls] = _add_orders(app, "carl.ccm@acme.example", 1)
    assert set(_numbers(_as(app, ANNA).get("/orders"))) == {"DE-10000", carls.number}  # company orders
    assert _numbers(_as(app, "carl.ccm@acme.example").get("/orders")) == [carls.number]  # his own only
    # Alice approves for Headquarters: she sees its orders and those of units below it, not Plant North's
    alice, gina, order = _as(app, "alice.approver@acme.example"), _as(app, "gina.admin@globex.example"), _world_order(app)
    assert _numbers(alice.get("/orders")) == []
    assert alice.get(f"/orders/{order.id}").status_code == 404
    assert gina.get(f"/orders/{order.id}").status_code == 404
    assert gina.get(f"/orders/{order.id}.pdf").status_code == 404
    assert gina.post(f"/orders/{order.id}/cancel", data={"csrf_token": csrf_token(gina.get("/orders").get_data(
        as_text=True))}).status_code == 404


def test_the_order_page_prints_and_downloads_as_a_pdf(app, login_as):
    client, order = login_as(BEN), _world_order(app)
    page = text(client.get(f"/orders/{order.id}"))
    assert "Order DE-10000" in page and "Cordless drill 18 V" in page and "PO-4711" in page
    assert "283,22 €" in page  # 2 × 119.00 at Acme's prices, plus 19 % tax
    assert "atrium-printing" in client.get(f"/orders/{order.id}?print=1").get_data(as_text=True)
    pdf = client.get(f"/orders/{order.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and b"DE-10000" in pdf.data or len(pdf.data) > 1000


def test_the_buyer_cancels_a_placed_order_others_cannot(app):
    order = _world_order(app)
    anna = _as(app, ANNA)
    page = anna.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Cancel this order" not in page
    response = anna.post(f"/orders/{order.id}/cancel", data={"csrf_token": csrf_token(page), "state": "placed"})
    assert "Only the person who placed an order can cancel it" in " ".join(
        flashes(anna.get(response.location).get_data(as_text=True)))
    ben = _as(app, BEN)
    page = ben.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Cancel this order" in page
    response = ben.post(f"/orders/{order.id}/cancel", data={"csrf_token": csrf_token(page), "state": "placed"})
    shown = ben.get(response.location).get_data(as_text=True)
    assert "Order DE-10000 is cancelled." in flashes(shown)
    assert _world_order(app).state == "cancelled" and "Cancel this order" not in shown


def test_the_history_pages_by_position_with_a_fixed_number_of_statements(app, login_as):
    client = login_as(ANNA)
    client.get("/orders")
    with count_queries(app) as few:
        client.get("/orders")
    _add_orders(app, BEN, 60)
    with count_queries(app) as many:
        first = client.get("/orders")
    assert len(many) == len(few) <= 8, many
    older = re.search(r'href="(/orders\?older=[^"]+)"', first.get_data(as_text=True)).group(1)
    second = client.get(older.replace("&amp;", "&"))
    assert len(_numbers(first)) == len(_numbers(second)) == 25
    assert not set(_numbers(first)) & set(_numbers(second))
    with count_queries(app) as deep:
        client.get(older.replace("&amp;", "&"))
    assert len(deep) == len(few)


def test_the_order_page_costs_a_fixed_number_of_statements(app, login_as):
    client, order = login_as(BEN), _world_order(app)
    client.get(f"/orders/{order.id}")
    with count_queries(app) as statements:
        client.get(f"/orders/{order.id}")
    assert len(statements) <= 12, statements
