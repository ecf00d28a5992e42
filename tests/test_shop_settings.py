"""Shops as staff keep them: master and sub shops, settings per customer type, shared addresses."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from models.base import DomainError
from models.shops import Shop, ShopAddress, ShopCustomerSetting, check_shop
from tests import factories as f
from tests.backoffice_forms import form_values
from tests.helpers import text


def _sub_shop_of_a_sub_shop():
    return Shop(code="x", name="X", parent=f.shop("atrium-de"))


def _two_b2b_rows():
    shop = Shop(code="y", name="Y")
    shop.customer_settings = [ShopCustomerSetting(customer_type="b2b"), ShopCustomerSetting(customer_type="b2b")]
    return shop


def _bad_country():
    shop = Shop(code="z", name="Z")
    shop.shared_addresses = [ShopAddress(kind="shipping", label="Depot", line1="1 Road", postal_code="1",
                                         city="Town", country="Germany")]
    return shop


def _master_made_a_sub_shop():
    master = f.shop("atrium")
    master.parent = Shop(code="top", name="Top")
    return master


@pytest.mark.parametrize("build, message", [
    (lambda: Shop(code="  ", name="Nameless"), "A shop needs a code and a name."),
    (_sub_shop_of_a_sub_shop, "A master shop must be a top-level shop (sub shops have no sub shops)."),
    (_master_made_a_sub_shop, "Atrium Industrial Supply has sub shops, so it cannot be a sub shop itself."),
    (_two_b2b_rows, "The customer type B2B has two settings rows; keep one."),
    (_bad_country, "Use the two-letter country code for shared addresses, e.g. DE or US."),
])
def test_shop_rules(app, build, message):
    with app.app_context(), db.session.no_autoflush:
        with pytest.raises(DomainError, match=message.replace("(", r"\(").replace(")", r"\)")):
            check_shop(build(), actor=f.actor("admin@atrium.example"))


def test_the_shop_form_refuses_a_sub_shop_under_a_sub_shop_and_saves_nothing(app, login_as):
    client = login_as("admin@atrium.example")
    with app.app_context():
        us, de = f.shop("atrium-us"), f.shop("atrium-de")
        us_id, de_id, master_id = us.id, de.id, us.parent_id
    url = f"/admin/shops/edit/?id={us_id}"
    data = form_values(client.get(url).get_data(as_text=True))
    data["parent"] = str(de_id)
    response = client.post(url, data=data)
    assert "A master shop must be a top-level shop (sub shops have no sub shops)." in text(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(Shop.parent_id).where(Shop.id == us_id)) == master_id
