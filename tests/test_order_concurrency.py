"""Two buyers placing orders in one shop at the same moment get two orders with two numbers."""
from __future__ import annotations

import re

from sqlalchemy import select

from extensions import db
from models.companies import Address, Company
from models.orders import Order
from tests.databases import at_once, world_app
from tests.helpers import csrf_token, login

BUYERS = ["ben.buyer@acme.example", "anna.admin@acme.example"]  # each has a cart in the test world


def _form(app, client) -> dict:
    html = client.get("/checkout").get_data(as_text=True)
    with app.app_context():
        acme = db.session.scalar(select(Company).where(Company.name == "Acme Industrial"))
        ids = {a.label: a.id for a in db.session.scalars(select(Address).where(Address.company_id == acme.id))}
    total = re.search(r'name="expected_total" type="hidden" value="([^"]*)"', html).group(1)
    return {"csrf_token": csrf_token(html), "shipping_address": ids["Plant North"],
            "billing_address": ids["Head office"], "expected_total": total, "reference": "", "comment": ""}


def test_two_checkouts_at_once_get_consecutive_numbers(tmp_path):
    with world_app(tmp_path) as app:
        clients = [app.test_client() for _ in BUYERS]
        for client, email in zip(clients, BUYERS):
            assert login(client, email).status_code == 302
        forms = [_form(app, client) for client in clients]
        statuses = at_once(lambda i: clients[i].post("/checkout", data=forms[i]).status_code)
        assert statuses == [302, 302], statuses
        with app.app_context():
            numbers = db.session.scalars(select(Order.number).order_by(Order.number)).all()
        assert numbers == ["DE-10000", "DE-10001", "DE-10002"]
