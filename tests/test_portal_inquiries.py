"""Inquiries in the portal as they are meant to be used: sending one from each of its three places, the author
cancelling while it is Pending (and told why not once it moved on), the list's search, filters and paging, the
resolution mail, and what the pages cost. Who sees which inquiry, refused input and staff's notes are in
tests/test_portal_inquiry_boundaries.py.

The world is described in tests/inquiry_pages.py.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from extensions import db
from models.assets import Asset
from models.files import File
from models.inquiries import Inquiry, InquiryType
from models.orders import Order
from models.workflow_engine import transition
from tests import factories as f
from tests.aftersales_factories import InquiryFactory
from tests.helpers import count_queries, csrf_token, flashes, outbox, text
from tests.inquiry_pages import ANNA, BEN, _as, _id_of, _references, _send, _state
from tests.sample_files import PDF, png

CANNOT_CANCEL = ("Inquiry INQ-00002 is In Review, so “Cancel the inquiry” is not possible any more (only while it "
                 "is Pending). Nothing was changed.")


def _move(client, inquiry_id: int, step: str, expected_state: str | None = None):
    """Post a step as the inquiry's page does (the token of the list page, which every user can open)."""
    token = csrf_token(client.get("/inquiries").get_data(as_text=True))
    data = {"csrf_token": token, "step": step}
    if expected_state:
        data["expected_state"] = expected_state
    return client.post(f"/inquiries/{inquiry_id}/move", data=data)


def _new_inquiry_id(app, subject: str) -> int:
    return _id_of(app, Inquiry, subject=subject)


# --- sending an inquiry from its three places ----------------------------------------------------

def test_ben_sends_a_general_inquiry_with_a_pdf_and_a_png_and_finds_it_pending_with_its_files(app):
    ben = _as(app, BEN)
    listed = ben.get("/inquiries")
    assert 'href="/inquiries/new">Create inquiry</a>' in listed.get_data(as_text=True)
    response = _send(ben, {"subject": "Spare parts catalogue", "description": "Which gaskets fit?\n<b>Urgent</b>"},
                     files=[("gaskets.pdf", PDF), ("gasket.png", png())])
    inquiry_id = _new_inquiry_id(app, "Spare parts catalogue")
    reference = f"INQ-{inquiry_id:05d}"
    assert response.status_code == 302 and response.location == f"/inquiries/{inquiry_id}"
    page = ben.get(response.location)
    html = page.get_data(as_text=True)
    assert flashes(html) == [f"Inquiry {reference} is sent: we will answer soon and mail you when it is decided."]
    shown = text(page)
    assert f"Inquiry {reference} Pending General inquiry" in shown
    assert "Which gaskets fit?<br>&lt;b&gt;Urgent&lt;/b&gt;" in html  # line breaks kept, markup escaped
    with app.app_context():
        files = {file.name: file.id for file in db.session.scalars(select(File).where(File.inquiry_id == inquiry_id))}
    assert set(files) == {"gaskets.pdf", "gasket.png"}
    assert f'href="/files/{files["gaskets.pdf"]}/download">gaskets.pdf</a>' in html
    assert f'href="/files/{files["gasket.png"]}/download">gasket.png</a>' in html
    assert f'src="/files/{files["gasket.png"]}/preview?size=thumb"' in html
    assert f"/files/{files['gaskets.pdf']}/preview" not in html  # no thumbnail for a PDF
    assert ben.get(f"/files/{files['gaskets.pdf']}/download").get_data() == PDF
    listed = ben.get("/inquiries")
    assert _references(listed) == [reference, "INQ-00003", "INQ-00002", "INQ-00001"]
    assert f"{reference} General inquiry Spare parts catalogue — Pending Ben Buyer" in text(listed)


def test_from_the_asset_page_ben_sends_an_asset_inquiry_about_the_press(app):
    ben = _as(app, BEN)
    press = _id_of(app, Asset, name="Hydraulic press HP-200")
    link = f"/inquiries/new?type=asset&amp;asset={press}"
    assert f'href="{link}"' in ben.get(f"/assets/{press}").get_data(as_text=True)
    form = ben.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert re.search(rf'<option selected value="{press}">Hydraulic press HP-200 \(HP200-0001\)</option>', form)
    assert '<option value="asset" selected>Asset inquiry</option>' in form
    assert 'name="order"' not in form  # an asset inquiry asks for no order
    response = _send(ben, {"type": "asset", "asset": str(press), "subject": "Press is loud"},
                     query=f"?type=asset&asset={press}")
    inquiry_id = _new_inquiry_id(app, "Press is loud")
    page = ben.get(response.location)
    assert "Asset inquiry" in text(page) and "About Asset: Hydraulic press HP-200" in text(page)
    assert f'href="/assets/{press}">Hydraulic press HP-200</a>' in page.get_data(as_text=True)
    assert f"INQ-{inquiry_id:05d} Asset inquiry Press is loud Hydraulic press HP-200 Pending" in text(
        ben.get("/inquiries"))


