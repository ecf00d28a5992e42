"""Booking a service for an asset: from the asset's page into the cart, through checkout, into the asset's service
history with the order that booked it; every refusal says why and changes nothing.

The world: Acme's "Hydraulic press HP-200" (Plant North, Ben's unit), Globex's "Chiller CH-9"; the service
product PUMP-SVC ("Pump maintenance visit") offered at the Hamburg (HH-PUMP) and Munich (MUC-PUMP) workshops.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models.asset_services import book_for_asset
from models.assets import Asset
from models.base import DomainError, utcnow
from models.carts import CartLine, cart_of, open_cart
from models.catalog import Product, ProductType
from models.services import BookedService, ProductOffer
from tests import factories as f
from tests.aftersales_factories import BookedServiceFactory
from tests.asset_pages import ANNA, BEN, CARL, CHILLER, COMPRESSOR, FORKLIFT, GINA, PRESS, _as, _asset_id
from tests.helpers import count_queries, csrf_token, flashes, login, text

PUMP = "Pump maintenance visit"
IRIS = "iris.viewer@acme.example"


def _pump_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Product.id).where(Product.sku == "PUMP-SVC"))


def _book(client, asset_id: int, product_id) -> tuple[object, str]:
    token = csrf_token(client.get("/assets").get_data(as_text=True))
    response = client.post(f"/assets/{asset_id}/book", data={"csrf_token": token, "product_id": product_id})
    return response, " ".join(flashes(client.get("/cart").get_data(as_text=True)))


def _cart_lines(app, email: str = BEN) -> list[tuple[str, int | None]]:
    with app.app_context():
        cart = cart_of(f.user(email).id)
        return sorted((line.product.sku, line.asset_id) for line in cart.lines) if cart else []


def _offer(app, reference: str) -> int:
    with app.app_context():
        return db.session.scalar(select(ProductOffer.id).where(ProductOffer.reference == reference))


def _place(app, client) -> None:
    """Choose Hamburg in five days for the pump line, then place the order with the cart's other lines."""
    with app.app_context():
        line_id = db.session.scalar(select(CartLine.id).join(Product).where(Product.sku == "PUMP-SVC"))
    when = (utcnow() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    token = csrf_token(client.get("/cart").get_data(as_text=True))
    client.post(f"/cart/lines/{line_id}/service",
                data={"csrf_token": token, "offer_id": _offer(app, "HH-PUMP"), "service_at": when})
    html = client.get("/checkout").get_data(as_text=True)
    with app.app_context():
        acme = f.company("Acme Industrial")
        addresses = {a.label: a.id for a in acme.addresses}
    total = re.search(r'name="expected_total" type="hidden" value="([^"]*)"', html).group(1)
    placed = client.post("/checkout", data={"csrf_token": csrf_token(html), "expected_total": total,
                                            "shipping_address": addresses["Plant North"],
                                            "billing_address": addresses["Head office"], "reference": "",
                                            "comment": ""})
    assert placed.status_code == 302, text(placed)


def test_ben_books_a_service_for_the_press_and_it_joins_the_press_history(app):
    press = _asset_id(app, PRESS)
    ben = _as(app, BEN)
    page = ben.get(f"/assets/{press}").get_data(as_text=True)
    assert '<a class="btn btn-primary" href="#book">Book a service</a>' in page
    assert f'<option value="{_pump_id(app)}">{PUMP} (PUMP-SVC)</option>' in page
    assert "No services booked for this asset that you can see yet." in text(page)

    response, said = _book(ben, press, _pump_id(app))
    assert response.status_code == 302 and response.headers["Location"].endswith("/cart")
    assert f"{PUMP} for {PRESS} is in your cart" in said
    assert ("PUMP-SVC", press) in _cart_lines(app)
    assert f"For {PRESS} (HP200-0001)" in text(ben.get("/cart"))

    _place(app, ben)
    with app.app_context():
        booked = db.session.scalar(select(BookedService).where(BookedService.asset_id == press))
        assert booked is not None and booked.product_name == PUMP
        booked_id, number, order_id = booked.id, booked.order_number, booked.order_id
    page = ben.get(f"/assets/{press}").get_data(as_text=True)
    rows = re.search(r'data-testid="bookings".*?</table>', page, re.S).group(0)
    assert f"{PUMP} {number} Hamburg workshop" in text(rows) and "Scheduled" in text(rows)
    assert f'href="/orders/{order_id}">{number}</a>' in rows and f'href="/services/{booked_id}"' in rows
    assert f"For asset {PRESS} (HP200-0001)" in text(ben.get(f"/services/{booked_id}"))
    # staff see it on the booked service in the back office
    staff = app.test_client()
    assert login(staff, "admin@atrium.example", path="/admin/login/").status_code == 302
    assert f"For asset {PRESS} (HP200-0001)" in text(staff.get(f"/admin/booked_services/details/?id={booked_id}"))


def test_booking_again_for_the_same_asset_keeps_one_line(app):
    press, ben = _asset_id(app, PRESS), _as(app, BEN)
    _book(ben, press, _pump_id(app))
    response, said = _book(ben, press, _pump_id(app))
    assert "is in your cart" in said
    assert [line for line in _cart_lines(app) if line[0] == "PUMP-SVC"] == [("PUMP-SVC", press)]


def test_a_service_in_the_cart_for_another_asset_is_refused_and_changes_nothing(app):
    press, forklift, ben = _asset_id(app, PRESS), _asset_id(app, FORKLIFT), _as(app, BEN)
    _book(ben, press, _pump_id(app))
    before = _cart_lines(app)
    response, said = _book(ben, forklift, _pump_id(app))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/assets/{forklift}#book")
    assert f"Your cart holds {PUMP} for another asset already" in said
    assert _cart_lines(app) == before


def test_what_is_not_a_bookable_service_is_refused_and_changes_nothing(app):
    press, ben = _asset_id(app, PRESS), _as(app, BEN)
    with app.app_context():
        drill = db.session.scalar(select(Product.id).where(Product.sku == "DRILL-500"))
        service = db.session.scalar(select(ProductType).where(ProductType.key == "service"))
        unoffered = f.ProductFactory(sku="CAL-SVC", name="Calibration visit", product_type=service)
        db.session.commit()
        unoffered = unoffered.id
    before = _cart_lines(app)
    for product_id in (drill, unoffered, 999999, "x", "", "1" * 30):
        response, said = _book(ben, press, product_id)
        assert response.status_code == 302, product_id
        assert "Choose one of the services from the list." in said, product_id
        assert _cart_lines(app) == before, product_id
    assert "Calibration visit" not in ben.get(f"/assets/{press}").get_data(as_text=True)


def test_a_retired_asset_offers_no_booking_and_is_refused(app):
    press, ben = _asset_id(app, PRESS), _as(app, BEN)
    with app.app_context():
        db.session.get(Asset, press).status = "retired"
        db.session.commit()
    assert 'id="book"' not in ben.get(f"/assets/{press}").get_data(as_text=True)
    before = _cart_lines(app)
    response, said = _book(ben, press, _pump_id(app))
    assert f"{PRESS} is retired; set it in use again before booking a service for it." in said
    assert _cart_lines(app) == before


def test_another_companys_asset_is_missing_and_who_may_not_order_is_refused(app):
    chiller, press = _asset_id(app, CHILLER), _asset_id(app, PRESS)
    ben = _as(app, BEN)
    before = _cart_lines(app)
    for asset_id in (chiller, 999999, 2**40):
        response, _ = _book(ben, asset_id, _pump_id(app))
        assert response.status_code == 404, asset_id
    assert _cart_lines(app) == before
    gina = _as(app, GINA)  # Globex's Account Admin orders, but not for Acme's press
    response, _ = _book(gina, press, _pump_id(app))
    assert response.status_code == 404 and _cart_lines(app, GINA) == []
    carl = _as(app, CARL)  # orders, but the press is another unit's
    response, _ = _book(carl, press, _pump_id(app))
    assert response.status_code == 404 and _cart_lines(app, CARL) == []
    with app.app_context():  # Iris may see every Acme asset but may not order
        acme = f.company("Acme Industrial")
        viewer = f.RoleFactory(company=acme, name="Asset viewer", permissions=["view_company_assets"])
        iris = f.CompanyUserFactory(email=IRIS, company=acme, business_unit=f.user(BEN).business_unit)
        iris.roles = [viewer]
        db.session.commit()
    iris = _as(app, IRIS)
    assert 'id="book"' not in iris.get(f"/assets/{press}").get_data(as_text=True)
    response, _ = _book(iris, press, _pump_id(app))
    assert response.status_code == 403 and _cart_lines(app, IRIS) == []


def test_the_history_shows_only_bookings_the_user_may_see(app):
    forklift = _asset_id(app, FORKLIFT)
    anna = _as(app, ANNA)
    _book(anna, forklift, _pump_id(app))
    _place(app, anna)
    assert PUMP in text(re.search(r'data-testid="bookings".*?</table>', anna.get(f"/assets/{forklift}")
                                  .get_data(as_text=True), re.S).group(0))
    page = text(_as(app, BEN).get(f"/assets/{forklift}"))  # Ben sees the forklift, not Anna's order
    assert "No services booked for this asset that you can see yet." in page


def test_the_asset_page_costs_the_same_with_one_booking_or_many(app):
    press, ben = _asset_id(app, PRESS), _as(app, BEN)

    def statements() -> int:
        with count_queries(app) as queries:
            assert ben.get(f"/assets/{press}").status_code == 200
        return len(queries)

    def book(count: int) -> None:
        with app.app_context():
            buyer = f.user(BEN)
            for n in range(count):
                BookedServiceFactory(company=buyer.company, owner_id=buyer.id, business_unit_id=buyer.business_unit_id,
                                     asset_id=press, scheduled_at=utcnow() + timedelta(days=n + 2))
            db.session.commit()

    book(1)
    one = statements()
    book(30)
    assert statements() == one
    page = ben.get(f"/assets/{press}").get_data(as_text=True)
    rows = re.search(r'data-testid="bookings".*?</table>', page, re.S).group(0)
    assert rows.count("<tr>") - 1 == 20  # the newest twenty


def test_the_operation_itself_refuses_an_asset_the_buyer_may_not_see(app):
    """Whoever calls it (a view, a job, an agent), the rule holds: another company's or unit's asset is refused."""
    chiller, compressor = _asset_id(app, CHILLER), _asset_id(app, COMPRESSOR)
    with app.app_context():
        ben = f.user(BEN)
        cart = open_cart(ben, ben.company.shop)
        for asset_id in (chiller, compressor, "x", None, 10**12):
            with pytest.raises(DomainError, match="Choose one of your assets."):
                book_for_asset(cart, asset_id, _pump_id(app), actor=f.actor(BEN))
        assert [line for line in cart.lines if line.product.sku == "PUMP-SVC"] == []
