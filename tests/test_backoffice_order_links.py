"""The back office leads to orders: the home's tiles for orders waiting for a check and orders placed today
open the Orders list filtered so, and a company's page opens the list of that company's orders. The home
costs the same few statements however many orders there are."""
from __future__ import annotations

import re
from html import unescape

from sqlalchemy import func, select

from extensions import db
from models.base import utcnow
from models.orders import Order, day_start
from models.workflow_engine import transition
from tests import factories as f
from tests.helpers import count_queries
from tests.test_backoffice_journeys import _tile
from tests.test_order_scale import bulk_orders

ADMIN = "admin@atrium.example"
HOME_BOUND = 9  # the identity (2), applications, registrations, orders, companies, users and mail: one each


def _numbers(html: str) -> set[str]:
    """The order numbers an Orders list shows."""
    return set(re.findall(r'/admin/orders/details/\?id=\d+[^"]*">([A-Z]+-\d+)</a>', html))


def _count(app, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Order.id)).where(*conditions))


def test_the_order_tiles_count_and_open_the_orders_waiting_and_placed_today(app, login_as):
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.state == "placed").order_by(Order.id).limit(1))
        transition(order, "hold", actor=f.actor(f.staff(ADMIN)))
        bulk_orders(30, "OLDER")  # delivered, most of them before today: the filters must leave them out
        db.session.commit()
        held = order.number
    client = login_as(ADMIN)
    home = client.get("/admin/").get_data(as_text=True)
    count, link = _tile(home, "Orders waiting")
    assert _count(app) > int(count) == _count(app, Order.state == "on_hold") >= 1
    waiting = client.get(link).get_data(as_text=True)
    assert held in _numbers(waiting) and len(_numbers(waiting)) == int(count)
    count, link = _tile(home, "Orders today")
    assert _count(app) > int(count) == _count(app, Order.placed_at >= day_start(utcnow().date())) >= 1
    assert len(_numbers(client.get(link).get_data(as_text=True))) == int(count)


def test_the_company_page_links_to_that_companys_orders(app, login_as):
    with app.app_context():
        acme, globex = f.company("Acme Industrial"), f.company("Globex")
        acme_id, acme_orders = acme.id, set(db.session.scalars(select(Order.number).where(
            Order.company_id == acme.id)))
        globex_id = globex.id
    client = login_as(ADMIN)
    page = client.get(f"/admin/companies/details/?id={acme_id}").get_data(as_text=True)
    link = unescape(re.search(r'<a href="([^"]+)" data-testid="company-orders">', page).group(1))
    assert f"flt0_company_id_equals={acme_id}" in link
    assert acme_orders and _numbers(client.get(link).get_data(as_text=True)) == acme_orders
    other = client.get(f"/admin/companies/details/?id={globex_id}").get_data(as_text=True)
    assert f"flt0_company_id_equals={globex_id}" in unescape(other)


def test_the_home_costs_the_same_few_statements_however_many_orders(app, login_as):
    client = login_as(ADMIN)

    def statements() -> int:
        with count_queries(app) as sent:
            assert client.get("/admin/").status_code == 200
        return len(sent)

    before = statements()
    with app.app_context():
        bulk_orders(500, "HOME")
        db.session.commit()
    assert statements() == before <= HOME_BOUND