def test_from_the_order_page_ben_claims_his_order(app):
    ben = _as(app, BEN)
    order = _id_of(app, Order, number="DE-10000")
    details = ben.get(f"/orders/{order}").get_data(as_text=True)
    assert f'href="/inquiries/new?type=order_claim&amp;order={order}">Claim</a>' in details
    form = ben.get(f"/inquiries/new?type=order_claim&order={order}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{order}">DE-10000 · ', form)
    response = _send(ben, {"type": "order_claim", "order": str(order), "subject": "One drill missing"})
    inquiry_id = _new_inquiry_id(app, "One drill missing")
    assert response.location == f"/inquiries/{inquiry_id}"
    page = ben.get(response.location)
    assert "Order claim" in text(page) and "About Order: DE-10000" in text(page)
    assert f'href="/orders/{order}">DE-10000</a>' in page.get_data(as_text=True)
    assert f"INQ-{inquiry_id:05d} Order claim One drill missing Order DE-10000 Pending" in text(ben.get("/inquiries"))


# --- cancelling ----------------------------------------------------------------------------------

def test_ben_cancels_his_pending_inquiry_and_the_history_says_so(app):
    ben = _as(app, BEN)
    html = ben.get("/inquiries/1").get_data(as_text=True)
    assert 'name="step" value="cancel"' in html and 'name="expected_state" value="pending"' in html
    assert 'data-confirm="Cancel the inquiry INQ-00001? This cannot be undone."' in html
    response = _move(ben, 1, "cancel", "pending")
    assert response.status_code == 302 and response.location == "/inquiries/1"
    page = ben.get(response.location)
    assert flashes(page.get_data(as_text=True)) == ["Inquiry INQ-00001 is canceled."]
    assert "Inquiry INQ-00001 Canceled" in text(page)
    assert re.search(r"Pending → Canceled, by Ben Buyer\.", text(page))
    assert "Cancel the inquiry" not in text(page)
    assert _state(app, 1) == "canceled"


def test_an_inquiry_in_review_cannot_be_cancelled_and_stays_as_it_is(app):
    ben = _as(app, BEN)
    assert 'name="step"' not in ben.get("/inquiries/2").get_data(as_text=True)
    for expected in ("in_review", None):  # as if the page were tampered with, or sent without the state seen
        response = _move(ben, 2, "cancel", expected)
        assert response.status_code == 302
        assert flashes(ben.get(response.location).get_data(as_text=True)) == [CANNOT_CANCEL]
    assert _state(app, 2) == "in_review"


def test_a_page_left_open_while_staff_started_the_review_is_told_where_it_went(app):
    ben = _as(app, BEN)
    with app.app_context():
        transition(db.session.get(Inquiry, 1), "review", actor=f.actor("support@atrium.example"))
        db.session.commit()
    response = _move(ben, 1, "cancel", "pending")
    assert flashes(ben.get(response.location).get_data(as_text=True)) == [
        "This inquiry was already moved to In Review by someone else; nothing was changed."]
    assert _state(app, 1) == "in_review"


def test_only_the_author_cancels_anna_sees_no_button_and_is_refused(app):
    anna = _as(app, ANNA)
    page = anna.get("/inquiries/1")
    assert 'name="step"' not in page.get_data(as_text=True)
    assert "Only Ben Buyer, who sent this inquiry, can cancel it while it is Pending." in text(page)
    response = _move(anna, 1, "cancel", "pending")
    assert flashes(anna.get(response.location).get_data(as_text=True)) == [
        "Only the person who sent the inquiry can cancel it."]
    assert _state(app, 1) == "pending"


def test_a_step_that_is_not_the_customers_is_forbidden(app):
    ben = _as(app, BEN)
    assert _move(ben, 1, "review", "pending").status_code == 403  # staff's step
    response = _move(ben, 1, "fly", "pending")
    assert flashes(ben.get(response.location).get_data(as_text=True)) == [
        "Inquiry INQ-00001 is Pending: there is no such step. Nothing was changed."]
    assert _state(app, 1) == "pending"


# --- search, filters, paging ---------------------------------------------------------------------

def test_the_list_searches_by_reference_or_subject_and_filters_by_kind_and_status(app):
    ben = _as(app, BEN)
    assert _references(ben.get("/inquiries?q=INQ-00002")) == ["INQ-00002"]
    assert _references(ben.get("/inquiries?q=inq-2")) == ["INQ-00002"]
    assert _references(ben.get("/inquiries?q=hamburg")) == ["INQ-00001"]
    asset_kind = _id_of(app, InquiryType, key="asset")
    assert _references(ben.get(f"/inquiries?type={asset_kind}")) == ["INQ-00002"]
    assert _references(ben.get("/inquiries?state=approved")) == ["INQ-00003"]
    assert _references(ben.get("/inquiries?state=in_review&q=hamburg")) == []
    empty = text(ben.get("/inquiries?state=rejected"))
    assert "No inquiries match this search." in empty
    assert _references(ben.get("/inquiries?state=nonsense&type=abc")) == ["INQ-00003", "INQ-00002", "INQ-00001"]
    page = text(ben.get("/inquiries"))
    assert "in_review" not in page and "order_claim" not in page


def _grow(app, count: int) -> None:
    """``count`` more inquiries of Ben's, about the press, DE-10000 or nothing."""
    with app.app_context():
        ben, acme = f.user(BEN), f.company("Acme Industrial")
        kinds = {kind.key: kind for kind in db.session.scalars(select(InquiryType))}
        press, order = _id_of(app, Asset, name="Hydraulic press HP-200"), _id_of(app, Order, number="DE-10000")
        for i in range(count):
            key = ("general", "asset", "order_claim")[i % 3]
            InquiryFactory(company=acme, owner=ben, business_unit_id=ben.business_unit_id, type=kinds[key],
                           workflow=kinds[key].workflow, author_name="Ben Buyer", subject=f"Grown {i}",
                           asset_id=press if key == "asset" else None, order_id=order if key == "order_claim" else None)
        db.session.commit()


def test_the_pages_cost_the_same_with_few_and_many_inquiries_and_the_list_shows_one_page(app):
    ben = _as(app, BEN)

    def cost(path: str) -> int:
        with count_queries(app) as statements:
            assert ben.get(path).status_code == 200
        return len(statements)

    paths = ("/inquiries", "/inquiries/2", "/inquiries/3", "/inquiries/new")
    few = {path: cost(path) for path in paths}
    _grow(app, 60)
    many = {path: cost(path) for path in paths}
    assert many == few
    listed = ben.get("/inquiries")
    assert len(_references(listed)) == 25 and "63 inquiries" in text(listed)
    assert "Page 1 of 3" in text(listed)
    assert len(_references(ben.get("/inquiries?page=3"))) == 13


# --- the resolution ------------------------------------------------------------------------------

def test_a_resolved_inquiry_is_mailed_to_its_author_with_the_answer_and_a_link(app):
    with app.app_context():
        support, inquiry = f.actor("support@atrium.example"), db.session.get(Inquiry, 1)
        transition(inquiry, "review", actor=support)
        transition(inquiry, "approve", actor=support, comment="Two days to Hamburg.\nFree of charge.")
        db.session.commit()
    with app.app_context():
        [mail] = outbox(BEN, "inquiry_resolved")
        body = mail.bodies_for_recipient()[0]
        assert mail.subject == "Your inquiry is approved"
        assert "your inquiry INQ-00001 (Delivery times to Hamburg) is now approved." in body
        assert "Two days to Hamburg." in body and "http://localhost/inquiries/1" in body
    page = _as(app, BEN).get("/inquiries/1")
    shown = text(page)
    assert "Inquiry INQ-00001 Approved" in shown
    assert "Our answer: Approved" in shown
    assert "Two days to Hamburg.<br>Free of charge." in page.get_data(as_text=True)
    assert "Pending → In Review, by our support team." in shown
    assert "In Review → Approved, by our support team: “Two days to Hamburg. Free of charge.”" in shown


def test_the_decided_claim_shows_its_resolution(app):
    shown = text(_as(app, BEN).get("/inquiries/3"))
    assert "Our answer: Approved" in shown and "A new case is on its way." in shown
    assert "Cancel the inquiry" not in shown
