"""Browser test: a buyer orders from a CSV file through quick order and finds the order in his history.

Ben uploads a file with two good lines and two bad ones, reads what became of
each line, checks out the cart and opens the order from /orders. Screenshots go
to test-artifacts/.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from extensions import db
from models.orders import Order
from models.users import CompanyUser
from tests.browser_tests.support import alert, assert_page_healthy, screenshot, sign_in_portal

pytestmark = pytest.mark.browser

BEN = "ben.buyer@acme.example"


def test_a_csv_quick_order_is_checked_out_and_shows_in_the_order_history(page, live_server, live_app, tmp_path):
    order_file = tmp_path / "restock.csv"
    order_file.write_text("sku;quantity\nDRILL-500;3\nNO-SUCH-SKU;1\nGLOVE-L;abc\nGLOVE-L;12\n", encoding="utf-8")

    sign_in_portal(page, BEN)
    nav = page.get_by_role("navigation", name="Portal")
    nav.get_by_role("link", name="Quick order").click()
    expect(page).to_have_url(f"{live_server}/quick-order")
    page.get_by_label("CSV file", exact=True).set_input_files(order_file)
    page.get_by_role("button", name="Upload and add to cart").click()

    expect(alert(page, "2 of 4 lines are in your cart")).to_be_visible()
    result = page.locator("#result tbody tr")
    expect(result).to_have_count(4)
    for index, (sku, outcome) in enumerate([("DRILL-500", "Added"), ("NO-SUCH-SKU", "Not added"),
                                            ("GLOVE-L", "Not added"), ("GLOVE-L", "Added")]):
        expect(result.nth(index)).to_contain_text(sku)
        expect(result.nth(index)).to_contain_text(outcome)
    expect(result.nth(1)).to_contain_text("there is no product with this SKU")
    screenshot(page, "ordering-01-quick-order-result")
    assert_page_healthy(page)

    page.get_by_role("link", name="Go to the cart").click()
    cart = page.locator("table").first
    for name in ("Cordless drill", "Safety gloves", "Hex bolt M8"):  # Ben's cart held 10 bolts already
        expect(cart).to_contain_text(name)
    page.get_by_role("link", name="Go to checkout").click()
    expect(page.get_by_role("heading", name="Checkout", level=1)).to_be_visible()
    page.get_by_label("Your reference (purchase order number)").fill("PO-CSV-1")
    page.get_by_role("button", name="Place order").click()

    placed = alert(page, "your order")
    expect(placed).to_be_visible()
    number = re.search(r"order ([A-Z]{2}-\d+) is placed", placed.inner_text()).group(1)
    screenshot(page, "ordering-02-order-placed")

    nav.get_by_role("link", name="Orders", exact=True).click()
    expect(page).to_have_url(re.compile(rf"{live_server}/orders"))
    row = page.locator("table tbody tr").filter(has_text=number)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=re.compile(number))).to_be_visible()
    expect(page.locator("main")).to_contain_text("PO-CSV-1")
    expect(page.locator("main")).to_contain_text("Cordless drill")
    screenshot(page, "ordering-03-order-details")
    assert_page_healthy(page)

    with live_app.app_context():
        ben = db.session.scalar(select(CompanyUser).where(CompanyUser.email == BEN))
        order = db.session.scalar(select(Order).where(Order.number == number))
        # The cart held Ben's bolts before the upload, so the order keeps the cart's origin.
        assert (order.owner_id, order.reference, order.origin) == (ben.id, "PO-CSV-1", "cart")
        assert sorted((line.sku, line.quantity) for line in order.lines) == [
            ("BOLT-M8", 10), ("DRILL-500", 3), ("GLOVE-L", 12)]
