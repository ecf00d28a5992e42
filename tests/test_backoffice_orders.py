"""Orders in the back office: the list (search, filters, no count), details, workflow steps and page cost."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from extensions import db
from models.orders import Order, OrderLine
from models.permissions import StaffPerm
from models.workflow_engine import start, transition
from tests import factories as f
from tests.backoffice_forms import filter_arg, follow, form_values, reason_options
from tests.helpers import count_queries, flashes, login, outbox, text

ORDERS = "/admin/orders/"
TRANSITION = "/admin/orders/transition/"
BEN = "ben.buyer@acme.example"


def _ben_order(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Order.id).where(Order.number == "DE-10000"))


def add_orders(app, n: int, *, company="Globex", buyer="gina.admin@globex.example", tag="X", days_ago=1) -> list[int]:
    """``n`` placed orders of ``company``, one line each, placed ``days_ago`` days ago (the newest last)."""
    with app.app_context():
        owner, placed = f.user(buyer), datetime.now(timezone.utc) - timedelta(days=days_ago)
        orders = []
        for i in range(n):
            order = Order(shop_id=owner.company.shop_id, number=f"{tag}-{i}", company_id=owner.company_id,
                          owner_id=owner.id, buyer_name=owner.full_name, buyer_email=owner.email, currency="USD",
                          net_total=Decimal("10.00"), tax_total=Decimal("0.89"), gross_total=Decimal("10.89"),
                          line_count=1, placed_at=placed + timedelta(minutes=i),
                          shipping_address="1 Main Street\nSpringfield", billing_address="1 Main Street",
                          lines=[OrderLine(position=0, sku="BOLT-M8", name="Hex bolt", quantity=40,
                                           unit_price=Decimal("0.25"), line_total=Decimal("10.00"))])
            start(order)
            orders.append(order)
        db.session.add_all(orders)
        db.session.commit()
        return [o.id for o in orders]


def details(client, order_id: int) -> str:
    response = client.get(f"{ORDERS}details/?id={order_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def step_form(html: str, key: str) -> dict[str, str]:
    """What the form of step ``key`` on the details page posts."""
    chunk = next(c for c in html.split("<form")[1:] if f'name="transition" value="{key}"' in c)
    return form_values("<form" + chunk.split("</form>")[0] + "</form>", TRANSITION)


def fire(client, order_id: int, key: str, reason: str | None = None, comment: str = ""):
    html = details(client, order_id)
    data = step_form(html, key)
    if reason is not None:
        data["reason_id"] = reason_options(html, key)[reason]
    return client.post(TRANSITION, data=dict(data, comment=comment))


def state_of(app, order_id: int) -> str:
    with app.app_context():
        return db.session.get(Order, order_id).state


def test_the_list_shows_orders_newest_first_with_company_buyer_total_and_state(app, login_as):
    add_orders(app, 2, days_ago=0)
    client = login_as("support@atrium.example")
    page = text(client.get(ORDERS))
    assert "X-1 Globex Gina Admin gina.admin@globex.example US$10.89 Placed" in page
    assert page.index("X-1") < page.index("X-0") < page.index("DE-10000")
    assert "DE-10000 Acme Industrial Ben Buyer ben.buyer@acme.example €283.22 Placed" in page


@pytest.mark.parametrize("search,found,not_found", [
    ("de-10000", ["DE-10000"], ["X-0"]),
    ("X-1", ["X-1"], ["DE-10000", "X-0"]),
    ("Ben.Buyer@acme.example", ["DE-10000"], ["X-0"]),
    ("gina.admin@globex.example", ["X-0", "X-1"], ["DE-10000"]),
    ("globex", ["X-0", "X-1"], ["DE-10000"]),
    ("acme indus", ["DE-10000"], ["X-0"]),
    ("ben", ["DE-10000"], ["X-0"]),  # the buyer's name
    ("nothing-like-this", [], ["DE-10000", "X-0"]),
])
def test_the_list_searches_order_number_buyer_e_mail_and_company(app, login_as, search, found, not_found):
    add_orders(app, 2)
    page = text(login_as("admin@atrium.example").get(f"{ORDERS}?search={search}"))
    assert all(number in page for number in found) and not any(f"{n} " in page for n in not_found), page


def test_the_list_filters_by_state_and_placed_day(app, login_as):
    old = add_orders(app, 1, tag="OLD", days_ago=40)
    client = login_as("admin@atrium.example")
    with app.app_context():
        transition(db.session.get(Order, old[0]), "confirm", actor=f.actor("admin@atrium.example"))
        db.session.commit()
    html = client.get(ORDERS).get_data(as_text=True)
    state, since, until = (filter_arg(html, "State"), filter_arg(html, "Placed", "from"),
                           filter_arg(html, "Placed", "until"))
    assert (state, since, until) == ("state_equals", "placed_from", "placed_until")
    confirmed = text(client.get(f"{ORDERS}?flt0_state_equals=confirmed"))
    assert "OLD-0" in confirmed and "DE-10000" not in confirmed
    day = (datetime.now(timezone.utc) - timedelta(days=40)).date().isoformat()
    recent = text(client.get(f"{ORDERS}?flt0_placed_from={(datetime.now(timezone.utc) - timedelta(days=7)).date()}"))
    assert "DE-10000" in recent and "OLD-0" not in recent
    that_day = text(client.get(f"{ORDERS}?flt0_placed_from={day}&flt1_placed_until={day}"))
    assert "OLD-0" in that_day and "DE-10000" not in that_day


def test_the_details_page_shows_lines_totals_addresses_buyer_company_and_the_steps(app, login_as):
    client = login_as("admin@atrium.example")
    html = details(client, _ben_order(app))
    page = text(html)
    assert "Order number DE-10000" in page and "Purchase order PO-4711" in page
    assert "Buyer Ben Buyer ben.buyer@acme.example" in page
    lines = text(html.split('data-testid="lines"')[1].split("</table>")[0])
    assert "DRILL-500 Cordless drill 18 V 2 €119.00 €238.00" in lines
    assert "Net €238.00 Tax (19 %) €45.22 Total €283.22" in lines
    assert "12 Harbour Street" in page
    with app.app_context():
        acme_id = f.company("Acme Industrial").id
    assert f'href="/admin/companies/details/?id={acme_id}"' in html
    for key in ("confirm", "hold", "cancel"):
        assert f'name="transition" value="{key}"' in html
    assert 'value="withdraw"' not in html  # the customer's own step is not offered to staff
    assert "Out of stock" in reason_options(html, "cancel")


def test_confirm_ship_deliver_moves_the_order_and_mails_the_buyer(app, login_as):
    client = login_as("agent@atrium.example")
    order_id = _ben_order(app)
    page = follow(client, fire(client, order_id, "confirm", comment="Ships on Monday."))
    assert "Confirm: Order DE-10000 is now Confirmed." in flashes(page)
    page = follow(client, fire(client, order_id, "ship"))
    assert 'data-testid="state">Shipped<' in page
    page = follow(client, fire(client, order_id, "deliver"))
    assert state_of(app, order_id) == "delivered"
    assert "No further steps from this status." in text(page)
    history = text(page.split('data-testid="history"')[1].split("</ul>")[0])
    for move in ("Placed → Confirmed", "Confirmed → Shipped", "Shipped → Delivered", "Ships on Monday.", "Rita"):
        assert move in history
    with app.app_context():
        assert [m.subject for m in outbox(BEN, "order_status")] == ["Your order is confirmed", "Your order is on its way"]
        assert "Ships on Monday." in outbox(BEN, "order_status")[0].body_text


def test_cancelling_needs_a_reason_and_tells_the_buyer(app, login_as):
    client = login_as("admin@atrium.example")
    order_id = _ben_order(app)
    page = follow(client, fire(client, order_id, "cancel"))
    assert "Pick a reason for this step." in flashes(page)
    assert state_of(app, order_id) == "placed"
    page = follow(client, fire(client, order_id, "cancel", reason="Out of stock"))
    assert "Cancel: Order DE-10000 is now Cancelled." in flashes(page)
    assert "Reason: Out of stock" in text(page.split('data-testid="history"')[1])
    with app.app_context():
        assert [m.subject for m in outbox(BEN, "order_status")] == ["Your order was cancelled"]


def test_an_order_on_hold_is_released(app, login_as):
    client = login_as("admin@atrium.example")
    order_id = _ben_order(app)
    page = follow(client, fire(client, order_id, "hold"))
    assert 'data-testid="state">Waiting for our check<' in page and 'value="confirm"' not in page
    follow(client, fire(client, order_id, "release"))
    assert state_of(app, order_id) == "placed"
    with app.app_context():
        assert [m.subject for m in outbox(BEN, "order_status")] == ["Your order is released"]


def test_a_step_on_a_page_another_clerk_has_overtaken_is_refused_with_a_message(app, login_as):
    client = login_as("admin@atrium.example")
    order_id = _ben_order(app)
    stale = step_form(details(client, order_id), "cancel")
    with app.app_context():
        transition(db.session.get(Order, order_id), "confirm", actor=f.actor("support@atrium.example"))
        db.session.commit()
    response = client.post(TRANSITION, data=dict(stale, reason_id=stale.get("reason_id") or "", comment=""))
    assert response.status_code == 302
    page = follow(client, response)
    assert "This order was already moved to Confirmed by someone else; nothing was changed." in flashes(page)
    assert state_of(app, order_id) == "confirmed"
    assert client.post(TRANSITION, data=dict(stale, id="999999")).status_code == 404


def test_orders_are_for_staff_who_manage_them(app):
    order_id = _ben_order(app)
    with app.app_context():
        f.StaffUserFactory(email="cat@atrium.example", roles=["catalog_manager"])
        db.session.commit()
    for email, status in (("cat@atrium.example", 403), ("support@atrium.example", 200),
                          ("agent@atrium.example", 200), ("admin@atrium.example", 200)):
        client = app.test_client()
        assert login(client, email, path="/admin/login/").status_code == 302
        assert client.get(ORDERS).status_code == status, email
        assert client.get(f"{ORDERS}details/?id={order_id}").status_code == status, email
    cat = app.test_client()
    login(cat, "cat@atrium.example", path="/admin/login/")
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        assert client.post(TRANSITION, data={"id": str(order_id), "transition": "confirm"}).status_code == 302
        assert cat.post(TRANSITION, data={"id": str(order_id), "transition": "ship"}).status_code == 403
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert state_of(app, order_id) == "confirmed"


def _statements(app, client, path: str) -> list[str]:
    assert client.get(path).status_code == 200, path
    with count_queries(app) as statements:
        assert client.get(path).status_code == 200
    return statements


def test_the_list_never_counts_every_order_and_pages_by_previous_and_next(app, login_as):
    add_orders(app, 25)
    client = login_as("admin@atrium.example")
    statements = _statements(app, client, ORDERS)
    assert [s for s in statements if "count(" in s.lower() and "orders" in s.lower()] == []
    html = client.get(ORDERS).get_data(as_text=True)
    assert f'href="{ORDERS}?page=1&amp;page_size=20">Next</a>' in html
    second = text(client.get(f"{ORDERS}?page=1"))
    assert "X-5 " in second and "X-0 " in second and "X-6 " not in second and "DE-10000" not in second


def test_order_pages_cost_the_same_few_statements_with_1_and_31_extra_orders(app, login_as):
    client = login_as("admin@atrium.example")
    order_id = _ben_order(app)
    pages = [ORDERS, f"{ORDERS}?search=globex", f"{ORDERS}?search=gina.admin@globex.example",
             f"{ORDERS}?flt0_state_equals=placed", f"{ORDERS}?page=1", f"{ORDERS}details/?id={order_id}"]
    add_orders(app, 1, tag="S")
    small = {path: len(_statements(app, client, path)) for path in pages}
    add_orders(app, 30, tag="L")
    with app.app_context():  # and more of what a details page shows: history, lines
        transition(db.session.get(Order, order_id), "hold", actor=f.actor("admin@atrium.example"))
        order = db.session.get(Order, order_id)
        order.lines.extend(OrderLine(position=i + 1, sku=f"L-{i}", name="Line", quantity=1, unit_price=Decimal(1),
                                     line_total=Decimal(1)) for i in range(30))
        db.session.commit()
    large = {path: len(_statements(app, client, path)) for path in pages}
    assert large == small
    assert max(large.values()) <= 8, large


@pytest.mark.parametrize("email", [None, "support@atrium.example", "cat@atrium.example"])
def test_each_order_route_passes_the_permission_walk(app, email):
    """As ``tests.test_permission_walk`` walks every route: sign-in for visitors, a 403 for staff without
    the orders permission, and for those with it no 403, no error, and no write on a GET."""
    from tests.test_permission_walk import _is_login_redirect, _request, assert_reachable, classify, walk_rules

    routes = [route for route in walk_rules(app) if route[0].startswith("orders.")]
    assert {r[0] for r in routes} >= {"orders.index_view", "orders.details_view", "orders.transition_view"}
    assert {classify(app, r[0]) for r in routes} == {("admin", StaffPerm.MANAGE_ORDERS)}
    client = app.test_client()
    if email:
        with app.app_context():
            f.StaffUserFactory(email="cat@atrium.example", roles=["catalog_manager"])
            db.session.commit()
        assert login(client, email, path="/admin/login/").status_code == 302
    for endpoint, url, method, (face, _) in routes:
        response = _request(client, app, method, url)
        if email is None:
            assert _is_login_redirect(response, face), (endpoint, url)
        elif email.startswith("cat"):
            assert response.status_code == 403, (endpoint, url, response.status_code)
        else:
            assert_reachable(response, face, endpoint, url)
