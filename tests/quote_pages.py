"""What the quote tests share: signed-in clients, a person's newest quote and a quote's state, a change
committed to the database, a step posted as the quote's page does, the messages after a redirect, and the quote
numbers a page lists.

The world: Ben's quote Q-00001 is answered (20 DRILL-500 at 99,00 €, valid 30 days), Anna's Q-00002 waits for
an answer (500 BOLT-M8, 1 NOPRICE-1); Ben's cart holds 10 BOLT-M8 at Acme's 0,22 €; Carl has no cart; Gina is
Globex's admin.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from extensions import db
from models.quotes import Quote
from tests.helpers import csrf_token, login
from tests.test_cart import alerts

BEN, ANNA, GINA = "ben.buyer@acme.example", "anna.admin@acme.example", "gina.admin@globex.example"
CARL = "carl.ccm@acme.example"  # has no cart


def _as(app, email: str):
    """A client of its own, signed in as ``email``."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _quote_of(app, email: str, state: str | None = None) -> int:
    """The id of the newest quote of ``email`` (in ``state``)."""
    with app.app_context():
        query = select(Quote.id).where(Quote.buyer_email == email)
        if state:
            query = query.where(Quote.state == state)
        return db.session.scalar(query.order_by(Quote.id.desc()).limit(1))


def _state(app, quote_id: int) -> str:
    with app.app_context():
        return db.session.get(Quote, quote_id).state


def _change(app, change) -> None:
    with app.app_context():
        change()
        db.session.commit()


def _move(client, quote_id: int, step: str, expected_state: str | None = None):
    """Post a step as the quote's page does (with the CSRF token of that page, or of the orders page when the
    quote's page is not this client's to see)."""
    page = client.get(f"/quotes/{quote_id}")
    token = csrf_token((page if page.status_code == 200 else client.get("/orders")).get_data(as_text=True))
    data = {"csrf_token": token, "step": step}
    if expected_state:
        data["expected_state"] = expected_state
    return client.post(f"/quotes/{quote_id}/move", data=data)


def _flashed(client, response) -> list[str]:
    assert response.status_code == 302, response.status_code
    return alerts(client.get(response.location).get_data(as_text=True))


def _numbers(response) -> list[str]:
    return re.findall(r">(Q-\d{5})</a>", response.get_data(as_text=True))
