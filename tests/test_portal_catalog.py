"""The catalog as customers and visitors see it: prices per customer, search, types, paging, product pages.

Rule: anyone may browse the catalog of the shop they are in. A customer sees
their own prices and may add to the cart (Purchase); a visitor of a shop with
guest carts (Atrium Germany) sees the shop's base prices and may add too; a
visitor of any other shop sees the products without prices ("Sign in to see
your prices") and no add forms. Another shop's product and an inactive one are
a 404. See tests/world_catalog.py for the products and prices.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from extensions import db
from models.catalog import Product, ProductType, ShipmentType, product_shipment_types
from models.pricing import Price, PriceList
from tests.helpers import count_queries, text

BEN, GINA = "ben.buyer@acme.example", "gina.admin@globex.example"
# Statements of a page (measured: 4 for a customer, 5 for a visitor), the same with 5 or 65 products.
CATALOG_BOUND = 5  # the signed-in user or the visited shop, product types, a page with its count, their prices
PRODUCT_BOUND = 5  # the signed-in user or the visited shop, the product with its type, shipment types, prices


def grow_catalog(n: int, tag: str = "EXTRA", amount: str = "1.00") -> list[str]:
    """Add ``n`` standard products sold everywhere by delivery at ``amount`` EUR (base list); their SKUs.

    Bulk statements, so a thousand products take a moment, not a minute; the caller commits or not.
    """
    standard = db.session.scalar(select(ProductType.id).where(ProductType.key == "standard"))
    delivery = db.session.scalar(select(ShipmentType.id).where(ShipmentType.key == "delivery"))
    base = db.session.scalar(select(PriceList.id).where(PriceList.currency == "EUR",
                                                         PriceList.customer_group == "default"))
    skus = [f"{tag}-{i:04d}" for i in range(n)]
    db.session.execute(insert(Product), [{"sku": sku, "name": f"Extra part {sku}", "product_type_id": standard,
                                          "description": "", "active": True} for sku in skus])
    ids = db.session.scalars(select(Product.id).where(Product.sku.in_(skus))).all()
    db.session.execute(insert(product_shipment_types), [{"product_id": i, "shipment_type_id": delivery} for i in ids])
    db.session.execute(insert(Price), [{"price_list_id": base, "product_id": i, "min_quantity": 1,
                                        "amount": Decimal(amount)} for i in ids])
    db.session.flush()
    return skus


def product_id(app, sku: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Product.id).where(Product.sku == sku))


def visit(client, shop: str):
    """A visitor picks a shop (remembered in the session), as the shop switch does."""
    assert client.get(f"/catalog?shop={shop}").status_code == 200
    return client


# --- who sees what -------------------------------------------------------------------------------

def test_visitor_of_a_shop_without_guest_carts_browses_without_prices(client):
    response = client.get("/catalog")
    page = text(response)
    assert response.status_code == 200
    assert "Cordless drill 18 V" in page and "DRILL-500" in page and "Pump maintenance visit" in page
    assert "Sign in to see your prices" in page
    assert "€" not in page and "Add to cart" not in page and "Retired valve" not in page
    assert 'href="/login?next=' in response.get_data(as_text=True)


def test_visitor_of_a_guest_cart_shop_sees_base_prices_and_may_add(client):
    page = text(visit(client, "atrium-de").get("/catalog"))
    assert "129,00 €" in page and "0,25 €" in page and "4,50 €" in page
    assert "Add to cart" in page and "Sign in to see your company's prices" in page
    assert "Imperial wrench set" not in page and "Retired valve" not in page


def test_customer_sees_own_prices_the_base_where_the_group_has_none_and_price_on_request(login_as):
    page = text(login_as(BEN).get("/catalog"))
    assert "119,00 €" in page and "0,22 €" in page  # Acme's partner list
    assert "4,50 €" in page  # GLOVE-L: base price
    assert "129,00 €" not in page and "0,25 €" not in page
    gasket = page.split("Custom gasket", 1)[1][:80]
    assert "Price on request" in gasket and "Add to cart" not in gasket
    assert "Imperial wrench set" not in page and "Retired valve" not in page


def test_customer_of_another_shop_sees_its_products_in_its_currency(login_as):
    page = text(login_as(GINA).get("/catalog"))
    assert "Imperial wrench set" in page and "$10.00" in page and "$149.00" in page
    assert "Safety gloves, size L" in page and "Price on request" in page  # no USD price for the gloves


# --- search, types, paging -----------------------------------------------------------------------

@pytest.mark.parametrize("query, found, absent", [
    ("q=bolt", ["Hex bolt M8"], ["Cordless drill"]),
    ("q=drill-500", ["Cordless drill"], ["Hex bolt M8"]),
    ("q=  GLOVE  ", ["Safety gloves"], ["Hex bolt M8"]),
    ("type=service", ["Pump maintenance visit"], ["Hex bolt M8", "Cordless drill"]),
    ("type=standard&q=gasket", ["Custom gasket"], ["Pump maintenance visit"]),
    ("type=no-such-type", ["Hex bolt M8", "Pump maintenance visit"], []),
    ("q=" + "x" * 5000, [], ["Hex bolt M8"]),
    ("q=OLD-1", [], ["Retired valve"]),
    ("q=US-ONLY-1", [], ["Imperial wrench set"]),
])
def test_search_by_name_or_sku_and_filter_by_type(login_as, query, found, absent):
    response = login_as(BEN).get(f"/catalog?{query}")
    page = text(response)
    assert response.status_code == 200
    assert all(name in page for name in found), page
    assert not any(name in page for name in absent)
    if not found:
        assert "No products match this search." in page and "Show every product" in page


def test_24_products_a_page_with_the_pager(app, login_as):
    client = login_as(BEN)
    with app.app_context():
        grow_catalog(30)
        db.session.commit()
    first, second = text(client.get("/catalog?q=extra")), text(client.get("/catalog?q=extra&page=2"))
    assert "30 products" in first and "Page 1 of 2" in first
    assert first.count("SKU EXTRA-") == 24 and second.count("SKU EXTRA-") == 6
    assert "EXTRA-0000" in first and "EXTRA-0029" in second and "EXTRA-0000" not in second
    assert 'href="/catalog?page=2&amp;q=extra"' in client.get("/catalog?q=extra").get_data(as_text=True)


def test_a_large_catalog_reaches_its_first_products_and_asks_for_a_search(app, login_as, monkeypatch):
    """Counting every visible product grows with the catalog: the list counts to a limit (1,000; 30 here)."""
    monkeypatch.setattr("portal.catalog.SHOWN_UP_TO", 30)
    client = login_as(BEN)
    with app.app_context():
        grow_catalog(40)
        db.session.commit()
    first = text(client.get("/catalog?q=extra"))
    assert "More than 30 products" in first and "Page 1 of 2 · the first 30 shown: search to narrow" in first
    far = text(client.get("/catalog?q=extra&page=9"))  # past the reach: the last page it reaches
    assert "Page 2 of 2" in far and "EXTRA-0024" in far and "EXTRA-0039" not in far
    narrowed = text(client.get("/catalog?q=extra-003"))
    assert "10 products" in narrowed and "EXTRA-0039" in narrowed


# --- product pages -------------------------------------------------------------------------------

def test_product_page_shows_description_type_shipment_and_the_customers_tiers(app, login_as):
    response = login_as(BEN).get(f"/catalog/{product_id(app, 'BOLT-M8')}")
    page = text(response)
    assert response.status_code == 200
    assert "Hex bolt M8 × 40, zinc plated. Sold by the piece." in page and "Standard product" in page
    assert "Delivery" in page
    assert "1 0,22 €" in page and "100 0,18 €" in page  # Acme's own tiers, not the base 0,25 / 0,20
    assert "0,25 €" not in page and "Add to cart" in page


def test_product_page_of_a_service_lists_its_shipment_type(app, login_as):
    page = text(login_as(BEN).get(f"/catalog/{product_id(app, 'PUMP-SVC')}"))
    assert "Service" in page and "On-site service" in page and "250,00 €" in page


def test_product_page_for_a_visitor_without_prices(app, client):
    response = client.get(f"/catalog/{product_id(app, 'DRILL-500')}")
    page = text(response)
    assert response.status_code == 200 and "Cordless drill 18 V" in page
    assert "Sign in to see your prices" in page and "€" not in page and "Add to cart" not in page


def test_product_page_without_a_price_says_so(app, login_as):
    page = text(login_as(BEN).get(f"/catalog/{product_id(app, 'NOPRICE-1')}"))
    assert "Price on request" in page and "Add to cart" not in page


@pytest.mark.parametrize("sku", ["OLD-1", "US-ONLY-1"])
def test_inactive_and_other_shops_products_are_missing(app, login_as, sku):
    assert login_as(BEN).get(f"/catalog/{product_id(app, sku)}").status_code == 404


@pytest.mark.parametrize("path", ["/catalog/999999", "/catalog/99999999999999999999", "/catalog/0", "/catalog/x"])
def test_unknown_product_ids_are_missing(client, path):
    assert client.get(path).status_code == 404


def test_other_shops_product_is_there_for_its_own_customers(app, login_as):
    page = text(login_as(GINA).get(f"/catalog/{product_id(app, 'US-ONLY-1')}"))
    assert "Imperial wrench set" in page and "$10.00" in page


# --- statement bounds ----------------------------------------------------------------------------

def _count(app, client, path: str) -> int:
    assert client.get(path).status_code == 200, path
    with count_queries(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


@pytest.mark.parametrize("who", [BEN, None])
def test_catalog_and_product_pages_cost_a_fixed_few_statements(app, client, login_as, who):
    client = login_as(who) if who else visit(client, "atrium-de")
    bolt = product_id(app, "BOLT-M8")
    small = {path: _count(app, client, path) for path in ("/catalog", "/catalog?q=e&type=standard",
                                                           f"/catalog/{bolt}")}
    with app.app_context():
        grow_catalog(60)
        db.session.commit()
    large = {path: _count(app, client, path) for path in small}
    assert large == small, (small, large)
    assert small["/catalog"] <= CATALOG_BOUND and small["/catalog?q=e&type=standard"] <= CATALOG_BOUND
    assert small[f"/catalog/{bolt}"] <= PRODUCT_BOUND
