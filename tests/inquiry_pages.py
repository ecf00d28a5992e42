"""What the portal inquiry tests share: signed-in clients, a row's id and an inquiry's state, the form of
/inquiries/new posted with its files, and the references a page lists.

The world (tests/world_aftersales.py): Ben's INQ-00001 (general, Pending), INQ-00002 (asset inquiry on the
press, In Review, a photo and Sam's internal note), INQ-00003 (order claim on DE-10000, Approved with "A new
case is on its way."); Gina's INQ-00004 at Globex. Ben works in Plant North, Anna (all permissions) and Alice
(business unit inquiries) at Headquarters, Carl at Plant South.
"""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from extensions import db
from models.inquiries import Inquiry
from tests.helpers import csrf_token, login

BEN, ANNA, ALICE = "ben.buyer@acme.example", "anna.admin@acme.example", "alice.approver@acme.example"
CARL, GINA = "carl.ccm@acme.example", "gina.admin@globex.example"
NOTE = "Called Ben: a technician can come on Thursday."


def _as(app, email: str):
    """A client of its own, signed in as ``email``."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _id_of(app, model, **where) -> int:
    with app.app_context():
        return db.session.scalar(select(model.id).filter_by(**where))


def _state(app, inquiry_id: int) -> str:
    with app.app_context():
        return db.session.get(Inquiry, inquiry_id).state


def _send(client, data: dict, files=(), query: str = ""):
    """Post the form of /inquiries/new (its CSRF token), ``files`` as (name, bytes)."""
    token = csrf_token(client.get(f"/inquiries/new{query}").get_data(as_text=True))
    payload = {"csrf_token": token, "type": "general", "subject": "A question", "description": "Some words.",
               **data}
    if files:
        payload["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/inquiries/new", data=payload, content_type="multipart/form-data")


def _references(response) -> list[str]:
    return re.findall(r">(INQ-\d{5})</a>", response.get_data(as_text=True))
