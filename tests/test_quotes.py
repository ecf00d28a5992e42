"""Quotes in the portal as they are meant to be used: asking (from the cart, from quick order rows or a file,
and the model's request with its report per line), accepting into the cart at the quoted prices, ordering,
declining, withdrawing; the list's search, filters and paging, and what the pages cost. Expiry, recurring
carts and who may see and move which quote are in tests/test_quote_limits.py.

The world is described in tests/quote_pages.py.
"""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from extensions import db
from models.base import DomainError
from models.carts import cart_of
from models.orders import Order
from models.quotes import Quote, QuoteLine, request_quote_for_lines
from tests import factories as f
from tests.helpers import count_queries, csrf_token, text
from tests.quote_pages import ANNA, BEN, CARL, _as, _change, _flashed, _move, _numbers, _quote_of, _state
from tests.test_backoffice_quotes import add_quotes
from tests.test_cart import alerts, cart_lines
from tests.test_checkout import _checkout
from tests.test_quick_order import post as post_quick_order
from tests.test_quick_order import result_rows, rows_data

LIST_BOUND = 6  # the user; the quote workflow with its transitions, reasons and states; a page of quotes
# the user; the quote, its lines and workflow row; the workflow with its transitions, reasons, states; the history
DETAILS_BOUND = 9


# --- asking for a quote --------------------------------------------------------------------------

def test_ben_asks_for_a_quote_from_his_cart_and_the_cart_empties(app):
    ben = _as(app, BEN)
    token = csrf_token(ben.get("/cart").get_data(as_text=True))
    response = ben.post("/cart/quote", data={"csrf_token": token, "comment": "Delivery in May, please."})
    quote_id = _quote_of(app, BEN, "requested")
    assert response.status_code == 302 and response.location == f"/quotes/{quote_id}"
    page = ben.get(response.location)
    number = f"Q-{quote_id:05d}"
    assert alerts(page.get_data(as_text=True)) == [
        f"Quote {number} is requested: we answer with prices soon, and mail you when we do."]
    shown = text(page)
    assert f"Quote {number} Waiting for our answer" in shown
    assert "Hex bolt M8 × 40, zinc plated BOLT-M8 10 0,22 € Not priced yet —" in shown
    assert "Your message Delivery in May, please." in shown
    assert cart_lines(app, BEN) == {}
    listed = ben.get("/quotes")
    assert _numbers(listed) == [number, "Q-00001"]  # newest first; Anna's request is not Ben's
    assert f"{number} " in text(listed) and "Waiting for our answer" in text(listed)


def test_an_empty_cart_asks_for_nothing(app):
    carl = _as(app, CARL)
    token = csrf_token(carl.get("/quotes").get_data(as_text=True))
    response = carl.post("/cart/quote", data={"csrf_token": token})
    assert response.location == "/cart"
    assert _flashed(carl, response) == ["Your cart is empty: add the products you want prices for first."]
    assert _quote_of(app, CARL) is None


def test_quick_order_rows_go_into_a_quote_each_line_reported_the_good_ones_kept(app):
    ben = _as(app, BEN)
    rows = [("NOPRICE-1", "3"), ("NOPE-1", "1"), ("bolt-m8", "500"), ("DRILL-500", "abc")]
    response = post_quick_order(ben, rows_data(rows, quote_rows="Ask for a quote instead"))
    assert response.status_code == 200
    quote_id = _quote_of(app, BEN, "requested")
    number = f"Q-{quote_id:05d}"
    assert alerts(response.get_data(as_text=True)) == [
        f"Quote {number} is requested for 2 of 4 line(s): we answer with prices soon, and mail you when we do."]
    table = result_rows(response)
    assert table[0] == ["1", "NOPRICE-1", "3", "Asked for"] and table[2] == ["3", "BOLT-M8", "500", "Asked for"]
    assert table[1] == ["2", "NOPE-1", "1", "Not asked for NOPE-1: there is no product with this SKU."]
    assert "is not a quantity" in table[3][3]
    assert f'href="/quotes/{quote_id}">See quote {number}</a>' in response.get_data(as_text=True)
    assert cart_lines(app, BEN) == {"BOLT-M8": 10}  # the cart is left alone
    page = text(ben.get(f"/quotes/{quote_id}"))
    assert "Custom gasket NOPRICE-1 3 No price" in page and "BOLT-M8 500 0,18 €" in page


