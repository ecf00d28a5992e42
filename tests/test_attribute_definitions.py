"""Custom attribute definitions in the back office, and the values customers give them."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from models.attributes import AttributeDefinition, ShopAttribute, clean_value
from models.base import DomainError
from tests import factories as f
from tests.backoffice_forms import form_values
from tests.helpers import text

NEW = "/admin/attributes/new/"


def _create(client, **fields):
    data = form_values(client.get(NEW).get_data(as_text=True))
    data.update(fields)
    return client.post(NEW, data=data)


def _count() -> int:
    return db.session.scalar(select(func.count(AttributeDefinition.id)))


def test_staff_define_an_attribute_and_its_key_is_normalised(app, login_as):
    client = login_as("admin@atrium.example")
    response = _create(client, key=" cost_center_code ", label=" Cost center code ", type="text")
    assert response.status_code == 302
    with app.app_context():
        definition = db.session.scalar(select(AttributeDefinition).where(AttributeDefinition.key == "COST_CENTER_CODE"))
        assert definition.label == "Cost center code"


@pytest.mark.parametrize("key, label, message", [
    ("9LIVES", "Lives", "The key takes letters, digits and underscores and starts with a letter."),
    ("HAS SPACE", "Space", "The key takes letters, digits and underscores and starts with a letter."),
    ("customer_phone", "Phone again", "An attribute with the key CUSTOMER_PHONE exists already."),
    ("EMPTY_LABEL", "   ", "The attribute needs a label."),
])
def test_bad_definitions_are_refused_beside_the_form_and_nothing_is_saved(app, login_as, key, label, message):
    client = login_as("admin@atrium.example")
    with app.app_context():
        before = _count()
    response = _create(client, key=key, label=label, type="text")
    assert response.status_code == 200
    assert message in text(response.get_data(as_text=True))
    with app.app_context():
        assert _count() == before


def test_a_definition_with_customer_values_cannot_be_deleted(app, login_as):
    client = login_as("admin@atrium.example")
    with app.app_context():
        phone = db.session.scalar(select(AttributeDefinition).where(AttributeDefinition.key == "CUSTOMER_PHONE"))
        phone_id = phone.id
    page = client.get("/admin/attributes/").get_data(as_text=True)
    token = form_values(page, "/admin/attributes/delete/")["csrf_token"]
    response = client.post("/admin/attributes/delete/", data={"id": phone_id, "csrf_token": token},
                           follow_redirects=True)
    assert "1 customer(s) have a value for Contact phone; remove it from the shops' forms instead." in \
        text(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(AttributeDefinition, phone_id) is not None


def test_a_shop_shows_an_attribute_once(app, login_as):
    client = login_as("admin@atrium.example")
    with app.app_context():
        shop_id = f.shop("atrium-de").id
        phone_id = db.session.scalar(select(AttributeDefinition.id).where(AttributeDefinition.key == "CUSTOMER_PHONE"))
        before = db.session.scalar(select(func.count(ShopAttribute.id)))
    data = form_values(client.get("/admin/shop_attributes/new/").get_data(as_text=True))
    data.update(shop=str(shop_id), definition=str(phone_id), on_registration="y", on_profile="y")
    response = client.post("/admin/shop_attributes/new/", data=data)
    assert "Atrium Germany already shows Contact phone." in text(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count(ShopAttribute.id))) == before


@pytest.mark.parametrize("raw", ["twelve", "nan", "Infinity", "1,5"])
def test_a_number_attribute_takes_only_finite_numbers(app, raw):
    definition = AttributeDefinition(key="EMPLOYEES", label="Employees", type="number", required=False)
    with pytest.raises(DomainError, match="Employees must be a number."):
        clean_value(definition, raw)
    assert clean_value(definition, " 1250.5 ") == "1250.5"
