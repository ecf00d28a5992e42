"""Services in the cart and at checkout: choosing a service point and a time, its price, booking on placing.

The test world offers PUMP-SVC ("Pump maintenance visit", needs a date and time) at HH-PUMP (Hamburg
workshop, 3 places, 240.00 EUR net) and MUC-PUMP (Munich workshop, always, the list price 250.00 EUR).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from extensions import db
from models.base import utcnow
from models.carts import Cart, CartLine, cart_of
from models.catalog import Product
from models.companies import Address, Company
from models.orders import Order
from models.services import BookedService, ProductOffer
from tests import factories as f
from tests.aftersales_factories import ProductOfferFactory, ServiceFactory
from tests.databases import at_once, world_app
from tests.helpers import count_queries, csrf_token, flashes, login, text

BEN, ANNA = "ben.buyer@acme.example", "anna.admin@acme.example"
PUMP = "Pump maintenance visit"


def _in_days(days: float) -> datetime:
    return (utcnow() + timedelta(days=days)).replace(second=0, microsecond=0)


def _local(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M")


def _offers(app) -> dict[str, int]:
    with app.app_context():
        return {o.reference: o.id for o in db.session.scalars(select(ProductOffer))}


def _stock(app, reference: str = "HH-PUMP") -> int | None:
    with app.app_context():
        return db.session.scalar(select(ProductOffer.stock).where(ProductOffer.reference == reference))


def _set_stock(app, stock: int, reference: str = "HH-PUMP") -> None:
    with app.app_context():
        db.session.scalar(select(ProductOffer).where(ProductOffer.reference == reference)).stock = stock
        db.session.commit()


def _add_pump(app, email: str = BEN, **service) -> int:
    """Put one PUMP-SVC into the cart of ``email`` (``offer_id``/``service_at`` set directly); its line id."""
    with app.app_context():
        cart = cart_of(f.user(email).id)
        line = CartLine(product=db.session.scalar(select(Product).where(Product.sku == "PUMP-SVC")), quantity=1,
                        **service)
        cart.lines.append(line)
        db.session.commit()
        return line.id


def _line(app, line_id: int) -> tuple[int | None, datetime | None]:
    with app.app_context():
        line = db.session.get(CartLine, line_id)
        return line.offer_id, line.service_at


def _choose(client, line_id: int, offer_id="", when: str = ""):
    token = csrf_token(client.get("/cart").get_data(as_text=True))
    response = client.post(f"/cart/lines/{line_id}/service",
                           data={"csrf_token": token, "offer_id": offer_id, "service_at": when})
    return response, " ".join(flashes(client.get("/cart").get_data(as_text=True)))


def _addresses(app) -> dict[str, int]:
    with app.app_context():
        acme = db.session.scalar(select(Company).where(Company.name == "Acme Industrial"))
        return {a.label: a.id for a in db.session.scalars(select(Address).where(Address.company_id == acme.id))}


def _checkout_form(app, client) -> dict:
    html = client.get("/checkout").get_data(as_text=True)
    ids = _addresses(app)
    total = re.search(r'name="expected_total" type="hidden" value="([^"]*)"', html).group(1)
    return {"csrf_token": csrf_token(html), "shipping_address": ids["Plant North"],
            "billing_address": ids["Head office"], "expected_total": total, "reference": "", "comment": ""}


def _orders(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Order.id)))


def _booked(app) -> list[BookedService]:
    with app.app_context():
        return db.session.scalars(select(BookedService).order_by(BookedService.id)).all()


# --- the cart and checkout refuse until a service point and a time are chosen -------------------------------

def test_checkout_waits_for_a_service_point_and_a_time(app, login_as):
    client = login_as(BEN)
    line_id = _add_pump(app)
    cart = client.get("/cart").get_data(as_text=True)
    assert f'for="offer-{line_id}"' in cart and f'for="service-at-{line_id}"' in cart
    assert "Hamburg workshop, 3 Dock Road, 20457 Hamburg, DE (240,00 €): 3 places left" in text(cart)
    assert "Munich workshop, 9 Isar Lane, 80331 Munich, DE" in text(cart)
    assert "Shipment type: On-site service (it cannot be changed)" in text(cart)
    page = client.get("/checkout").get_data(as_text=True)
    assert f"Choose a service point for {PUMP}." in text(page)
    assert re.search(r'<button class="btn btn-primary" type="submit" disabled', page)
    before = _orders(app)
    assert client.post("/checkout", data=_checkout_form(app, client)).status_code == 400
    assert _orders(app) == before

    # a service point without the time the product needs is refused as a whole
    response, said = _choose(client, line_id, _offers(app)["HH-PUMP"])
    assert response.status_code == 302 and "Choose a date and time for the service." in said
    assert _line(app, line_id) == (None, None)

    when = _in_days(5)
    response, said = _choose(client, line_id, _offers(app)["HH-PUMP"], _local(when))
    assert f"{PUMP}: Hamburg workshop on {when:%d %b %Y at %H:%M} UTC." in said
    assert _line(app, line_id) == (_offers(app)["HH-PUMP"], when)
    page = client.get("/checkout").get_data(as_text=True)
    assert "Before you can order" not in text(page)
    assert not re.search(r'<button class="btn btn-primary" type="submit" disabled', page)


def test_checkout_shows_the_service_lines_as_their_own_group(app, login_as):
    client = login_as(BEN)
    when = _in_days(3)
    _add_pump(app, offer_id=_offers(app)["HH-PUMP"], service_at=when)
    page = text(client.get("/checkout"))
    delivery, service = page.index("Delivery"), page.index("On-site service")
    assert delivery < page.index("Hex bolt M8") < service < page.index(PUMP)
    assert f"{PUMP} PUMP-SVC Hamburg workshop 3 Dock Road, 20457 Hamburg, DE {when:%d %b %Y, %H:%M}" in page


def test_hamburg_takes_its_own_price_in_the_cart_total(app, login_as):
    client = login_as(BEN)
    line_id = _add_pump(app)
    _choose(client, line_id, _offers(app)["MUC-PUMP"], _local(_in_days(4)))
    # 10 bolts at 0.22 and the pump visit at the list price 250.00
    assert "252,20 €" in text(client.get("/cart"))
    _choose(client, line_id, _offers(app)["HH-PUMP"], _local(_in_days(4)))
    page = text(client.get("/cart"))
    assert "242,20 €" in page and "252,20 €" not in page
    assert "240,00 €" in page


@pytest.mark.parametrize("when, said", [
    (lambda: _local(_in_days(-1)), "at least 24 hours ahead"),
    (lambda: _local(utcnow() + timedelta(hours=23)), "at least 24 hours ahead"),
    (lambda: _local(_in_days(400)), "within the next year"),
    (lambda: "tomorrow at nine", "That is not a date and time"),
    (lambda: "2031-13-01T10:00", "That is not a date and time"),
    (lambda: "2031-02-30T10:00", "That is not a date and time"),
])
def test_a_bad_time_is_refused_and_changes_nothing(app, login_as, when, said):
    client = login_as(BEN)
    kept = _in_days(6)
    line_id = _add_pump(app, offer_id=_offers(app)["MUC-PUMP"], service_at=kept)
    response, shown = _choose(client, line_id, _offers(app)["HH-PUMP"], when())
    assert response.status_code == 302 and said in shown
    assert _line(app, line_id) == (_offers(app)["MUC-PUMP"], kept)


def test_another_offer_is_refused_and_changes_nothing(app, login_as):
    client = login_as(BEN)
    with app.app_context():
        other = ProductOfferFactory(product=db.session.scalar(select(Product).where(Product.sku == "DRILL-500")),
                                    service_point=ServiceFactory().service_point)
        db.session.commit()
        other_id = other.id
    kept = _in_days(6)
    line_id = _add_pump(app, offer_id=_offers(app)["MUC-PUMP"], service_at=kept)
    for offer_id in (other_id, "999999", "x", ""):
        response, shown = _choose(client, line_id, offer_id, _local(_in_days(7)))
        assert f"Choose a service point for {PUMP} from the list." in shown, offer_id
        assert _line(app, line_id) == (_offers(app)["MUC-PUMP"], kept)


def test_a_line_of_annas_cart_is_not_bens(app, login_as):
    annas = _add_pump(app, ANNA)
    client = login_as(BEN)
    response, _ = _choose(client, annas, _offers(app)["HH-PUMP"], _local(_in_days(5)))
    assert response.status_code == 404
    assert _line(app, annas) == (None, None)


# --- placing the order books the service ----------------------------------------------------------------------

def test_placing_the_order_books_the_service_and_takes_a_place(app, login_as):
    client = login_as(BEN)
    when = _in_days(8)
    line_id = _add_pump(app)
    _choose(client, line_id, _offers(app)["HH-PUMP"], _local(when))
    before = len(_booked(app))
    response = client.post("/checkout", data=_checkout_form(app, client))
    assert response.status_code == 302
    assert "is placed" in " ".join(flashes(client.get(response.location).get_data(as_text=True)))
    booked = _booked(app)
    assert len(booked) == before + 1
    new = booked[-1]
    with app.app_context():
        order = db.session.scalar(select(Order).order_by(Order.id.desc()).limit(1))
        assert (new.order_id, new.order_number) == (order.id, order.number)
        assert [(line.sku, line.unit_price) for line in order.lines if line.sku == "PUMP-SVC"] == [
            ("PUMP-SVC", Decimal("240.00"))]
    assert (new.service_point_name, new.scheduled_at, new.sku, new.state) == (
        "Hamburg workshop", when, "PUMP-SVC", "scheduled")
    assert new.owner_id == _ben_id(app)
    assert _stock(app) == 2


def _ben_id(app) -> int:
    with app.app_context():
        return f.user(BEN).id


def test_an_offer_without_places_is_no_longer_offered(app, login_as):
    client = login_as(BEN)
    line_id = _add_pump(app, offer_id=_offers(app)["HH-PUMP"], service_at=_in_days(5))
    _set_stock(app, 0)
    cart = text(client.get("/cart"))
    assert "Hamburg workshop" not in cart and "Munich workshop" in cart
    assert f"Choose a service point for {PUMP}." in text(client.get("/checkout"))
    before = len(_booked(app))
    assert client.post("/checkout", data=_checkout_form(app, client)).status_code == 400
    assert len(_booked(app)) == before and _stock(app) == 0
    _, said = _choose(client, line_id, _offers(app)["HH-PUMP"], _local(_in_days(5)))
    assert f"Choose a service point for {PUMP} from the list." in said


# --- two buyers, one place -------------------------------------------------------------------------------------

def test_two_buyers_booking_the_last_place_at_once_get_one_booking(tmp_path):
    with world_app(tmp_path) as app:
        _set_stock(app, 1)
        hamburg = _offers(app)["HH-PUMP"]
        for email in (BEN, ANNA):
            _add_pump(app, email, offer_id=hamburg, service_at=_in_days(9))
        clients = [app.test_client() for _ in (BEN, ANNA)]
        for client, email in zip(clients, (BEN, ANNA)):
            assert login(client, email).status_code == 302
        forms = [_checkout_form(app, client) for client in clients]
        before = len(_booked(app))
        statuses = at_once(lambda i: clients[i].post("/checkout", data=forms[i]))
        codes = sorted(response.status_code for response in statuses)
        assert codes == [302, 400], codes
        loser = next(response for response in statuses if response.status_code == 400)
        said = " ".join(flashes(loser.get_data(as_text=True)))
        assert ("too few places left" in said or f"Choose a service point for {PUMP}" in said), said
        assert len(_booked(app)) == before + 1
        assert _stock(app) == 0
        with app.app_context():
            carts = db.session.scalars(select(Cart).where(Cart.owner_id.is_not(None))).all()
            assert sorted(len(c.lines) for c in carts if c.owner_id in {f.user(BEN).id, f.user(ANNA).id}) == [0, 2]


# --- the cart page's cost does not grow with the offers --------------------------------------------------------

def _grow_offers(app, n: int) -> None:
    with app.app_context():
        pump = db.session.scalar(select(Product).where(Product.sku == "PUMP-SVC"))
        for _ in range(n):
            service = ServiceFactory()
            ProductOfferFactory(product=pump, service_point=service.service_point, services=[service], stock=5,
                                price=Decimal("199.00"))
        db.session.commit()


def _count(app, client, path: str) -> int:
    assert client.get(path).status_code == 200
    with count_queries(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_the_cart_and_checkout_with_a_service_line_cost_the_same_with_more_offers(app, login_as):
    client = login_as(BEN)
    _add_pump(app, offer_id=_offers(app)["HH-PUMP"], service_at=_in_days(5))
    _grow_offers(app, 3)
    small = {path: _count(app, client, path) for path in ("/cart", "/checkout")}
    _grow_offers(app, 12)
    assert "Workshop" in text(client.get("/cart"))  # the grown offers are listed
    large = {path: _count(app, client, path) for path in ("/cart", "/checkout")}
    assert small == large
    assert max(large.values()) <= 11, large



def test_the_service_pages_are_valid_html(app, login_as, tmp_path):
    from tests.test_valid_html import _check, _save

    client = login_as(BEN)
    _add_pump(app)  # not chosen yet
    files = [_save(tmp_path, "cart-open", client.get("/cart").get_data(as_text=True)),
             _save(tmp_path, "checkout-open", client.get("/checkout").get_data(as_text=True))]
    with app.app_context():
        line = cart_of(f.user(BEN).id).lines[-1]
        line.offer_id, line.service_at = _offers(app)["HH-PUMP"], _in_days(5)
        db.session.commit()
    visit = _booked(app)[0].id
    for name, path in (("cart-chosen", "/cart"), ("checkout-chosen", "/checkout"), ("services", "/services"),
                       ("service", f"/services/{visit}")):
        files.append(_save(tmp_path, name, client.get(path).get_data(as_text=True)))
    errors = _check(files)
    assert not errors, "\n".join(errors)
