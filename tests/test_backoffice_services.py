"""Services in the back office: service points, product offers (the rules of ``check_offer``), booked
services and their steps, who may open them, and what their pages cost."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from extensions import db
from models.base import DomainError, utcnow
from models.catalog import Product, ShipmentType
from models.offers import check_offer
from models.permissions import StaffPerm, StaffRole
from models.services import BookedService, ProductOffer, Service, ServicePoint, offer_services
from tests import factories as f
from tests.aftersales_factories import BookedServiceFactory, ProductOfferFactory, ServiceFactory, ServicePointFactory
from tests.backoffice_forms import follow, form_values
from tests.helpers import count_queries, flashes, login, text

POINTS, OFFERS, BOOKED, IMPORT = ("/admin/service_points/", "/admin/product_offers/", "/admin/booked_services/",
                                  "/admin/offer-import/")
ADMIN = "admin@atrium.example"


def _point(key: str) -> ServicePoint:
    return db.session.scalar(select(ServicePoint).where(ServicePoint.key == key))


def _offer(reference: str) -> ProductOffer:
    return db.session.scalar(select(ProductOffer).where(ProductOffer.reference == reference))


def _booked() -> BookedService:
    return db.session.scalar(select(BookedService).where(BookedService.order_number == "DE-10000"))


def _ids(app, model, column, values) -> list[str]:
    with app.app_context():
        return [str(db.session.scalar(select(model.id).where(column == value))) for value in values]


def _field_errors(html: str, name: str) -> str:
    """The text of the form group that holds the field ``name`` (its errors are drawn beside it)."""
    start = html.index(f'name="{name}"')
    group = html.rfind('class="form-group', 0, start)
    return text(html[group:html.find('class="form-group', start)])


def _catalog_manager(app) -> None:
    with app.app_context():
        f.StaffUserFactory(email="cat@atrium.example", roles=["catalog_manager"])
        db.session.commit()


# --- who may open what ------------------------------------------------------------------------------

@pytest.mark.parametrize("path,allowed", [
    (POINTS, {"admin", "cat"}), (f"{POINTS}new/", {"admin", "cat"}), (OFFERS, {"admin", "cat"}),
    (f"{OFFERS}new/", {"admin", "cat"}), (IMPORT, {"admin", "cat"}),
    (BOOKED, {"admin", "support", "agent"}),
])
def test_catalog_staff_manage_offers_and_order_staff_the_booked_services(app, path, allowed):
    _catalog_manager(app)
    for who in ("admin", "support", "agent", "cat"):
        client = app.test_client()
        assert login(client, f"{who}@atrium.example", path="/admin/login/").status_code == 302
        assert client.get(path).status_code == (200 if who in allowed else 403), who


def test_the_step_endpoints_refuse_staff_without_the_orders_permission(app):
    _catalog_manager(app)
    client = app.test_client()
    login(client, "cat@atrium.example", path="/admin/login/")
    with app.app_context():
        booked_id = _booked().id
    token = form_values(client.get(IMPORT).get_data(as_text=True), "/admin/offer-import/")["csrf_token"]
    for step in ("complete", "cancel", "reschedule"):
        assert client.post(f"{BOOKED}{step}/", data={"csrf_token": token, "id": booked_id}).status_code == 403
    with app.app_context():
        assert _booked().state == "scheduled"


# --- service points ---------------------------------------------------------------------------------

def test_a_service_point_is_created_with_its_services_and_edited(app, login_as):
    client = login_as(ADMIN)
    data = form_values(client.get(f"{POINTS}new/").get_data(as_text=True))
    data.update({"key": " Berlin ", "name": "Berlin workshop", "line1": "1 Spree Way", "postal_code": "10115",
                 "city": "Berlin", "country": "de", "active": "y", "services-0-name": " On-site service visit ",
                 "services-0-active": "y", "services-1-name": "Repair at the workshop", "services-1-active": "y"})
    page = follow(client, client.post(f"{POINTS}new/", data=data))
    assert "Record was successfully created." in flashes(page)
    with app.app_context():
        berlin = _point("berlin")
        assert (berlin.name, berlin.country, berlin.address) == ("Berlin workshop", "DE",
                                                                 "1 Spree Way, 10115 Berlin, DE")
        assert [(s.name, s.active) for s in berlin.services] == [("On-site service visit", True),
                                                                 ("Repair at the workshop", True)]
        point_id = berlin.id
    listed = text(client.get(POINTS))
    assert "berlin Berlin workshop 1 Spree Way, 10115 Berlin, DE Active On-site service visit, Repair" in listed
    url = f"{POINTS}edit/?id={point_id}"
    edit = form_values(client.get(url).get_data(as_text=True))
    assert "key" not in edit  # fixed once saved
    edit.pop("services-1-active")
    edit["name"] = "Berlin service centre"
    follow(client, client.post(url, data=edit))
    with app.app_context():
        berlin = _point("berlin")
        assert berlin.name == "Berlin service centre"
        assert [(s.name, s.active) for s in berlin.services] == [("On-site service visit", True),
                                                                 ("Repair at the workshop", False)]
    assert "Repair at the workshop (inactive)" in text(client.get(POINTS))


@pytest.mark.parametrize("fields,field,message", [
    ({"key": "hamburg"}, "key", "The service point “Hamburg workshop” has the key hamburg already."),
    ({"key": "Two words"}, "key", "is not a key"),
    ({"name": "  "}, "name", "Give the service point a name"),
    ({"services-0-name": "Visit", "services-1-name": "visit"}, None, "The service “visit” is listed twice"),
])
def test_a_service_point_the_rules_refuse_is_not_saved(app, login_as, fields, field, message):
    client = login_as(ADMIN)
    data = form_values(client.get(f"{POINTS}new/").get_data(as_text=True))
    data.update({"key": "kiel", "name": "Kiel workshop", "services-0-name": "Visit"}, **fields)
    with app.app_context():
        before = db.session.scalar(select(func.count(ServicePoint.id)))
    response = client.post(f"{POINTS}new/", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in (_field_errors(html, field) if field else " ".join(flashes(html)))
    with app.app_context():
        assert db.session.scalar(select(func.count(ServicePoint.id))) == before


def test_a_service_named_by_offers_is_not_deleted_and_an_unused_one_is(app, login_as):
    client = login_as(ADMIN)
    with app.app_context():
        hamburg = _point("hamburg")
        point_id, visit = hamburg.id, hamburg.services[0]
        visit_name, visit_id = visit.name, visit.id
        offered = db.session.scalar(select(func.count()).select_from(offer_services)
                                    .where(offer_services.c.service_id == visit_id))
    assert offered >= 1
    url = f"{POINTS}edit/?id={point_id}"
    data = form_values(client.get(url).get_data(as_text=True))
    data["del-services-0"] = "y"
    response = client.post(url, data=data)
    assert response.status_code == 200
    assert f"The service “{visit_name}” is part of {offered} product offer" in " ".join(
        flashes(response.get_data(as_text=True)))
    with app.app_context():
        assert db.session.get(Service, visit_id) is not None
        assert db.session.scalar(select(func.count()).select_from(offer_services)
                                 .where(offer_services.c.service_id == visit_id)) == offered
        spare = ServiceFactory(service_point=_point("hamburg"), name="Spare visit")
        db.session.commit()
        spare_id = spare.id
    data = form_values(client.get(url).get_data(as_text=True))
    index = next(key for key, value in data.items() if value == "Spare visit").split("-")[1]
    data[f"del-services-{index}"] = "y"
    follow(client, client.post(url, data=data))
    with app.app_context():
        assert db.session.get(Service, spare_id) is None
        assert db.session.get(Service, visit_id) is not None


# --- product offers ---------------------------------------------------------------------------------

def _offer_form(client, app, **fields):
    data = form_values(client.get(f"{OFFERS}new/").get_data(as_text=True))
    on_site = _ids(app, ShipmentType, ShipmentType.key, ["on_site_service"])
    with app.app_context():
        hamburg = _point("hamburg")
        point, visit = str(hamburg.id), str(hamburg.services[0].id)
    data.update({"reference": "hh-pump-2", "sku": "pump-svc", "service_point": point, "services": [visit],
                 "shipment_types": on_site, "stock": "5", "valid_from": "2030-01-01", "valid_until": "2030-12-31",
                 "price": "199.50", "currency": "eur", "active": "y"})
    data.update(fields)
    return client.post(f"{OFFERS}new/", data=data)


def test_an_offer_is_created_with_an_exact_price_and_listed_with_its_product_type(app, login_as):
    client = login_as(ADMIN)
    page = follow(client, _offer_form(client, app))
    assert "Record was successfully created." in flashes(page)
    with app.app_context():
        offer = _offer("HH-PUMP-2")
        assert (offer.product.sku, offer.service_point.key, offer.stock, offer.price, offer.currency) == (
            "PUMP-SVC", "hamburg", 5, Decimal("199.50"), "EUR")
        assert [s.name for s in offer.services] == ["On-site service visit"]
        assert (offer.valid_from, offer.valid_until) == (date(2030, 1, 1), date(2030, 12, 31))
        offer_id = offer.id
    listed = text(client.get(f"{OFFERS}?search=hh-pump-2"))
    assert "HH-PUMP-2" in listed and "PUMP-SVC · Service" in listed and "€199.50" in listed
    assert "2030-01-01 – 2030-12-31" in listed and "HH-PUMP " not in listed + " "
    edit = form_values(client.get(f"{OFFERS}edit/?id={offer_id}").get_data(as_text=True))
    assert (edit["sku"], edit["price"], edit["stock"]) == ("PUMP-SVC", "199.50", "5")
    follow(client, client.post(f"{OFFERS}edit/?id={offer_id}", data=dict(edit, price="", stock="")))
    with app.app_context():
        offer = _offer("HH-PUMP-2")
        assert offer.price is None and offer.stock is None


def test_the_offer_list_searches_and_filters(app, login_as):
    client = login_as(ADMIN)
    everything = text(client.get(OFFERS))
    assert "HH-PUMP" in everything and "MUC-PUMP" in everything and "Always available" in everything
    assert "MUC-PUMP" not in text(client.get(f"{OFFERS}?search=hamburg"))
    assert "HH-PUMP" in text(client.get(f"{OFFERS}?search=pump-svc"))
    munich = _ids(app, ServicePoint, ServicePoint.key, ["munich"])[0]
    by_point = text(client.get(f"{OFFERS}?flt0_service_point_equals={munich}"))
    assert "MUC-PUMP" in by_point and "HH-PUMP" not in by_point
    with app.app_context():
        _offer("MUC-PUMP").valid_until = utcnow().date() - timedelta(days=1)
        db.session.commit()
    now = text(client.get(f"{OFFERS}?flt0_valid_now_equals=1"))
    assert "HH-PUMP" in now and "MUC-PUMP" not in now
    assert "MUC-PUMP" in text(client.get(f"{OFFERS}?flt0_valid_now_equals=0"))
    assert "HH-PUMP" not in text(client.get(f"{OFFERS}?flt0_active_equals=0"))


@pytest.mark.parametrize("fields,field,message", [
    ({"services": "munich"}, "services", "“On-site service visit” of Munich workshop is not given at Hamburg"),
    ({"shipment_types": "delivery"}, "shipment_types", "PUMP-SVC does not allow Delivery"),
    ({"shipment_types": []}, "shipment_types", "Choose at least one shipment type"),
    ({"stock": "-1"}, "stock", "The stock is a whole number from 0"),
    ({"valid_until": "2029-12-31"}, "valid_until", "before it is valid from 2030-01-01"),
    ({"reference": "hh-pump"}, "reference", "Another offer has the reference HH-PUMP."),
    ({"sku": "NOPE-1"}, "sku", "There is no product with the SKU “NOPE-1”."),
    ({"price": "12,3,4"}, "price", "is not"),
    ({"price": "0"}, "price", "A price is more than zero"),
    ({"currency": "XYZ"}, "currency", "is not a currency code"),
])
def test_an_offer_the_rules_refuse_is_not_saved(app, login_as, fields, field, message):
    client = login_as(ADMIN)
    if fields.get("services") == "munich":
        with app.app_context():
            fields = {"services": [str(_point("munich").services[0].id)]}
    if fields.get("shipment_types") == "delivery":
        fields = {"shipment_types": _ids(app, ShipmentType, ShipmentType.key, ["delivery"])}
    with app.app_context():
        before = db.session.scalar(select(func.count(ProductOffer.id)))
    response = _offer_form(client, app, **fields)
    assert response.status_code == 200
    assert message in _field_errors(response.get_data(as_text=True), field)
    with app.app_context():
        assert db.session.scalar(select(func.count(ProductOffer.id))) == before


def test_check_offer_is_the_rule_for_every_door(app):
    with app.app_context():
        admin = f.actor(ADMIN)
        offer = _offer("HH-PUMP")
        offer.services = offer.services + _point("munich").services
        with pytest.raises(DomainError, match="not given at Hamburg workshop") as refused:
            check_offer(offer, actor=admin)
        assert refused.value.field == "services"
        db.session.rollback()
        offer = _offer("HH-PUMP")
        offer.shipment_types = db.session.scalars(select(ShipmentType)).all()
        with pytest.raises(DomainError, match="PUMP-SVC does not allow"):
            check_offer(offer, actor=admin)


# --- booked services --------------------------------------------------------------------------------

def _post_step(client, booked_id: int, step: str, **fields) -> str:
    page = client.get(f"{BOOKED}details/?id={booked_id}").get_data(as_text=True)
    data = form_values(page, f"{BOOKED}{step}/")
    data.update(fields)
    return follow(client, client.post(f"{BOOKED}{step}/", data=data))


def test_the_booked_services_list_shows_every_company_soonest_first(app, login_as):
    client = login_as("support@atrium.example")
    with app.app_context():
        globex = f.company("Globex")
        later = BookedServiceFactory(company=globex, product_name="Chiller check", sku="CHILL-SVC",
                                     service_point_name="Munich workshop", scheduled_at=utcnow() + timedelta(days=30))
        db.session.commit()
        order_id, later_number = _booked().order_id, later.order_number
    html = client.get(BOOKED).get_data(as_text=True)
    page = text(html)
    assert page.index("Pump maintenance") < page.index("Chiller check")
    assert "DE-10000 Acme Industrial" in page and "Globex" in page and "Hamburg workshop Scheduled" in page
    assert f'href="/admin/orders/details/?id={order_id}"' in html
    assert "Chiller check" not in text(client.get(f"{BOOKED}?search=pump"))
    assert "Pump maintenance" not in text(client.get(f"{BOOKED}?search=globex"))
    assert "Chiller check" in text(client.get(f"{BOOKED}?search={later_number}"))
    assert "Pump maintenance" in text(client.get(f"{BOOKED}?search=PUMP-SVC"))
    munich = text(client.get(f"{BOOKED}?flt0_service_point_equals=Munich+workshop"))
    assert "Chiller check" in munich and "Pump maintenance" not in munich
    by_company = text(client.get(f"{BOOKED}?flt0_company_contains=acme"))
    assert "Pump maintenance" in by_company and "Chiller check" not in by_company
    assert "Pump maintenance" not in text(client.get(f"{BOOKED}?flt0_state_equals=completed"))


def test_staff_complete_a_booked_service(app, login_as):
    client = login_as("support@atrium.example")
    with app.app_context():
        booked_id = _booked().id
    page = _post_step(client, booked_id, "complete")
    assert "The service is marked completed." in flashes(page)
    assert "Completed: no further steps." in text(page)
    with app.app_context():
        assert _booked().state == "completed"
    assert "Pump maintenance" in text(client.get(f"{BOOKED}?flt0_state_equals=completed"))


def test_cancelling_a_booked_service_gives_its_places_back_to_the_offer(app, login_as):
    client = login_as("support@atrium.example")
    with app.app_context():
        booked = _booked()
        booked.quantity = 2
        db.session.commit()
        booked_id, stock = booked.id, _offer("HH-PUMP").stock
    page = _post_step(client, booked_id, "cancel")
    assert "The service is cancelled; its place is free again." in flashes(page)
    with app.app_context():
        assert _booked().state == "cancelled" and _offer("HH-PUMP").stock == stock + 2
    token = form_values(client.get(BOOKED).get_data(as_text=True), f"{BOOKED}action/")["csrf_token"]
    again = client.post(f"{BOOKED}cancel/", data={"csrf_token": token, "id": booked_id})
    assert "can no longer be cancelled" in " ".join(flashes(follow(client, again)))
    with app.app_context():
        assert _offer("HH-PUMP").stock == stock + 2


def test_rescheduling_moves_a_service_and_a_time_in_the_past_is_refused(app, login_as):
    client = login_as("support@atrium.example")
    with app.app_context():
        booked = _booked()
        booked_id, before = booked.id, booked.scheduled_at
    past = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page = _post_step(client, booked_id, "reschedule", scheduled_at=past)
    assert "too soon or in the past" in " ".join(flashes(page))
    with app.app_context():
        assert _booked().scheduled_at == before
    assert "is not a date and time" in " ".join(flashes(_post_step(client, booked_id, "reschedule",
                                                                   scheduled_at="soon")))
    later = (utcnow() + timedelta(days=20)).replace(hour=14, minute=30, second=0, microsecond=0)
    page = _post_step(client, booked_id, "reschedule", scheduled_at=later.strftime("%Y-%m-%dT%H:%M"))
    assert f"The service is moved to {later.strftime('%Y-%m-%d')} 14:30 UTC." in flashes(page)
    with app.app_context():
        assert _booked().scheduled_at == later


def test_bulk_actions_complete_and_cancel_all_or_nothing(app, login_as):
    client = login_as(ADMIN)
    with app.app_context():
        done = BookedServiceFactory(company=f.company("Globex"), state="completed",
                                    scheduled_at=utcnow() + timedelta(days=3))
        db.session.commit()
        ids = [str(_booked().id), str(done.id)]
    token = form_values(client.get(BOOKED).get_data(as_text=True), f"{BOOKED}action/")["csrf_token"]
    page = follow(client, client.post(f"{BOOKED}action/", data={"csrf_token": token, "action": "cancel",
                                                               "rowid": ids}))
    assert "can no longer be cancelled" in " ".join(flashes(page))
    with app.app_context():
        assert _booked().state == "scheduled"
    page = follow(client, client.post(f"{BOOKED}action/", data={"csrf_token": token, "action": "complete",
                                                               "rowid": ids[:1]}))
    assert "1 service(s) marked completed." in flashes(page)


# --- what the pages cost ----------------------------------------------------------------------------

def _grow(app, n: int, tag: str) -> None:
    with app.app_context():
        on_site = db.session.scalar(select(ShipmentType).where(ShipmentType.key == "on_site_service"))
        pump = db.session.scalar(select(Product).where(Product.sku == "PUMP-SVC"))
        acme = f.company("Acme Industrial")
        for i in range(n):
            point = ServicePointFactory(key=f"{tag}-{i}", name=f"Workshop {tag} {i}")
            service = ServiceFactory(service_point=point, name=f"Visit {i}")
            ServiceFactory(service_point=point, name=f"Repair {i}")
            ProductOfferFactory(reference=f"{tag.upper()}-{i}", product=pump, service_point=point, services=[service],
                                shipment_types=[on_site], price=Decimal("10.00"), stock=i)
            BookedServiceFactory(company=acme, service_point_name=point.name,
                                 scheduled_at=utcnow() + timedelta(days=2 + i))
        db.session.commit()


def _statements(app, client, path: str) -> int:
    assert client.get(path).status_code == 200, path
    with count_queries(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_service_pages_cost_the_same_few_statements_at_two_sizes(app, login_as):
    client = login_as(ADMIN)
    with app.app_context():
        point, offer, booked = _point("hamburg").id, _offer("HH-PUMP").id, _booked().id
    pages = [POINTS, f"{POINTS}new/", f"{POINTS}edit/?id={point}", f"{POINTS}details/?id={point}", OFFERS,
             f"{OFFERS}new/", f"{OFFERS}edit/?id={offer}", f"{OFFERS}details/?id={offer}", f"{OFFERS}?search=pump",
             IMPORT, BOOKED, f"{BOOKED}details/?id={booked}", f"{BOOKED}?search=pump"]
    _grow(app, 1, "small")
    small = {path: _statements(app, client, path) for path in pages}
    _grow(app, 25, "large")
    large = {path: _statements(app, client, path) for path in pages}
    assert large == small
    assert max(large.values()) <= 10, large



MINE = {"service_points.": StaffPerm.MANAGE_CATALOG, "product_offers.": StaffPerm.MANAGE_CATALOG,
        "offer_import.": StaffPerm.MANAGE_CATALOG, "booked_services.": StaffPerm.MANAGE_ORDERS}


@pytest.mark.parametrize("email", [None, ADMIN, "support@atrium.example", "cat@atrium.example"])
def test_each_service_route_passes_the_permission_walk(app, email):
    """As ``tests.test_permission_walk`` walks every route: sign-in for visitors, a 403 for staff without
    the view's permission, and for those with it no 403, no error, and no write on a GET."""
    from models.permissions import STAFF_ROLES
    from tests.test_permission_walk import _is_login_redirect, _request, assert_reachable, classify, walk_rules

    routes = [route for route in walk_rules(app) if route[0].startswith(tuple(MINE))]
    assert len(routes) >= 30
    assert all(classify(app, r[0]) == ("admin", MINE[r[0].split(".")[0] + "."]) for r in routes)
    client = app.test_client()
    if email:
        _catalog_manager(app)
        assert login(client, email, path="/admin/login/").status_code == 302
    role = {ADMIN: "administrator", "support@atrium.example": "support", "cat@atrium.example": "catalog_manager"}
    held = STAFF_ROLES[StaffRole(role[email])][1] if email else frozenset()
    for endpoint, url, method, (face, perm) in routes:
        response = _request(client, app, method, url)
        if email is None:
            assert _is_login_redirect(response, face), (endpoint, url)
        elif perm not in held:
            assert response.status_code == 403, (endpoint, url, response.status_code)
        else:
            assert_reachable(response, face, endpoint, url)
