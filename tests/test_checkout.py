"""Checkout through the portal: review, addresses, the company's rules, the order, the mail, bad input."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from extensions import db
from models.carts import CartLine, cart_of
from models.catalog import Product
from models.companies import Address
from models.orders import Order
from tests import factories as f
from tests.helpers import count_queries, csrf_token, flashes, outbox, text

BEN = "ben.buyer@acme.example"



def _addresses(app, company_name="Acme Industrial") -> dict:
    with app.app_context():
        company = f.company(company_name)
        rows = db.session.scalars(select(Address).where(Address.company_id == company.id)).all()
        return {a.label: a.id for a in rows}


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
    return found.group(1) if found else ""


def _checkout(app, client, **fields):
    page = client.get("/checkout")
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    addresses = _addresses(app)
    data = {"shipping_address": addresses["Plant North"], "billing_address": addresses["Head office"],
            "reference": "PO-1", "comment": "", "csrf_token": csrf_token(html),
            "expected_total": _hidden(html, "expected_total")}
    data.update(fields)
    return client.post("/checkout", data=data)


def _orders(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Order.id)))


def _cart_lines(app) -> list[tuple[str, int]]:
    with app.app_context():
        return [(line.product.sku, line.quantity) for line in cart_of(f.user(BEN).id).lines]


def _newest_order(app) -> Order:
    with app.app_context():
        order = db.session.scalar(select(Order).order_by(Order.id.desc()).limit(1))
        order.lines  # noqa: B018 - loaded for the test to read
        return order


def _change(app, change) -> None:
    with app.app_context():
        change()
        db.session.commit()


def _add_line(app, sku: str, quantity: int) -> None:
    def add():
        cart = cart_of(f.user(BEN).id)
        cart.lines.append(CartLine(product=db.session.scalar(select(Product).where(Product.sku == sku)),
                                   quantity=quantity))
    _change(app, add)


def test_ben_places_his_cart_at_his_companys_prices_and_gets_a_number_and_a_mail(app, login_as):
    client = login_as(BEN)
    page = text(client.get("/checkout"))
    # 10 hex bolts at Acme's partner price 0.22: 2.20 net, 19 % tax 0.42, 2.62 in all
    assert "2,20 €" in page and "0,42 €" in page and "2,62 €" in page
    response = _checkout(app, client, reference="PO-2026-77")
    assert response.status_code == 302
    order = _newest_order(app)
    assert response.location.endswith(f"/orders/{order.id}")
    assert order.number == "DE-10001"  # the world's first order was DE-10000
    assert (order.net_total, order.tax_total, order.gross_total) == (Decimal("2.20"), Decimal("0.42"), Decimal("2.62"))
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [("BOLT-M8", 10, Decimal("0.22"))]
    assert order.shipping_address.startswith("Plant North\n12 Harbour Street")
    assert order.reference == "PO-2026-77" and order.state == "placed"
    assert _cart_lines(app) == []
    shown = client.get(response.location).get_data(as_text=True)
    assert "your order DE-10001 is placed" in " ".join(flashes(shown))
    assert "Hex bolt M8" in text(shown) and "PO-2026-77" in text(shown)
    with app.app_context():
        mail = outbox(BEN, "order_placed")[-1]
        assert mail.subject == "Your order DE-10001" and "Hex bolt M8" in mail.bodies_for_recipient()[0]


def test_volume_tiers_price_a_hundred_bolts_lower(app, login_as):
    client = login_as(BEN)
    _change(app, lambda: setattr(cart_of(f.user(BEN).id).lines[0], "quantity", 100))
    _checkout(app, client)
    order = _newest_order(app)
    assert order.lines[0].unit_price == Decimal("0.18") and order.net_total == Decimal("18.00")


def test_the_order_numbers_of_one_shop_count_up(app, login_as):
    client = login_as(BEN)
    numbers = []
    for _ in range(2):
        _add_line(app, "GLOVE-L", 1)
        assert _checkout(app, client).status_code == 302
        numbers.append(_newest_order(app).number)
    assert numbers == ["DE-10001", "DE-10002"]


def test_an_empty_cart_sends_the_buyer_back_to_the_cart(app, login_as):
    response = login_as("carl.ccm@acme.example").get("/checkout")
    assert response.status_code == 302 and response.location.endswith("/cart")


def test_a_user_without_purchase_cannot_open_checkout(app, login_as):
    def desk():
        user = f.CompanyUserFactory(email="desk@acme.example", company=f.company("Acme Industrial"))
        user.roles = [f.role("Inquiry desk")]
    _change(app, desk)
    assert login_as("desk@acme.example").get("/checkout").status_code == 403


def test_another_companys_address_or_a_billing_address_as_shipping_is_refused(app, login_as):
    client = login_as(BEN)
    globex = _addresses(app, "Globex")["Globex HQ"]
    for fields, said in (({"shipping_address": globex}, "Choose a shipping address"),
                         ({"billing_address": globex}, "Choose a billing address"),
                         ({"shipping_address": _addresses(app)["Head office"]}, "Choose a shipping address"),
                         ({"shipping_address": "x"}, "Choose a shipping address")):
        response = _checkout(app, client, **fields)
        assert response.status_code == 400
        assert any(said in message for message in flashes(response.get_data(as_text=True))), fields
    assert _orders(app) == 1 and _cart_lines(app) == [("BOLT-M8", 10)]


def test_a_blocked_company_or_an_order_over_its_limit_is_refused_and_nothing_changes(app, login_as):
    client = login_as(BEN)
    _change(app, lambda: setattr(f.company("Acme Industrial"), "block_checkout_over", Decimal("1.00")))
    response = _checkout(app, client)
    assert response.status_code == 400
    assert "can order up to 1,00 € at a time; this order is 2,62 €" in " ".join(flashes(response.get_data(as_text=True)))
    _change(app, lambda: (setattr(f.company("Acme Industrial"), "block_checkout_over", None),
                          setattr(f.company("Acme Industrial"), "block_checkout", True)))
    response = _checkout(app, client)
    assert "Ordering is blocked for your company" in " ".join(flashes(response.get_data(as_text=True)))
    assert _orders(app) == 1 and _cart_lines(app) == [("BOLT-M8", 10)]


def test_a_company_whose_orders_staff_check_gets_its_order_held(app, login_as):
    client = login_as(BEN)
    _change(app, lambda: setattr(f.company("Acme Industrial"), "require_approval_over", Decimal("1.00")))
    _checkout(app, client)
    order = _newest_order(app)
    assert order.state == "on_hold"
    assert "Waiting for our check" in text(client.get(f"/orders/{order.id}"))
    with app.app_context():
        assert "check your company's orders" in outbox(BEN, "order_placed")[-1].bodies_for_recipient()[0]


def test_prices_that_changed_since_the_review_are_shown_again_not_charged(app, login_as):
    response = _checkout(app, login_as(BEN), expected_total="1.00")
    assert response.status_code == 400
    assert "Prices changed while you were ordering: the total is now 2,62 €" in " ".join(
        flashes(response.get_data(as_text=True)))
    assert _orders(app) == 1


def test_a_product_taken_out_of_the_catalog_stops_the_order_with_a_reason(app, login_as):
    client = login_as(BEN)
    _change(app, lambda: setattr(db.session.scalar(select(Product).where(Product.sku == "BOLT-M8")), "active", False))
    page = text(client.get("/checkout"))
    assert "BOLT-M8: Hex bolt M8 × 40, zinc plated is no longer sold. Remove it from the cart" in page
    response = _checkout(app, client)
    assert response.status_code == 400 and _orders(app) == 1


def test_a_long_reference_is_refused_beside_its_field(app, login_as):
    response = _checkout(app, login_as(BEN), reference="x" * 61)
    assert response.status_code == 400 and _orders(app) == 1


def test_checkout_costs_a_fixed_number_of_statements(app, login_as):
    client = login_as(BEN)
    client.get("/checkout")  # the first page after signing in also settles the shop
    with count_queries(app) as small:
        assert client.get("/checkout").status_code == 200

    def fill():
        cart = cart_of(f.user(BEN).id)
        # (goods only: a service line adds the service points offering it, see test_service_checkout)
        for product in db.session.scalars(select(Product).where(Product.active.is_(True), Product.sku != "BOLT-M8",
                                                                Product.sku != "PUMP-SVC")):
            cart.lines.append(CartLine(product=product, quantity=3))
    _change(app, fill)
    with count_queries(app) as large:
        assert client.get("/checkout").status_code == 200
    assert len(large) == len(small) <= 12, "\n\n".join(large)


def test_an_agent_checks_out_for_ben_through_the_same_operation_and_the_order_says_so(app):
    """Assisted service calls place_order with the agent acting for the buyer: Ben's order, the agent's trail."""
    from models.audit import AuditEvent
    from models.checkout import place_order

    addresses = _addresses(app)
    with app.app_context():
        ben = f.user(BEN)
        agent = f.actor("agent@atrium.example").emulating(f.actor(ben))
        order = place_order(cart_of(ben.id), actor=agent, shipping_address_id=addresses["Plant North"],
                            billing_address_id=addresses["Head office"], reference="PHONE-7")
        assert (order.owner_id, order.company_id, order.origin) == (ben.id, ben.company_id, "agent")
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "order.placed")
                                  .order_by(AuditEvent.id.desc()))
        assert (event.actor_kind, event.on_behalf_of_id) == ("staff", ben.id)
        assert event.who.startswith("Rita Representative <agent@atrium.example> for Ben Buyer")
        assert not cart_of(ben.id).lines


def test_an_agent_acting_for_ben_cannot_check_out_annas_cart(app):
    from models.base import NotPermitted
    from models.checkout import place_order

    addresses = _addresses(app)
    with app.app_context():
        agent = f.actor("agent@atrium.example").emulating(f.actor(BEN))
        anna_cart = cart_of(f.user("anna.admin@acme.example").id)
        with pytest.raises(NotPermitted):
            place_order(anna_cart, actor=agent, shipping_address_id=addresses["Plant North"],
                        billing_address_id=addresses["Head office"])
        assert anna_cart.lines and db.session.scalar(
            select(func.count(Order.id)).where(Order.owner_id == anna_cart.owner_id)) == 0


def _two_item_cart(app):
    _add_line(app, "GLOVE-L", 4)
    with app.app_context():
        return {line.product.sku: line.id for line in cart_of(f.user(BEN).id).lines}


def test_ben_sends_one_item_to_another_plant_and_the_order_keeps_each_address(app, login_as):
    lines, addresses = _two_item_cart(app), _addresses(app)
    client = login_as(BEN)
    page = client.get("/checkout").get_data(as_text=True)
    assert "Send items to different addresses" in page and f'name="ship_to-{lines["GLOVE-L"]}"' in page
    response = _checkout(app, client, **{f"ship_to-{lines['GLOVE-L']}": addresses["Plant South"]})
    assert response.status_code == 302
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.reference == "PO-1"))
        sent = {line.sku: line.shipping_address for line in order.lines}
        assert "Hamburg" in order.shipping_address and sent["BOLT-M8"] is None
        assert "7 Alpine Way" in sent["GLOVE-L"] and "Munich" in sent["GLOVE-L"]
        [mail] = outbox(BEN, "order_placed")
        assert "sent to Plant South, 7 Alpine Way" in mail.body_text
        order_id = order.id
    assert "Sent to Plant South, 7 Alpine Way" in text(client.get(f"/orders/{order_id}"))


def test_an_item_sent_to_an_address_of_another_company_or_a_billing_address_is_refused(app, login_as):
    lines, addresses = _two_item_cart(app), _addresses(app)
    globex = _addresses(app, "Globex")["Globex HQ"]
    client = login_as(BEN)
    for wrong in (globex, addresses["Head office"], "abc"):
        response = _checkout(app, client, **{f"ship_to-{lines['GLOVE-L']}": wrong})
        assert response.status_code == 400
        assert "Choose a shipping address from your company's address book." in flashes(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id)).where(Order.reference == "PO-1")) == 0
        assert len(cart_of(f.user(BEN).id).lines) == 2
