"""What the order template tests share: signed-in clients, posting with a page's CSRF token, a template's
name, lines and id as the database holds them, and adding a product by SKU or from its product page.

Ben's template "Workshop restock" holds 50 BOLT-M8 (Acme's partner price 0,22 €) and 10 GLOVE-L (4,50 €);
his cart holds 10 BOLT-M8. Anna, Ben's colleague, has "Office supplies" (2 GLOVE-L); Carl has no template
and no cart; Gina is another company's admin.
"""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.order_templates import OrderTemplate
from tests import factories as f
from tests.helpers import csrf_token, login
from tests.test_portal_catalog import product_id

BEN, ANNA, CARL, GINA = ("ben.buyer@acme.example", "anna.admin@acme.example", "carl.ccm@acme.example",
                         "gina.admin@globex.example")
RESTOCK = "Workshop restock"


def client_of(app, email: str):
    """A client signed in as ``email`` (one client per person)."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def post(client, path: str, data: dict | None = None, page: str = "/catalog"):
    """Post with the CSRF token of ``page``, not following the redirect."""
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path, data=dict(data or {}, csrf_token=token))


def _template(email: str, name: str) -> OrderTemplate | None:
    return db.session.scalar(select(OrderTemplate).where(OrderTemplate.owner_id == f.user(email).id,
                                                         OrderTemplate.name == name))


def template_id(app, email: str = BEN, name: str = RESTOCK) -> int:
    with app.app_context():
        return _template(email, name).id


def lines_of(app, email: str = BEN, name: str = RESTOCK) -> dict[str, int]:
    """SKU -> quantity of a template as the database holds it."""
    with app.app_context():
        return {line.product.sku: line.quantity for line in _template(email, name).lines}


def names_of(app, email: str) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(OrderTemplate.name).where(OrderTemplate.owner_id == f.user(email).id)
                                  .order_by(OrderTemplate.name)).all()


def line_id(app, sku: str, email: str = BEN, name: str = RESTOCK) -> int:
    with app.app_context():
        return next(line.id for line in _template(email, name).lines if line.product.sku == sku)


def add(client, app, sku: str, quantity: str = "1"):
    tid = template_id(app)
    return post(client, f"/order-templates/{tid}/add", {"sku": sku, "quantity": quantity},
                page=f"/order-templates/{tid}")


def from_product_page(client, app, sku: str, **data):
    product = product_id(app, sku)
    return post(client, "/order-templates/add-product",
                {"product_id": str(product), "quantity": "1", "next": f"/catalog/{product}", **data},
                page=f"/catalog/{product}")
