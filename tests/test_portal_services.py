"""Booked services in the portal: the list (search, filters, the services triad), a booked service's page,
rescheduling and cancelling it, and what each page costs.

The test world: Ben has a booked PUMP-SVC visit at Hamburg workshop from order DE-10000 in 10 days.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models.audit import AuditEvent
from models.base import utcnow
from models.orders import Order
from models.services import BookedService, ProductOffer
from security import MAX_ID
from tests import factories as f
from tests.aftersales_factories import BookedServiceFactory
from tests.helpers import count_queries, csrf_token, flashes, login, text

BEN, ANNA, CARL, GINA = ("ben.buyer@acme.example", "anna.admin@acme.example", "carl.ccm@acme.example",
                         "gina.admin@globex.example")


def _bens_visit(app) -> BookedService:
    with app.app_context():
        return db.session.scalar(select(BookedService).where(BookedService.order_number == "DE-10000"))


def _book(app, email: str, **columns) -> int:
    """A booked service of ``email`` (filed under their unit), on order DE-10000; its id."""
    with app.app_context():
        user = f.user(email)
        order = db.session.scalar(select(Order).where(Order.number == "DE-10000"))
        columns.setdefault("scheduled_at", utcnow() + timedelta(days=30))
        booked = BookedServiceFactory(company=user.company, order=order, owner_id=user.id,
                                      business_unit_id=user.business_unit_id, **columns)
        db.session.commit()
        return booked.id


def _reload(app, booked_id: int) -> BookedService:
    with app.app_context():
        return db.session.get(BookedService, booked_id)


def _post(client, path: str, page: str, **data):
    token = csrf_token(client.get(page).get_data(as_text=True))
    response = client.post(path, data=dict(data, csrf_token=token))
    return response, " ".join(flashes(client.get(page).get_data(as_text=True)))


def _hamburg_stock(app) -> int:
    with app.app_context():
        return db.session.scalar(select(ProductOffer.stock).where(ProductOffer.reference == "HH-PUMP"))


# --- the list --------------------------------------------------------------------------------------------------

def test_ben_sees_his_booked_visit_with_its_order_point_time_and_state(app, login_as):
    visit = _bens_visit(app)
    page = login_as(BEN).get("/services")
    assert page.status_code == 200
    shown = text(page)
    assert "Order Service Date and time Booked on State" in shown
    assert (f"DE-10000 Pump maintenance visit PUMP-SVC · Hamburg workshop {visit.scheduled_at:%d %b %Y %H:%M} "
            f"{visit.created_at:%d %b %Y} Scheduled") in shown
    html = page.get_data(as_text=True)
    assert f'href="/orders/{visit.order_id}"' in html and f'href="/services/{visit.id}"' in html


@pytest.mark.parametrize("query, found", [
    ("q=PUMP-SVC", True), ("q=pump maint", True), ("q=DE-10000", True), ("q=DRILL-500", False),
    ("q=DE-99999", False), ("state=scheduled", True), ("state=cancelled", False), ("upcoming=1", True),
    ("state=nonsense", True),
])
def test_search_and_filters(app, login_as, query, found):
    shown = text(login_as(BEN).get(f"/services?{query}"))
    assert ("Hamburg workshop" in shown) is found, shown
    assert ("No booked services match this search" in shown) is (not found)


def test_upcoming_leaves_out_what_is_past_or_cancelled_and_puts_the_soonest_first(app, login_as):
    _book(app, BEN, product_name="Past visit", scheduled_at=utcnow() - timedelta(days=2))
    _book(app, BEN, product_name="Cancelled visit", state="cancelled")
    _book(app, BEN, product_name="Soon visit", scheduled_at=utcnow() + timedelta(days=3))
    client = login_as(BEN)
    everything = text(client.get("/services"))
    assert all(name in everything for name in ("Past visit", "Cancelled visit", "Soon visit"))
    upcoming = text(client.get("/services?upcoming=1"))
    assert "Past visit" not in upcoming and "Cancelled visit" not in upcoming
    assert upcoming.index("Soon visit") < upcoming.index("Pump maintenance visit")
    assert "Cancelled visit" in text(client.get("/services?state=cancelled"))


def test_the_list_pages_by_25(app, login_as):
    for i in range(26):
        _book(app, BEN, product_name=f"Visit {i:02d}", scheduled_at=utcnow() + timedelta(days=40 + i))
    client = login_as(BEN)
    first = text(client.get("/services?q=Visit"))
    assert "Page 1 of 2 · 27 in all" in first
    second = text(client.get("/services?q=Visit&page=2"))
    assert "Page 2 of 2" in second and "Pump maintenance visit" in second  # the latest first: Ben's is last


def _signed_in(app, email: str):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def test_who_sees_which_booked_services(app):
    carls = _book(app, CARL, product_name="Carl's visit")
    visit = _bens_visit(app)
    anna = _signed_in(app, ANNA)  # View company services
    shown = text(anna.get("/services"))
    assert "Pump maintenance visit" in shown and "Carl's visit" in shown
    assert "your company's booked services" in shown
    assert anna.get(f"/services/{visit.id}").status_code == 200
    ben = _signed_in(app, BEN)
    shown = text(ben.get("/services"))
    assert "Pump maintenance visit" in shown and "Carl's visit" not in shown and "your booked services" in shown
    assert ben.get(f"/services/{carls}").status_code == 404


def test_carl_without_a_services_permission_sees_only_his_own(app, login_as):
    client = login_as(CARL)
    shown = text(client.get("/services"))
    assert "Pump maintenance visit" not in shown and "No booked services yet" in shown
    assert client.get(f"/services/{_bens_visit(app).id}").status_code == 404


def test_another_company_and_impossible_ids_are_404(app, login_as):
    client = login_as(GINA)
    visit = _bens_visit(app)
    assert "Hamburg workshop" not in text(client.get("/services"))
    for path in (f"/services/{visit.id}", f"/services/{MAX_ID + 1}", f"/services/{10**30}"):
        assert client.get(path).status_code == 404, path
    token = csrf_token(client.get("/services").get_data(as_text=True))
    for action in ("reschedule", "cancel"):
        response = client.post(f"/services/{visit.id}/{action}",
                               data={"csrf_token": token, "scheduled_at": "2099-01-01T10:00"})
        assert response.status_code == 404
    assert _reload(app, visit.id).state == "scheduled"


# --- the page, rescheduling and cancelling ----------------------------------------------------------------------

def test_the_page_shows_the_service_point_and_offers_both_steps_while_ahead(app, login_as):
    visit = _bens_visit(app)
    page = login_as(BEN).get(f"/services/{visit.id}")
    shown, html = text(page), page.get_data(as_text=True)
    assert "Hamburg workshop 3 Dock Road, 20457 Hamburg, DE" in shown
    assert f"{visit.scheduled_at:%d %b %Y, %H:%M} UTC" in shown and "Booked" in shown and "DE-10000" in shown
    assert 'for="scheduled_at"' in html and 'type="datetime-local"' in html
    assert "Cancel this service" in shown and "data-confirm=" in html


def test_ben_reschedules_his_visit(app, login_as):
    visit = _bens_visit(app)
    when = (utcnow() + timedelta(days=20)).replace(second=0, microsecond=0)
    page = f"/services/{visit.id}"
    response, said = _post(login_as(BEN), f"{page}/reschedule", page, scheduled_at=when.strftime("%Y-%m-%dT%H:%M"))
    assert response.status_code == 302 and response.location.endswith(page)
    assert f"is now on {when:%d %b %Y at %H:%M} UTC" in said
    assert _reload(app, visit.id).scheduled_at == when
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "booked_service.rescheduled"))


@pytest.mark.parametrize("raw, said", [
    ("", "Choose a date and time for the service."),
    ("soon", "That is not a date and time"),
    ((utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "at least 24 hours ahead"),
])
def test_a_bad_new_time_is_refused_and_changes_nothing(app, login_as, raw, said):
    visit = _bens_visit(app)
    page = f"/services/{visit.id}"
    _, shown = _post(login_as(BEN), f"{page}/reschedule", page, scheduled_at=raw)
    assert said in shown
    assert _reload(app, visit.id).scheduled_at == visit.scheduled_at


def test_ben_cancels_his_visit_and_its_place_goes_back(app, login_as):
    visit = _bens_visit(app)
    stock = _hamburg_stock(app)
    page = f"/services/{visit.id}"
    client = login_as(BEN)
    response, said = _post(client, f"{page}/cancel", page)
    assert response.status_code == 302 and "Pump maintenance visit (DE-10000) is cancelled." in said
    assert _reload(app, visit.id).state == "cancelled" and _hamburg_stock(app) == stock + 1
    shown = text(client.get(page))
    assert "Cancelled" in shown and "Reschedule" not in shown and "Cancel this service" not in shown
    # a cancelled visit cannot be moved (nor cancelled twice)
    later = (utcnow() + timedelta(days=25)).strftime("%Y-%m-%dT%H:%M")
    _, said = _post(client, f"{page}/reschedule", page, scheduled_at=later)
    assert "can no longer be rescheduled" in said
    _, said = _post(client, f"{page}/cancel", page)
    assert "can no longer be cancelled" in said
    assert _reload(app, visit.id).scheduled_at == visit.scheduled_at and _hamburg_stock(app) == stock + 1


def test_a_visit_that_is_due_offers_no_steps(app, login_as):
    past = _book(app, BEN, scheduled_at=utcnow() - timedelta(hours=1))
    shown = text(login_as(BEN).get(f"/services/{past}"))
    assert "can no longer be moved or cancelled" in shown and "Reschedule" not in shown


# --- what the pages cost ----------------------------------------------------------------------------------------

def _count(app, client, path: str) -> int:
    assert client.get(path).status_code == 200
    with count_queries(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def _grow(app, n: int) -> None:
    for i in range(n):
        _book(app, BEN if i % 2 else CARL, product_name=f"Grown visit {i}")


def test_the_services_pages_cost_the_same_however_many_are_booked(app, login_as):
    client = login_as(ANNA)
    paths = ["/services", "/services?q=visit&upcoming=1", "/services?state=scheduled&page=2",
             f"/services/{_bens_visit(app).id}"]
    _grow(app, 26)  # a second page at both sizes
    small = {path: _count(app, client, path) for path in paths}
    _grow(app, 60)
    large = {path: _count(app, client, path) for path in paths}
    assert small == large
    assert max(large.values()) <= 3, large


def test_anna_narrows_the_list_to_her_own_or_her_units_booked_services(app, login_as):
    """My booked services / my business unit's / my company's, as the permissions allow."""
    with app.app_context():
        acme, anna = f.company("Acme Industrial"), f.user("anna.admin@acme.example")
        order = db.session.scalar(select(Order).where(Order.company_id == acme.id).order_by(Order.id))
        BookedServiceFactory(company=acme, order=order, owner_id=anna.id, business_unit_id=anna.business_unit_id,
                             product_name="Anna's inspection", sku="INSPECT-1")
        db.session.commit()
    client = login_as("anna.admin@acme.example")
    everything = text(client.get("/services"))
    assert "Anna's inspection" in everything and "Pump maintenance visit" in everything  # Ben's too
    mine = text(client.get("/services?whose=mine"))
    assert "Anna's inspection" in mine and "Pump maintenance visit" not in mine
    unit = text(client.get("/services?whose=unit"))  # Headquarters: Anna's, not Ben's of Plant North
    assert "Anna's inspection" in unit and "Pump maintenance visit" not in unit
    ben = app.test_client()
    login(ben, "ben.buyer@acme.example")
    ben_page = ben.get("/services").get_data(as_text=True)
    assert 'id="whose"' not in ben_page  # Ben sees his own only: nothing to choose