def test_a_quick_order_file_goes_into_a_quote_and_only_bad_lines_make_none(app):
    ben = _as(app, BEN)
    content = "sku;quantity\nGLOVE-L;40\n=cmd;1\n"
    response = post_quick_order(ben, {"quote_csv": "Upload and ask for a quote"},
                                files={"csv_file": (io.BytesIO(content.encode()), "ask.csv")})
    assert response.status_code == 200
    assert [r[3] for r in result_rows(response)][0] == "Asked for"
    with app.app_context():
        quote = db.session.get(Quote, _quote_of(app, BEN, "requested"))
        assert [(line.sku, line.quantity, line.list_price) for line in quote.lines] == [
            ("GLOVE-L", 40, Decimal("4.50"))]
        assert quote.source == "quick_order"
    response = post_quick_order(ben, rows_data([("NOPE-1", "1")], quote_rows="Ask for a quote instead"))
    assert alerts(response.get_data(as_text=True)) == ["No line could be asked for; the result below says why."]
    with app.app_context():
        assert db.session.scalar(select(Quote.id).order_by(Quote.id.desc()).limit(1)) == quote.id


def test_request_quote_for_lines_reports_each_line_and_merges_a_product_asked_twice(app):
    with app.app_context():
        acme = f.company("Acme Industrial")
        quote, reports = request_quote_for_lines(acme, [("BOLT-M8", "100"), ("US-ONLY-1", "1"), ("bolt-m8", "50")],
                                                 actor=f.actor(BEN), comment="Twice the bolts")
        assert [r.ok for r in reports] == [True, False, True]
        assert "no product with this SKU" in reports[1].message
        assert [(line.sku, line.quantity, line.list_price) for line in quote.lines] == [
            ("BOLT-M8", 150, Decimal("0.18"))]
        assert quote.state == "requested" and quote.comment == "Twice the bolts" and quote.line_count == 1
        with pytest.raises(DomainError, match="at most 2,000 characters"):
            request_quote_for_lines(acme, [("BOLT-M8", "1")], actor=f.actor(BEN), comment="x" * 2001)


# --- accepting, ordering, declining, withdrawing -------------------------------------------------

def test_ben_accepts_and_orders_at_the_quoted_prices_and_the_quote_links_the_order(app):
    ben, quote_id = _as(app, BEN), _quote_of(app, BEN)
    page = ben.get(f"/quotes/{quote_id}")
    shown = text(page)
    assert "Quote Q-00001 Answered" in shown and "Our answer Our best price for 20." in shown
    assert "Cordless drill 18 V DRILL-500 20 119,00 € 99,00 € 1.980,00 €" in shown
    assert "Net total (before tax) 1.980,00 €" in shown
    html = page.get_data(as_text=True)
    assert ">Accept and put in cart</button>" in html and ">Decline</button>" in html
    response = _move(ben, quote_id, "accept", "answered")
    assert response.location == "/cart"
    cart = ben.get("/cart")
    assert alerts(cart.get_data(as_text=True)) == [
        "Quote Q-00001 is accepted: its products are in your cart at the quoted prices."]
    assert "DRILL-500 Quoted price 99,00 €" in text(cart)
    assert cart_lines(app, BEN) == {"BOLT-M8": 10, "DRILL-500": 20}
    response = _checkout(app, ben)
    assert response.status_code == 302, text(response)[:500]
    with app.app_context():
        order = db.session.scalar(select(Order).order_by(Order.id.desc()).limit(1))
        assert {(line.sku, line.quantity, line.unit_price) for line in order.lines} == {
            ("DRILL-500", 20, Decimal("99.00")), ("BOLT-M8", 10, Decimal("0.22"))}
        assert order.origin == "quote"
        order_id, number = order.id, order.number
    page = ben.get(f"/quotes/{quote_id}")
    assert "Quote Q-00001 Ordered" in text(page) and f"Ordered as {number}." in text(page)
    assert f'href="/orders/{order_id}">See the order</a>' in page.get_data(as_text=True)
    assert "Ordered" in text(ben.get("/quotes?state=ordered")) and _numbers(ben.get("/quotes?state=ordered")) == [
        "Q-00001"]


