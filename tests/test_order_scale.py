"""Ordering at scale: a quick order of 1,000 lines costs the statements of one of 10, and the order history
(searched, paged far back by its Older link, an order's page) costs the same at 50 orders as at 2,000."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from extensions import db
from models.base import utcnow
from models.orders import Order, OrderLine
from models.workflow_engine import get_workflow
from paging import _cursor as keyset_cursor
from tests import factories as f
from tests.helpers import count_queries, csrf_token, login, stopwatch
from tests.test_portal_catalog import grow_catalog

ANNA, BEN = "anna.admin@acme.example", "ben.buyer@acme.example"
# An upload into a new cart: the user, the cart looked for (twice) and made, its lines, its source, the products
# of every SKU, their prices, the cart's time, and the new lines written in one batch.
QUICK_ORDER_BOUND = 10
# The user (2), then the list's orders (one more than a page) and the order workflow; an order's page reads the
# order, its lines, its workflow and its history: 6 for the list, 8 for an order.
HISTORY_BOUND = 8


# --- quick order ---------------------------------------------------------------------------------

def _upload(app, email: str, skus: list[str]) -> tuple[list[str], float]:
    """Upload a quick order CSV of ``skus`` (2 each) into ``email``'s new cart: statements sent, seconds."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    content = "sku,quantity\n" + "".join(f"{sku},2\n" for sku in skus)
    token = csrf_token(client.get("/quick-order").get_data(as_text=True))
    with stopwatch() as watch, count_queries(app) as statements:
        response = client.post("/quick-order", content_type="multipart/form-data", data={
            "upload_csv": "Upload", "csrf_token": token, "csv_file": (io.BytesIO(content.encode()), "order.csv")})
    assert response.status_code == 200 and f"All {len(skus):,} line(s) are in your cart." in response.get_data(
        as_text=True)
    return statements, watch.seconds


def test_a_1000_line_quick_order_costs_the_statements_of_a_10_line_one(app):
    with app.app_context():
        skus = grow_catalog(1010, tag="SCALE")
        db.session.commit()
    small, _ = _upload(app, "alice.approver@acme.example", skus[:10])
    large, elapsed = _upload(app, "carl.ccm@acme.example", skus[10:])
    assert elapsed < 2.0, elapsed
    assert len(large) == len(small) <= QUICK_ORDER_BOUND, [s[:80] for s in large[:40]]


# --- the order history ---------------------------------------------------------------------------

def bulk_orders(count: int, tag: str) -> None:
    """``count`` orders of Ben's (Acme), one or two lines each, over the last two years (every tenth in the
    last month), in bulk statements; the caller commits."""
    ben, workflow_id, now = f.user(BEN), get_workflow("order").id, utcnow()
    orders = [{"shop_id": ben.company.shop_id, "number": f"{tag}-{i}", "state": "delivered", "origin": "cart",
               "workflow_id": workflow_id, "company_id": ben.company_id, "owner_id": ben.id,
               "business_unit_id": ben.business_unit_id, "buyer_name": ben.full_name, "buyer_email": ben.email,
               "currency": "EUR", "tax_rate": Decimal(19), "net_total": Decimal(10), "tax_total": Decimal("1.90"),
               "gross_total": Decimal("11.90"), "line_count": 1 + i % 2,
               "placed_at": now - timedelta(days=(i % 25) if i % 10 == 0 else 40 + (i * 7) % 680, minutes=i)}
              for i in range(count)]
    db.session.execute(insert(Order), orders)
    ids = db.session.scalars(select(Order.id).where(Order.number.in_([o["number"] for o in orders]))).all()
    db.session.execute(insert(OrderLine), [
        {"order_id": order_id, "position": position, "sku": sku, "name": sku, "quantity": 1,
         "unit_price": Decimal(5), "line_total": Decimal(5)}
        for n, order_id in enumerate(ids) for position, sku in enumerate(["BOLT-M8", "GLOVE-L"][:1 + n % 2])])


def older_cursor(position: int) -> str:
    """The cursor of the Older link under the ``position``-th newest order of Acme's."""
    acme = f.company("Acme Industrial")
    row = db.session.execute(select(Order.placed_at, Order.id).where(Order.company_id == acme.id)
                             .order_by(Order.placed_at.desc(), Order.id.desc()).offset(position).limit(1)).one()
    return keyset_cursor(row, "placed_at")


def _history_pages(app) -> dict[str, str]:
    """The pages to count, by a name that stays the same when their cursor or order id changes."""
    with app.app_context():
        cursor = older_cursor(30)
        newest = db.session.scalar(select(Order.id).where(Order.owner_id == f.user(BEN).id)
                                   .order_by(Order.placed_at.desc(), Order.id.desc()).limit(1))
    return {"newest": "/orders", "buyer": "/orders?q=Ben", "sku": "/orders?sku=BOLT-M8",
            "buyer, far back": f"/orders?q=Buyer&period=all&older={cursor}",
            "sku, far back": f"/orders?sku=bolt-m8&period=all&older={cursor}",
            "far back": f"/orders?period=all&older={cursor}", "an order": f"/orders/{newest}"}


def _statements(app, client, path: str) -> int:
    assert client.get(path).status_code == 200, path
    with count_queries(app) as statements:
        html = client.get(path).get_data(as_text=True)
    if "older=" in path:
        assert re.search(r'href="/orders\?[^"]*newer=', html), f"{path}: the cursor was not followed"
    return len(statements)


def test_the_order_history_costs_the_same_at_50_and_at_2000_orders(app, login_as):
    client = login_as(ANNA)
    with app.app_context():
        bulk_orders(50, "SMALL")
        db.session.commit()
    small = {name: _statements(app, client, path) for name, path in _history_pages(app).items()}
    with app.app_context():
        bulk_orders(1950, "LARGE")
        db.session.commit()
    large = {name: _statements(app, client, path) for name, path in _history_pages(app).items()}
    assert large == small
    assert max(large.values()) <= HISTORY_BOUND, large
