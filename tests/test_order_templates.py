"""Order templates through the portal as they are meant to be used: the list, creating, renaming and deleting,
adding products (from a product page into a picked or a new template, by SKU on the template page), quantities,
the whole template into the cart, the cart saved as a template; and what the pages cost. Refused input and
someone else's templates are in tests/test_order_template_refusals.py.

The world is described in tests/order_template_pages.py.
"""
from __future__ import annotations

from sqlalchemy import func, insert, select

from extensions import db
from models.catalog import Product
from models.order_templates import OrderTemplate, TemplateLine
from tests.helpers import count_queries, text
from tests.order_template_pages import (
    ANNA,
    BEN,
    CARL,
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
from tests.test_cart import cart_lines, flashed
from tests.test_portal_catalog import grow_catalog, product_id, visit

LIST_BOUND = 2  # the signed-in user, a page of templates with its count
DETAILS_BOUND = 5  # the user, the template, its lines with their products, their prices, what is still sold


def set_active(app, sku: str, active: bool) -> None:
    with app.app_context():
        db.session.scalar(select(Product).where(Product.sku == sku)).active = active
        db.session.commit()


# --- the list ------------------------------------------------------------------------------------

def test_the_list_shows_ones_templates_and_searches_them_by_name(app):
    ben = client_of(app, BEN)
    response = ben.get("/order-templates")
    page = text(response)
    assert response.status_code == 200
    assert f"{RESTOCK} 2" in page and "1 template" in page and "New template" in page
    html = response.get_data(as_text=True)
    assert f'href="/order-templates/{template_id(app)}"' in html and "<caption" in html and 'scope="col"' in html
    assert RESTOCK in text(ben.get("/order-templates?q=RESTOCK"))
    missing = text(ben.get("/order-templates?q=nothing"))
    assert "No template is called anything like “nothing”." in missing and RESTOCK not in missing.split("“nothing”")[1]
    assert "You have no order templates yet." in text(client_of(app, CARL).get("/order-templates"))


# --- creating, renaming, deleting ----------------------------------------------------------------

def test_create_a_template_and_land_on_it(app):
    ben = client_of(app, BEN)
    response = post(ben, "/order-templates", {"name": "  Site   B weekly "}, page="/order-templates")
    assert response.location == f"/order-templates/{template_id(app, BEN, 'Site B weekly')}"
    page = text(ben.get(response.location))
    assert "The template “Site B weekly” is ready" in page and "This template is empty." in page
    post(ben, "/order-templates", {"name": "x" * 80}, page="/order-templates")  # 80 characters are enough
    assert names_of(app, BEN) == ["Site B weekly", RESTOCK, "x" * 80]
    post(client_of(app, ANNA), "/order-templates", {"name": RESTOCK}, page="/order-templates")  # names are one's own
    assert names_of(app, ANNA) == ["Office supplies", RESTOCK]


def test_rename_a_template(app):
    ben, tid = client_of(app, BEN), template_id(app)
    response = post(ben, f"/order-templates/{tid}/rename", {"name": "Workshop, monthly"})
    assert flashed(ben, response) == ["The template is now called “Workshop, monthly”."]
    assert names_of(app, BEN) == ["Workshop, monthly"]
    assert lines_of(app, BEN, "Workshop, monthly") == {"BOLT-M8": 50, "GLOVE-L": 10}
    assert flashed(ben, post(ben, f"/order-templates/{tid}/rename", {"name": "WORKSHOP, MONTHLY"})) == [
        "The template is now called “WORKSHOP, MONTHLY”."]  # its own name in other letters is no clash


def test_delete_a_template_after_the_confirmation(app):
    ben, tid = client_of(app, BEN), template_id(app)
    html = ben.get(f"/order-templates/{tid}").get_data(as_text=True)
    assert (f'action="/order-templates/{tid}/delete" class="d-inline" data-confirm="Delete the template '
            f'“{RESTOCK}” and its 2 product(s)? Your cart and orders stay as they are."') in html
    response = post(ben, f"/order-templates/{tid}/delete")
    assert response.location == "/order-templates"
    assert flashed(ben, response) == [f"The template “{RESTOCK}” is deleted."]
    assert names_of(app, BEN) == [] and ben.get(f"/order-templates/{tid}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TemplateLine)
                                 .where(TemplateLine.template_id == tid)) == 0
    assert cart_lines(app, BEN) == {"BOLT-M8": 10}


# --- the template page ---------------------------------------------------------------------------

def test_the_template_page_shows_todays_prices_and_its_forms(app):
    ben, tid = client_of(app, BEN), template_id(app)
    response = ben.get(f"/order-templates/{tid}")
    page, html = text(response), response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Hex bolt M8 × 40, zinc plated BOLT-M8 0,22 €" in page and "11,00 €" in page  # 50 × 0,22
    assert "Safety gloves, size L GLOVE-L 4,50 €" in page and "45,00 €" in page
    assert "Net 56,00 € Tax (19 %) 10,64 € Total 66,64 €" in page
    assert "Add all to cart" in page and "Add by SKU" in page and "Rename" in page
    assert 'value="50"' in html and f'action="/order-templates/{tid}/lines/' in html
    assert 'data-confirm="Take Hex bolt M8 × 40, zinc plated out of the template?"' in html


# --- adding by SKU on the template page ----------------------------------------------------------

def test_add_by_sku_as_typed_and_again_sums(app):
    ben = client_of(app, BEN)
    response = add(ben, app, " drill-500 ", "2")
    assert response.location == f"/order-templates/{template_id(app)}"
    assert flashed(ben, response) == [f"Added 2 × Cordless drill 18 V (DRILL-500) to “{RESTOCK}”."]
    assert flashed(ben, add(ben, app, "BOLT-M8", "25")) == [
        f"Added 25 × Hex bolt M8 × 40, zinc plated (BOLT-M8) to “{RESTOCK}”; it now holds 75."]
    assert lines_of(app) == {"BOLT-M8": 75, "GLOVE-L": 10, "DRILL-500": 2}
    assert "Net 299,50 €" in text(ben.get(f"/order-templates/{template_id(app)}"))  # 16,50 + 45 + 238
    assert flashed(ben, add(ben, app, "BOLT-M8", "99999")) == [  # a line stops at the largest quantity
        f"Added 99,999 × Hex bolt M8 × 40, zinc plated (BOLT-M8) to “{RESTOCK}”; it now holds 99,999, "
        "the most one line can hold."]
    assert lines_of(app)["BOLT-M8"] == 99_999


# --- quantities and removing ---------------------------------------------------------------------

def test_change_a_quantity_and_remove_a_line(app):
    ben, tid = client_of(app, BEN), template_id(app)
    response = post(ben, f"/order-templates/{tid}/lines/{line_id(app, 'GLOVE-L')}", {"quantity": "12"})
    assert flashed(ben, response) == ["Safety gloves, size L: the template now holds 12."]
    assert lines_of(app) == {"BOLT-M8": 50, "GLOVE-L": 12}
    response = post(ben, f"/order-templates/{tid}/lines/{line_id(app, 'BOLT-M8')}/remove")
    assert flashed(ben, response) == [f"Hex bolt M8 × 40, zinc plated is out of the template “{RESTOCK}”."]
    assert lines_of(app) == {"GLOVE-L": 12}
    assert f"{RESTOCK} 1" in text(ben.get("/order-templates"))  # the list counts what is left


# --- from the product page -----------------------------------------------------------------------

def test_the_product_page_offers_ones_templates_and_a_new_one(app, client):
    drill = product_id(app, "DRILL-500")
    html = client_of(app, BEN).get(f"/catalog/{drill}").get_data(as_text=True)
    assert 'action="/order-templates/add-product"' in html and "Add to an order template" in html
    assert f'<option value="{template_id(app)}">{RESTOCK}</option>' in html and 'for="template-new"' in html
    carl = text(client_of(app, CARL).get(f"/catalog/{drill}"))
    assert "Add to an order template" in carl and "Choose a template" not in carl  # he has none yet
    assert RESTOCK not in client_of(app, ANNA).get(f"/catalog/{drill}").get_data(as_text=True)
    visitor = visit(client, "atrium-de").get(f"/catalog/{drill}").get_data(as_text=True)
    assert "Add to cart" in visitor and "add-product" not in visitor  # a guest cart, but no templates


def test_add_from_the_product_page_to_an_existing_template(app):
    ben = client_of(app, BEN)
    response = from_product_page(ben, app, "DRILL-500", quantity="2", template_id=str(template_id(app)))
    assert response.location == f"/catalog/{product_id(app, 'DRILL-500')}"
    assert flashed(ben, response) == [f"Added 2 × Cordless drill 18 V (DRILL-500) to “{RESTOCK}”."]
    assert lines_of(app) == {"BOLT-M8": 50, "GLOVE-L": 10, "DRILL-500": 2}
    assert cart_lines(app, BEN) == {"BOLT-M8": 10}  # the cart is another thing


def test_add_from_the_product_page_to_a_new_template(app):
    ben = client_of(app, BEN)
    response = from_product_page(ben, app, "DRILL-500", quantity="3", new_name="Tools")
    assert flashed(ben, response) == ["Added 3 × Cordless drill 18 V (DRILL-500) to “Tools”."]
    assert lines_of(app, BEN, "Tools") == {"DRILL-500": 3} and lines_of(app) == {"BOLT-M8": 50, "GLOVE-L": 10}
    response = post(ben, "/order-templates/add-product", {"product_id": "999999", "quantity": "1", "new_name": "X"})
    assert response.location == "/order-templates"  # no page to return to: the list
    assert flashed(ben, response) == ["That product is not in the catalog."]
    assert names_of(app, BEN) == ["Tools", RESTOCK]


# --- the template into the cart, the cart into a template ----------------------------------------

def test_the_whole_template_goes_into_the_cart_summed_at_todays_prices(app):
    ben, tid = client_of(app, BEN), template_id(app)
    response = post(ben, f"/order-templates/{tid}/cart")
    assert response.location == "/cart"
    assert flashed(ben, response) == ["All 2 product(s) of the template are in your cart."]
    assert cart_lines(app, BEN) == {"BOLT-M8": 60, "GLOVE-L": 10}
    assert "Net 58,20 €" in text(ben.get("/cart"))  # 60 × 0,22 + 10 × 4,50
    assert lines_of(app) == {"BOLT-M8": 50, "GLOVE-L": 10}  # the template stays


def test_lines_no_longer_sold_stay_out_of_the_cart_and_are_named(app):
    ben, tid = client_of(app, BEN), template_id(app)
    with app.app_context():
        template = _template(BEN, RESTOCK)
        template.lines.append(TemplateLine(product=db.session.scalar(
            select(Product).where(Product.sku == "US-ONLY-1")), quantity=1))  # was sold here once
        db.session.commit()
    set_active(app, "GLOVE-L", False)
    page = text(ben.get(f"/order-templates/{tid}"))
    assert "Safety gloves, size L GLOVE-L · no longer sold" in page
    assert "Imperial wrench set US-ONLY-1 · no longer sold" in page
    assert "Net 11,00 €" in page  # only what can be ordered
    messages = flashed(ben, post(ben, f"/order-templates/{tid}/cart"))
    assert messages == ["1 of 3 products of the template are in your cart. Not added: GLOVE-L: Safety gloves, "
                        "size L is no longer sold. US-ONLY-1: Imperial wrench set is no longer sold."]
    assert cart_lines(app, BEN) == {"BOLT-M8": 60}


def test_carls_template_goes_into_a_new_cart_once_it_holds_something(app):
    carl = client_of(app, CARL)
    post(carl, "/order-templates", {"name": "Gloves"}, page="/order-templates")
    tid = template_id(app, CARL, "Gloves")
    assert flashed(carl, post(carl, f"/order-templates/{tid}/cart")) == [
        "This template is empty: add products to it first."]
    assert cart_lines(app, CARL) == {}  # and no cart was made for nothing
    post(carl, f"/order-templates/{tid}/add", {"sku": "GLOVE-L", "quantity": "4"})
    assert flashed(carl, post(carl, f"/order-templates/{tid}/cart")) == [
        "All 1 product(s) of the template are in your cart."]
    assert cart_lines(app, CARL) == {"GLOVE-L": 4}


def test_save_bens_cart_as_a_template(app):
    ben = client_of(app, BEN)
    response = post(ben, "/cart/save-as-template", {"name": "From the cart"}, page="/cart")
    assert response.location == f"/order-templates/{template_id(app, BEN, 'From the cart')}"
    assert flashed(ben, response) == [
        "Your cart is saved as the template “From the cart” (1 product(s)); the cart stays as it was."]
    assert lines_of(app, BEN, "From the cart") == {"BOLT-M8": 10} and cart_lines(app, BEN) == {"BOLT-M8": 10}
    response = post(ben, "/cart/save-as-template", {"name": "workshop restock"}, page="/cart")
    assert response.location == "/cart"
    assert flashed(ben, response) == ["You already have a template called “workshop restock”."]
    assert names_of(app, BEN) == ["From the cart", RESTOCK] and lines_of(app) == {"BOLT-M8": 50, "GLOVE-L": 10}


# --- statement bounds ----------------------------------------------------------------------------

def _count(app, client, path: str) -> int:
    assert client.get(path).status_code == 200, path
    with count_queries(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_the_template_page_costs_the_same_with_5_or_62_lines(app):
    ben, tid = client_of(app, BEN), template_id(app)
    with app.app_context():
        ids = db.session.scalars(select(Product.id).where(Product.sku.in_(grow_catalog(60)))
                                 .order_by(Product.sku)).all()
        db.session.execute(insert(TemplateLine), [{"template_id": tid, "product_id": i, "quantity": 2}
                                                  for i in ids[:3]])
        db.session.commit()
    small = _count(app, ben, f"/order-templates/{tid}")
    with app.app_context():
        db.session.execute(insert(TemplateLine), [{"template_id": tid, "product_id": i, "quantity": 2}
                                                  for i in ids[3:]])
        db.session.commit()
    page = text(ben.get(f"/order-templates/{tid}"))
    assert "Extra part EXTRA-0059" in page and "Net 176,00 €" in page  # 56,00 + 60 × 2 × 1,00
    assert _count(app, ben, f"/order-templates/{tid}") == small <= DETAILS_BOUND


def test_the_list_costs_the_same_with_1_or_60_templates(app):
    ben = client_of(app, BEN)
    small = _count(app, ben, "/order-templates")
    with app.app_context():
        template = _template(BEN, RESTOCK)
        db.session.execute(insert(OrderTemplate), [
            {"shop_id": template.shop_id, "company_id": template.company_id, "owner_id": template.owner_id,
             "name": f"Bulk {i:02d}", "line_count": i} for i in range(60)])
        db.session.commit()
    page = text(ben.get("/order-templates?page=3"))
    assert "Page 3 of 3 · 61 in all" in page and "Bulk 59" in page
    assert _count(app, ben, "/order-templates") == small <= LIST_BOUND
    assert _count(app, ben, "/order-templates?q=bulk&page=2") <= LIST_BOUND
