"""Order templates refusing what they must: a bad or clashing name when creating or renaming, a bad SKU or
quantity when adding (on the template page or from a product page), a bad quantity on a line, a line of another
template, an empty cart saved as a template; someone else's templates, and every page without the purchase
permission. Each refusal says why and changes nothing.

The world is described in tests/order_template_pages.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from models.carts import Cart
from models.users import RolePermission
from tests import factories as f
from tests.helpers import text
from tests.order_template_pages import (
    ANNA,
    BEN,
    CARL,
    GINA,
    RESTOCK,
    _template,
    add,
    client_of,
    from_product_page,
    line_id,
    lines_of,
    names_of,
    post,
    template_id,
)
from tests.test_cart import alerts, cart_lines, flashed
from tests.test_portal_catalog import product_id

# --- creating and renaming -----------------------------------------------------------------------

@pytest.mark.parametrize("name, message", [
    ("", "Give the template a name."),
    ("   ", "Give the template a name."),
    ("x" * 81, "A template name has at most 80 characters."),
    ("workshop RESTOCK", "You already have a template called “workshop RESTOCK”."),
])
def test_a_bad_new_name_is_refused_beside_the_field(app, name, message):
    ben = client_of(app, BEN)
    response = post(ben, "/order-templates", {"name": name}, page="/order-templates")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in alerts(html) and 'id="name-error"' in html and message in text(html)
    assert names_of(app, BEN) == [RESTOCK]


@pytest.mark.parametrize("name, message", [
    ("OFFICE", "You already have a template called “OFFICE”."),  # another of his, in other letters
    ("", "Give the template a name."),
    ("y" * 81, "A template name has at most 80 characters."),
])
def test_a_bad_rename_is_refused_and_the_name_kept(app, name, message):
    ben, tid = client_of(app, BEN), template_id(app)
    post(ben, "/order-templates", {"name": "Office"}, page="/order-templates")
    response = post(ben, f"/order-templates/{tid}/rename", {"name": name})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in alerts(html) and 'id="name-error"' in html
    assert f"<h1 class=\"atrium-wrap\">{RESTOCK}</h1>" in html  # the page still names it as it is
    assert names_of(app, BEN) == ["Office", RESTOCK]


# --- adding by SKU on the template page ----------------------------------------------------------

@pytest.mark.parametrize("sku, quantity, message", [
    ("NOPE-1", "1", "NOPE-1: there is no product with this SKU."),
    ("OLD-1", "1", "OLD-1: Retired valve is no longer sold."),
    ("US-ONLY-1", "1", "US-ONLY-1: there is no product with this SKU."),  # Atrium USA's only: reads as unknown
    ("NOPRICE-1", "1", "NOPRICE-1: Custom gasket has no price for you yet; ask for a quote."),
    ("DRILL-500", "0", "DRILL-500: “0” is not a quantity; use a whole number from 1 to 99,999."),
    ("DRILL-500", "-1", "DRILL-500: “-1” is not a quantity; use a whole number from 1 to 99,999."),
    ("DRILL-500", "abc", "DRILL-500: “abc” is not a quantity; use a whole number from 1 to 99,999."),
    ("DRILL-500", "1000000", "DRILL-500: “1000000” is not a quantity; use a whole number from 1 to 99,999."),
    ("DRILL-500", "9" * 30, "That is not a quantity; use a whole number from 1 to 99,999."),
    ("", "2", "Enter the SKU of the product to add."),
    ("X" * 500, "1", "That is not a SKU: a SKU has at most 64 characters."),
])
def test_a_bad_addition_says_why_and_changes_nothing(app, sku, quantity, message):
    ben = client_of(app, BEN)
    with app.app_context():
        changed = _template(BEN, RESTOCK).updated_at
    assert flashed(ben, add(ben, app, sku, quantity)) == [message]
    assert lines_of(app) == {"BOLT-M8": 50, "GLOVE-L": 10}
    with app.app_context():
        assert _template(BEN, RESTOCK).updated_at == changed
    assert cart_lines(app, BEN) == {"BOLT-M8": 10}


# --- quantities ----------------------------------------------------------------------------------

@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "1000000", ""])
def test_a_bad_quantity_is_refused_and_the_line_kept(app, quantity):
    ben, tid = client_of(app, BEN), template_id(app)
    messages = flashed(ben, post(ben, f"/order-templates/{tid}/lines/{line_id(app, 'GLOVE-L')}",
                                 {"quantity": quantity}))
    assert messages == [f"“{quantity}” is not a quantity for Safety gloves, size L; "
                        "use a whole number from 1 to 99,999."]
    assert lines_of(app) == {"BOLT-M8": 50, "GLOVE-L": 10}


def test_a_line_of_another_template_is_a_404(app):
    ben = client_of(app, BEN)
    post(ben, "/order-templates", {"name": "Office"}, page="/order-templates")
    office = template_id(app, BEN, "Office")
    bolt = line_id(app, "BOLT-M8")
    assert post(ben, f"/order-templates/{office}/lines/{bolt}", {"quantity": "3"}).status_code == 404
    assert post(ben, f"/order-templates/{office}/lines/{bolt}/remove").status_code == 404
    assert lines_of(app) == {"BOLT-M8": 50, "GLOVE-L": 10}


# --- from the product page -----------------------------------------------------------------------

@pytest.mark.parametrize("sku, data, message", [
    ("DRILL-500", {}, "Choose one of your order templates, or type a name for a new one."),
    ("DRILL-500", {"template_id": "TEMPLATE", "new_name": "Tools"},
     "Choose one of your templates or type a name for a new one, not both."),
    ("DRILL-500", {"new_name": "WORKSHOP RESTOCK"}, "You already have a template called “WORKSHOP RESTOCK”."),
    ("DRILL-500", {"new_name": "z" * 81}, "A template name has at most 80 characters."),
    ("DRILL-500", {"new_name": "Tools", "quantity": "0"},
     "DRILL-500: “0” is not a quantity; use a whole number from 1 to 99,999."),  # and no "Tools" is kept
    ("DRILL-500", {"template_id": "999999"}, "That is not one of your order templates; choose another."),
    ("DRILL-500", {"template_id": "abc"}, "That is not one of your order templates; choose another."),
    ("OLD-1", {"template_id": "TEMPLATE"}, "OLD-1: Retired valve is no longer sold."),
    ("US-ONLY-1", {"new_name": "Tools"}, "US-ONLY-1: there is no product with this SKU."),
])
def test_a_bad_addition_from_the_product_page_says_why(app, sku, data, message):
    ben = client_of(app, BEN)
    data = {k: str(template_id(app)) if v == "TEMPLATE" else v for k, v in data.items()}
    assert flashed(ben, from_product_page(ben, app, sku, **data)) == [message]
    assert names_of(app, BEN) == [RESTOCK] and lines_of(app) == {"BOLT-M8": 50, "GLOVE-L": 10}


# --- the cart into a template --------------------------------------------------------------------

def test_carls_empty_cart_cannot_be_saved(app):
    carl = client_of(app, CARL)
    response = post(carl, "/cart/save-as-template", {"name": "Nothing"}, page="/cart")
    assert flashed(carl, response) == ["Your cart is empty: add products before saving it as a template."]
    assert names_of(app, CARL) == []
    with app.app_context():
        assert db.session.scalar(select(Cart.id).where(Cart.owner_id == f.user(CARL).id)) is None


# --- whose templates -----------------------------------------------------------------------------

def changes_of(tid: int, line: int) -> list[tuple[str, dict]]:
    """Every POST that changes one template (or puts it in the cart), with data that would do it."""
    return [(f"/order-templates/{tid}/rename", {"name": "Mine now"}), (f"/order-templates/{tid}/delete", {}),
            (f"/order-templates/{tid}/add", {"sku": "DRILL-500", "quantity": "1"}),
            (f"/order-templates/{tid}/lines/{line}", {"quantity": "1"}),
            (f"/order-templates/{tid}/lines/{line}/remove", {}), (f"/order-templates/{tid}/cart", {})]


@pytest.mark.parametrize("who", [ANNA, GINA])  # Ben's colleague (an Account Admin), another company's admin
def test_someone_elses_template_is_a_404_and_stays(app, who):
    tid, bolt = template_id(app), line_id(app, "BOLT-M8")
    other = client_of(app, who)
    assert other.get(f"/order-templates/{tid}").status_code == 404
    for path, data in changes_of(tid, bolt):
        assert post(other, path, data).status_code == 404, path
    assert RESTOCK not in text(other.get("/order-templates"))
    messages = flashed(other, post(other, "/order-templates/add-product",
                                   {"sku": "DRILL-500", "quantity": "1", "template_id": str(tid)}))
    assert messages == ["That is not one of your order templates; choose another."]
    assert names_of(app, BEN) == [RESTOCK] and lines_of(app) == {"BOLT-M8": 50, "GLOVE-L": 10}


def test_without_purchase_every_template_page_is_forbidden(app):
    tid, bolt = template_id(app), line_id(app, "BOLT-M8")
    with app.app_context():
        db.session.execute(RolePermission.__table__.delete().where(RolePermission.permission == "purchase"))
        db.session.commit()
    ben = client_of(app, BEN)
    assert ben.get("/order-templates").status_code == 403 and ben.get(f"/order-templates/{tid}").status_code == 403
    for path, data in changes_of(tid, bolt) + [("/order-templates", {"name": "New"}),
                                               ("/order-templates/add-product", {"sku": "GLOVE-L", "new_name": "New"}),
                                               ("/cart/save-as-template", {"name": "New"})]:
        assert post(ben, path, data).status_code == 403, path
    assert "add-product" not in ben.get(f"/catalog/{product_id(app, 'DRILL-500')}").get_data(as_text=True)
    assert names_of(app, BEN) == [RESTOCK] and lines_of(app) == {"BOLT-M8": 50, "GLOVE-L": 10}
    assert cart_lines(app, BEN) == {"BOLT-M8": 10}
    visitor = app.test_client().get("/order-templates")
    assert visitor.status_code == 302 and visitor.location.startswith("/login")
