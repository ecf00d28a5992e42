"""Inquiries in the portal within their bounds: no button, claim link or form without the permission to create
inquiries, who sees which inquiry (as the permissions table says; others are missing), another company's asset or
order refused, refused input that says why and stores nothing (nor any file), and staff's internal notes never
reaching the portal.

The world is described in tests/inquiry_pages.py.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from extensions import db
from models.assets import Asset
from models.files import File
from models.inquiries import Inquiry, create_inquiry
from models.orders import Order
from models.users import RolePermission
from tests import factories as f
from tests.helpers import csrf_token, text
from tests.inquiry_pages import ALICE, ANNA, BEN, CARL, GINA, _as, _id_of, _references, _send, _state
from tests.sample_files import EXECUTABLE, PDF, SVG, png


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def _stored(app) -> list[Path]:
    return sorted(p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file())


# --- without the permission to create inquiries --------------------------------------------------

def test_without_create_inquiries_there_is_no_button_no_claim_link_and_no_form(app):
    with app.app_context():
        db.session.execute(RolePermission.__table__.delete().where(RolePermission.permission == "create_inquiries"))
        db.session.commit()
    ben = _as(app, BEN)
    order = _id_of(app, Order, number="DE-10000")
    assert "Create inquiry" not in text(ben.get("/inquiries"))
    assert ">Claim</a>" not in ben.get(f"/orders/{order}").get_data(as_text=True)
    assert ben.get("/inquiries/new").status_code == 403
    token = csrf_token(ben.get("/inquiries").get_data(as_text=True))
    before = _count(app, Inquiry)
    assert ben.post("/inquiries/new", data={"csrf_token": token, "type": "general", "subject": "x",
                                            "description": "y"}).status_code == 403
    assert _count(app, Inquiry) == before
    assert "Cancel the inquiry" not in text(ben.get("/inquiries/1"))  # still his to read, no longer to cancel


# --- who sees which inquiry ----------------------------------------------------------------------

@pytest.fixture
def colleagues(app):
    """Anna (Headquarters) and Carl (Plant South) each send a general inquiry."""
    with app.app_context():
        acme = f.company("Acme Industrial")
        ids = {email: create_inquiry(acme, actor=f.actor(email), type_key="general", subject=f"From {email}",
                                     description="A question.").id for email in (ANNA, CARL)}
        db.session.commit()
    return {email: f"INQ-{inquiry_id:05d}" for email, inquiry_id in ids.items()}


def test_each_person_sees_what_the_permissions_table_says(app, colleagues):
    anna_s, carl_s = colleagues[ANNA], colleagues[CARL]
    expected = {
        BEN: ["INQ-00003", "INQ-00002", "INQ-00001"],  # Create inquiries: only his own
        ANNA: sorted([anna_s, carl_s, "INQ-00003", "INQ-00002", "INQ-00001"], reverse=True),  # the company's
        ALICE: [anna_s],  # her business unit's (Headquarters): Anna's, not Ben's (Plant North) nor Carl's
        CARL: [carl_s],  # only his own
        GINA: ["INQ-00004"],  # Globex's
    }
    scopes = {BEN: "your inquiries,", ANNA: "your company's inquiries", ALICE: "your inquiries and those of your "
              "business unit", CARL: "your inquiries,", GINA: "your company's inquiries"}
    for email, references in expected.items():
        listed = _as(app, email).get("/inquiries")
        assert _references(listed) == references, email
        assert f"Showing {scopes[email]}" in text(listed), email


@pytest.mark.parametrize("email, readable", [
    (BEN, {1, 2, 3}), (ANNA, {1, 2, 3}), (ALICE, set()), (CARL, set()), (GINA, {4}),
])
def test_an_inquiry_someone_may_not_see_is_missing(app, email, readable):
    client = _as(app, email)
    for inquiry_id in (1, 2, 3, 4):
        assert client.get(f"/inquiries/{inquiry_id}").status_code == (200 if inquiry_id in readable else 404)
    assert client.get("/inquiries/2147483648").status_code == 404
    assert client.get("/inquiries/99999").status_code == 404
    token = csrf_token(client.get("/inquiries").get_data(as_text=True))
    if 1 not in readable:
        assert client.post("/inquiries/1/move", data={"csrf_token": token, "step": "cancel"}).status_code == 404
        assert _state(app, 1) == "pending"


def test_gina_cannot_name_acmes_asset_or_order(app):
    gina = _as(app, GINA)
    press, order = _id_of(app, Asset, name="Hydraulic press HP-200"), _id_of(app, Order, number="DE-10000")
    before = (_count(app, Inquiry), _count(app, File))
    form = gina.get(f"/inquiries/new?type=asset&asset={press}")
    assert form.status_code == 200
    assert "That asset is not one of yours; choose one from the list." in text(form)
    assert "Hydraulic press" not in text(form) and "Chiller CH-9" in text(form)
    form = gina.get(f"/inquiries/new?type=order_claim&order={order}")
    assert "That order is not one of yours; choose one from the list." in text(form)
    assert "DE-10000" not in text(form)
    response = _send(gina, {"type": "asset", "asset": str(press)})
    assert response.status_code == 400
    assert "Choose one of your assets for an asset inquiry." in text(response)
    response = _send(gina, {"type": "order_claim", "order": str(order)})
    assert response.status_code == 400
    assert "Choose one of your orders for an order claim." in text(response)
    assert (_count(app, Inquiry), _count(app, File)) == before


# --- refused input stores nothing ----------------------------------------------------------------

BAD_INPUT = [
    ({"subject": "x" * 256}, (), "The subject has at most 255 characters; this has 256."),
    ({"description": "y" * 1001}, (), "The description has at most 1,000 characters; this has 1,001."),
    ({"subject": "   "}, (), "Write the subject."),
    ({}, [(f"photo{i}.png", png()) for i in range(6)], "Attach at most 5 files; you chose 6."),
    ({}, [("fine.pdf", PDF), ("drawing.svg", SVG)], "“drawing” is not a PDF, JPEG, PNG or HEIC file"),
    ({}, [("fine.png", png()), ("invoice.pdf", EXECUTABLE)], "“invoice” is not a PDF, JPEG, PNG or HEIC file"),
    ({"type": "refund_now"}, (), "Choose the kind of inquiry from the list."),
    ({"type": "asset", "asset": ""}, (), "Choose one of your assets for an asset inquiry."),
    ({"type": "order_claim"}, (), "Choose one of your orders for an order claim."),
]


@pytest.mark.parametrize("data, files, message", BAD_INPUT,
                         ids=["long subject", "long description", "empty subject", "sixth file", "svg",
                              "renamed program", "unknown type", "asset missing", "order missing"])
def test_refused_input_says_why_and_stores_nothing(app, data, files, message):
    ben = _as(app, BEN)
    before = (_count(app, Inquiry), _count(app, File), _stored(app))
    response = _send(ben, dict({"subject": "Broken input"}, **data), files=files)
    assert response.status_code == 400
    assert message in text(response)
    assert (_count(app, Inquiry), _count(app, File), _stored(app)) == before
    assert 'name="subject"' in response.get_data(as_text=True)  # the form again, to put right


def test_a_refused_form_keeps_what_was_written(app):
    ben = _as(app, BEN)
    response = _send(ben, {"subject": "Keep me", "description": "z" * 1001})
    html = response.get_data(as_text=True)
    assert 'value="Keep me"' in html and "z" * 1001 in html
    assert re.search(r'class="form-control is-invalid"[^>]*name="description"', html)


# --- staff's notes stay in the back office -------------------------------------------------------

@pytest.mark.parametrize("email", [BEN, ANNA])
def test_the_internal_note_never_reaches_the_portal(app, email):
    client = _as(app, email)
    for path in ("/inquiries", "/inquiries/2", "/inquiries?q=INQ-00002"):
        page = client.get(path)
        assert page.status_code == 200
        assert "technician" not in page.get_data(as_text=True) and "Sam Support" not in text(page)
    assert "Press leaks oil" in text(client.get("/inquiries/2"))