def test_an_accepted_quote_goes_back_into_an_emptied_cart(app):
    ben, quote_id = _as(app, BEN), _quote_of(app, BEN)
    _move(ben, quote_id, "accept", "answered")
    token = csrf_token(ben.get("/cart").get_data(as_text=True))
    ben.post("/cart/empty", data={"csrf_token": token})
    assert cart_lines(app, BEN) == {}
    page = ben.get(f"/quotes/{quote_id}").get_data(as_text=True)
    assert "Quote Q-00001 Accepted" in text(page) and ">Put in cart again</button>" in page
    response = ben.post(f"/quotes/{quote_id}/cart", data={"csrf_token": csrf_token(page)})
    assert _flashed(ben, response) == ["The products of quote Q-00001 are in your cart at the quoted prices."]
    assert cart_lines(app, BEN) == {"DRILL-500": 20}
    with app.app_context():
        assert cart_of(f.user(BEN).id).lines[0].quoted_price == Decimal("99.00")


def test_ben_declines_and_anna_withdraws(app):
    ben, anna = _as(app, BEN), _as(app, ANNA)
    ben_quote, anna_quote = _quote_of(app, BEN), _quote_of(app, ANNA)
    assert _flashed(ben, _move(ben, ben_quote, "decline", "answered")) == ["You declined quote Q-00001."]
    page = ben.get(f"/quotes/{ben_quote}").get_data(as_text=True)
    assert "Quote Q-00001 Declined" in text(page) and "</button>" not in page.split("<main")[1]
    assert ">Withdraw my request</button>" in anna.get(f"/quotes/{anna_quote}").get_data(as_text=True)
    assert _flashed(anna, _move(anna, anna_quote, "withdraw", "requested")) == ["You withdrew your request Q-00002."]
    assert _state(app, anna_quote) == "withdrawn" and cart_lines(app, BEN) == {"BOLT-M8": 10}


# --- the list: search, filters, paging, cost -----------------------------------------------------

def test_anna_searches_by_number_and_filters_by_state(app):
    anna = _as(app, ANNA)
    assert _numbers(anna.get("/quotes?q=Q-00002")) == ["Q-00002"]
    assert _numbers(anna.get("/quotes?q=q1")) == ["Q-00001"]
    assert _numbers(anna.get("/quotes?state=requested")) == ["Q-00002"]
    assert _numbers(anna.get("/quotes?state=answered&q=2")) == []
    nothing = anna.get("/quotes?q=not-a-number&state=<script>")
    assert nothing.status_code == 200 and "No quotes match this search." in text(nothing)
    assert "<script>" not in nothing.get_data(as_text=True).split("<main")[1]


def test_the_list_pages_by_position_at_a_fixed_cost(app):
    ben = _as(app, BEN)
    ben.get("/quotes")
    with count_queries(app) as few:
        ben.get("/quotes")
    add_quotes(app, 30, buyer=BEN)
    with count_queries(app) as many:
        first = ben.get("/quotes")
    assert len(many) == len(few) <= LIST_BOUND, many
    assert len(_numbers(first)) == 25
    older = re.search(r'href="(/quotes\?older=[^"]+)"', first.get_data(as_text=True)).group(1)
    second = ben.get(older.replace("&amp;", "&"))
    assert _numbers(first)[0] == "Q-00001"  # asked for when the world was built, after the 30 added here
    assert len(_numbers(second)) == 6 and not set(_numbers(first)) & set(_numbers(second))


def test_the_quote_page_costs_a_fixed_number_of_statements(app):
    ben, quote_id = _as(app, BEN), _quote_of(app, BEN)
    ben.get(f"/quotes/{quote_id}")
    with count_queries(app) as small:
        ben.get(f"/quotes/{quote_id}")

    _move(ben, quote_id, "accept", "answered")  # one more history entry, and "Put in cart again"

    def grow():
        quote = db.session.get(Quote, quote_id)
        quote.lines.extend(QuoteLine(position=i + 1, sku=f"L-{i}", name="Line", quantity=1,
                                     quoted_price=Decimal(1)) for i in range(30))
    _change(app, grow)
    assert _state(app, quote_id) == "accepted"
    with count_queries(app) as large:
        page = ben.get(f"/quotes/{quote_id}")
    assert "L-29" in text(page)
    assert len(large) == len(small) <= DETAILS_BOUND, large
