"""The catalog in the back office: products, types, price lists with their tiers, access and page cost."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from extensions import db
from models.audit import AuditEvent
from models.catalog import Product, ProductType, ShipmentType
from models.permissions import StaffPerm
from models.pricing import Price, PriceList
from tests import factories as f
from tests.backoffice_forms import follow, form_values
from tests.helpers import count_queries, flashes, login, text

PRODUCTS, TYPES, PRICE_LISTS, PRICES = "/admin/products/", "/admin/product_types/", "/admin/price_lists/", "/admin/prices/"
CATALOG_PAGES = [PRODUCTS, f"{PRODUCTS}new/", TYPES, "/admin/shipment_types/", PRICE_LISTS, PRICES, f"{PRICES}new/",
                 "/admin/catalog-import/"]


def _product(sku: str) -> Product:
    return db.session.scalar(select(Product).where(Product.sku == sku))


def _ids(app, model, keys, column="key") -> list[str]:
    with app.app_context():
        return [str(db.session.scalar(select(model.id).where(getattr(model, column) == key))) for key in keys]


def _field_errors(html: str, name: str) -> str:
    """The text of the form group that holds the field ``name`` (its errors are drawn beside it)."""
    start = html.index(f'name="{name}"')
    group = html.rfind('class="form-group', 0, start)
    return text(html[group:html.find('class="form-group', start)])


def _new_product(client, app, **fields):
    data = form_values(client.get(f"{PRODUCTS}new/").get_data(as_text=True))
    data.update({"sku": "valve-9", "name": "Ball valve DN 25", "product_type": _ids(app, ProductType, ["standard"])[0]})
    data.update(fields)
    return client.post(f"{PRODUCTS}new/", data=data)


@pytest.mark.parametrize("path", CATALOG_PAGES)
def test_the_catalog_is_for_staff_who_manage_it(app, path):
    with app.app_context():
        f.StaffUserFactory(email="cat@atrium.example", roles=["catalog_manager"])
        db.session.commit()
    for email, status in (("support@atrium.example", 403), ("agent@atrium.example", 403), ("cat@atrium.example", 200),
                          ("admin@atrium.example", 200)):
        client = app.test_client()
        assert login(client, email, path="/admin/login/").status_code == 302
        assert client.get(path).status_code == status, email


def test_the_product_list_searches_sku_and_name_and_filters_by_type_and_status(app, login_as):
    client = login_as("admin@atrium.example")
    page = text(client.get(PRODUCTS))
    assert "BOLT-M8 Hex bolt M8 × 40, zinc plated Standard product Active Delivery" in page
    assert "DRILL-500 Cordless drill 18 V Standard product Active Delivery, In-store pickup" in page
    assert "OLD-1 Retired valve Standard product Inactive" in page
    found = text(client.get(f"{PRODUCTS}?search=drill"))
    assert "DRILL-500" in found and "BOLT-M8" not in found
    assert "GLOVE-L" in text(client.get(f"{PRODUCTS}?search=glove-l"))
    service = _ids(app, ProductType, ["service"])[0]
    services = text(client.get(f"{PRODUCTS}?flt0_type_equals={service}"))
    assert "PUMP-SVC" in services and "BOLT-M8" not in services
    inactive = text(client.get(f"{PRODUCTS}?flt0_active_equals=0"))
    assert "OLD-1" in inactive and "BOLT-M8" not in inactive


def test_a_new_product_gets_a_normal_sku_its_shipment_types_and_shops(app, login_as):
    client = login_as("admin@atrium.example")
    html = client.get(f"{PRODUCTS}new/").get_data(as_text=True)
    assert 'type="checkbox"' in html and "In-store pickup" in html and "Atrium USA" in html
    shipments = _ids(app, ShipmentType, ["delivery", "in_store_pickup"])
    with app.app_context():
        us_shop = str(f.shop("atrium-us").id)
    page = follow(client, _new_product(client, app, sku="  valve-9 ", shipment_types=shipments, shops=[us_shop],
                                       service_date_required="y"))
    assert "Record was successfully created." in flashes(page)
    with app.app_context():
        product = _product("VALVE-9")
        assert product.name == "Ball valve DN 25" and product.product_type.key == "standard" and product.active
        assert [s.key for s in product.shipment_types] == ["delivery", "in_store_pickup"]
        assert [s.code for s in product.shops] == ["atrium-us"] and product.service_date_required


@pytest.mark.parametrize("fields,field,message", [
    ({"sku": "bolt-m8"}, "sku", "Another product has the SKU BOLT-M8."),
    ({"sku": "two words"}, "sku", "A SKU has at most 64 characters and no spaces"),
    ({"name": "   "}, "name", "Give the product a name."),
])
def test_a_product_the_catalog_cannot_hold_is_refused_beside_its_field(app, login_as, fields, field, message):
    client = login_as("admin@atrium.example")
    with app.app_context():
        before = db.session.scalar(select(func.count(Product.id)))
    response = _new_product(client, app, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in _field_errors(html, field)
    with app.app_context():
        assert db.session.scalar(select(func.count(Product.id))) == before


def test_editing_a_product_saves_through_the_checks_and_deactivation_is_audited(app, login_as):
    client = login_as("admin@atrium.example")
    with app.app_context():
        drill_id = _product("DRILL-500").id
    url = f"{PRODUCTS}edit/?id={drill_id}"
    data = form_values(client.get(url).get_data(as_text=True))
    assert data["sku"] == "DRILL-500" and data["active"] == "y"
    taken = client.post(url, data=dict(data, sku="glove-l"))
    assert "Another product has the SKU GLOVE-L." in _field_errors(taken.get_data(as_text=True), "sku")
    data.pop("active")
    follow(client, client.post(url, data=dict(data, name="Cordless drill 18 V, 2 batteries")))
    with app.app_context():
        drill = _product("DRILL-500")
        assert drill.name == "Cordless drill 18 V, 2 batteries" and not drill.active
        assert db.session.scalar(select(AuditEvent.actor_label).where(
            AuditEvent.action == "product.deactivated", AuditEvent.target_id == drill_id)).startswith("Ada")


def _bulk(client, action: str, ids: list[int]) -> str:
    token = form_values(client.get(PRODUCTS).get_data(as_text=True), f"{PRODUCTS}action/")["csrf_token"]
    return follow(client, client.post(f"{PRODUCTS}action/", data={"csrf_token": token, "action": action,
                                                                  "rowid": [str(i) for i in ids]}))


def test_products_are_activated_and_deactivated_in_bulk_but_never_deleted(app, login_as):
    client = login_as("admin@atrium.example")
    with app.app_context():
        ids = [_product("GLOVE-L").id, _product("OLD-1").id]
    assert "1 product deactivated." in flashes(_bulk(client, "deactivate", ids))
    assert "Nothing to change: they were deactivated already." in flashes(_bulk(client, "deactivate", ids))
    assert "2 products activated." in flashes(_bulk(client, "activate", ids))
    page = _bulk(client, "delete", ids)
    token = form_values(page, f"{PRODUCTS}action/")["csrf_token"]
    client.post(f"{PRODUCTS}delete/", data={"csrf_token": token, "id": str(ids[0])})
    with app.app_context():
        assert db.session.scalar(select(func.count(Product.id)).where(Product.id.in_(ids), Product.active)) == 2
    assert 'value="delete"' not in client.get(PRODUCTS).get_data(as_text=True)


def test_types_have_a_key_in_the_key_format_fixed_once_saved(app, login_as):
    client = login_as("admin@atrium.example")
    data = form_values(client.get(f"{TYPES}new/").get_data(as_text=True))
    bad = client.post(f"{TYPES}new/", data=dict(data, key="Spare part!", name="Spare part"))
    assert "is not a key" in _field_errors(bad.get_data(as_text=True), "key")
    taken = client.post(f"{TYPES}new/", data=dict(data, key="service", name="Another service"))
    assert "Another product type has the key service." in _field_errors(taken.get_data(as_text=True), "key")
    follow(client, client.post(f"{TYPES}new/", data=dict(data, key="Spare_Part", name=" Spare part ")))
    with app.app_context():
        spare = db.session.scalar(select(ProductType).where(ProductType.key == "spare_part"))
        assert spare.name == "Spare part"
    edit = client.get(f"{TYPES}edit/?id={spare.id}").get_data(as_text=True)
    assert 'name="key"' not in edit
    shipments = form_values(client.get("/admin/shipment_types/new/").get_data(as_text=True))
    taken = client.post("/admin/shipment_types/new/", data=dict(shipments, key="delivery", name="Courier"))
    assert "Another shipment type has the key delivery." in _field_errors(taken.get_data(as_text=True), "key")


def test_a_price_list_counts_its_prices_up_to_a_cap_and_links_to_them_all(app, login_as, monkeypatch):
    """A price list's count reads at most ``COUNT_CAP`` + 1 prices: past it the list says "<cap>+ prices" and
    links to its prices, where they are all counted."""
    import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    client = login_as("admin@atrium.example")
    page = client.get(PRICE_LISTS)
    assert "Base prices EUR default 5+ prices" in text(page) and "Partner prices EUR partner 3 prices" in text(page)
    with app.app_context():
        base = db.session.scalar(select(PriceList).where(PriceList.customer_group == "default"))
    assert "5+ prices" in text(client.get(f"{PRICE_LISTS}details/?id={base.id}"))
    link = f'/admin/prices/?flt0_price_list_equals={base.id}'
    assert link in page.get_data(as_text=True) and "List (6)" in text(client.get(link))  # all counted there


def test_price_lists_are_one_per_currency_and_customer_group(app, login_as):
    client = login_as("admin@atrium.example")
    page = text(client.get(PRICE_LISTS))
    assert "Base prices EUR default 6 prices" in page and "Partner prices EUR partner 3 prices" in page
    data = form_values(client.get(f"{PRICE_LISTS}new/").get_data(as_text=True))
    taken = client.post(f"{PRICE_LISTS}new/", data=dict(data, name="Again", currency="eur", customer_group="Partner"))
    assert "“Partner prices” already holds the EUR prices of the customer group partner." in _field_errors(
        taken.get_data(as_text=True), "customer_group")
    bad = client.post(f"{PRICE_LISTS}new/", data=dict(data, name="Gold", currency="XYZ", customer_group="gold"))
    assert "is not a currency code" in _field_errors(bad.get_data(as_text=True), "currency")
    follow(client, client.post(f"{PRICE_LISTS}new/", data=dict(data, name="Gold prices", currency="eur",
                                                               customer_group=" Gold ")))
    with app.app_context():
        gold = db.session.scalar(select(PriceList).where(PriceList.name == "Gold prices"))
        assert (gold.currency, gold.customer_group) == ("EUR", "gold")


def _price_form(client, app, list_name="Partner prices", **fields):
    data = form_values(client.get(f"{PRICES}new/").get_data(as_text=True))
    data.update({"price_list": _ids(app, PriceList, [list_name], "name")[0], "sku": "glove-l", "min_quantity": "1",
                 "amount": "4.10"})
    data.update(fields)
    return client.post(f"{PRICES}new/", data=data)


def test_a_price_list_gets_volume_tiers_with_amounts_read_in_the_back_office_locale(app, login_as):
    client = login_as("admin@atrium.example")
    follow(client, _price_form(client, app))
    follow(client, _price_form(client, app, min_quantity="50", amount="3.9875"))
    follow(client, _price_form(client, app, sku="DRILL-500", min_quantity="10", amount="1,099.50"))
    with app.app_context():
        partner = db.session.scalar(select(PriceList).where(PriceList.name == "Partner prices"))
        tiers = {(p.product.sku, p.min_quantity): p.amount for p in partner.prices}
        assert tiers[("GLOVE-L", 1)] == Decimal("4.10") and tiers[("GLOVE-L", 50)] == Decimal("3.9875")
        assert tiers[("DRILL-500", 10)] == Decimal("1099.50")
        tier_id = next(p.id for p in partner.prices if p.min_quantity == 50)
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "price.saved")) == 3
    edit = form_values(client.get(f"{PRICES}edit/?id={tier_id}").get_data(as_text=True))
    assert (edit["sku"], edit["amount"], edit["min_quantity"]) == ("GLOVE-L", "3.9875", "50")
    follow(client, client.post(f"{PRICES}edit/?id={tier_id}", data=dict(edit, amount="3.95")))
    page = text(client.get(f"{PRICES}?search=glove"))
    assert "Partner prices (EUR) GLOVE-L Safety gloves, size L 50 €3.95" in page
    assert "Partner prices EUR partner 6 prices" in text(client.get(PRICE_LISTS))


@pytest.mark.parametrize("fields,field,message", [
    ({"amount": "4,10"}, "amount", "The price: “4,10” is not written as amounts are here; write it like 1,500.50"),
    ({"amount": "four"}, "amount", "The price: “four” is not an amount"),
    ({"amount": "0"}, "amount", "A price is more than zero"),
    ({"amount": "-1"}, "amount", "The price must be zero or more."),
    ({"amount": "0.12345"}, "amount", "has 5 decimal places"),
    ({"amount": ""}, "amount", "Give the price."),
    ({"min_quantity": "0"}, "min_quantity", "The minimum quantity is a whole number from 1"),
    ({"sku": "NOPE-1"}, "sku", "There is no product with the SKU “NOPE-1”."),
    ({"sku": "bolt-m8", "min_quantity": "100"}, "min_quantity",
     "Partner prices (EUR) already has a price for BOLT-M8 from 100; change that one instead."),
])
def test_a_bad_price_is_refused_beside_its_field_and_nothing_is_saved(app, login_as, fields, field, message):
    client = login_as("admin@atrium.example")
    with app.app_context():
        before = db.session.scalar(select(func.count(Price.id)))
    response = _price_form(client, app, **fields)
    assert response.status_code == 200
    assert message in _field_errors(response.get_data(as_text=True), field)
    with app.app_context():
        assert db.session.scalar(select(func.count(Price.id))) == before


def _grow_catalog(app, n: int, tag: str) -> None:
    with app.app_context():
        standard = db.session.scalar(select(ProductType).where(ProductType.key == "standard"))
        delivery = db.session.scalars(select(ShipmentType)).all()
        base = db.session.scalar(select(PriceList).where(PriceList.name == "Base prices"))
        for i in range(n):
            product = Product(sku=f"{tag}-{i}", name=f"Grown {tag} {i}", product_type=standard,
                              shipment_types=delivery, shops=[f.shop("atrium-de")])
            db.session.add_all([product, Price(price_list=base, product=product, amount=Decimal("1.50")),
                                PriceList(name=f"List {tag} {i}", currency="EUR", customer_group=f"{tag}{i}")])
        db.session.commit()


def _statements(app, client, path: str) -> int:
    assert client.get(path).status_code == 200, path
    with count_queries(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_catalog_pages_cost_the_same_few_statements_at_two_sizes(app, login_as):
    client = login_as("admin@atrium.example")
    with app.app_context():
        bolt = _product("BOLT-M8").id
        price = db.session.scalar(select(Price.id).order_by(Price.id))
    pages = CATALOG_PAGES + [f"{PRODUCTS}edit/?id={bolt}", f"{PRODUCTS}details/?id={bolt}", f"{PRICES}edit/?id={price}",
                             f"{PRODUCTS}?search=grown", f"{PRICES}?search=grown"]
    _grow_catalog(app, 1, "small")
    small = {path: _statements(app, client, path) for path in pages}
    _grow_catalog(app, 30, "large")
    large = {path: _statements(app, client, path) for path in pages}
    assert large == small
    assert max(large.values()) <= 8, large


def test_the_price_list_column_counts_prices_in_one_statement(app, login_as):
    client = login_as("admin@atrium.example")
    _grow_catalog(app, 5, "count")
    with count_queries(app) as statements:
        html = client.get(PRICE_LISTS).get_data(as_text=True)
    assert len([s for s in statements if "count(" in s.lower() and "prices" in s.lower()]) == 1
    assert "List count 0 EUR count0 0 prices" in text(html) and "Base prices EUR default 11 prices" in text(html)


MINE = ("products.", "product_types.", "shipment_types.", "price_lists.", "prices.", "catalog_import.")


@pytest.mark.parametrize("email", [None, "admin@atrium.example", "support@atrium.example", "cat@atrium.example"])
def test_each_catalog_route_passes_the_permission_walk(app, email):
    """As ``tests.test_permission_walk`` walks every route: sign-in for visitors, a 403 for staff without
    the catalog permission, and for those with it no 403, no error, and no write on a GET."""
    from tests.test_permission_walk import _is_login_redirect, _request, assert_reachable, classify, walk_rules

    routes = [route for route in walk_rules(app) if route[0].startswith(MINE)]
    assert len(routes) >= 30 and {classify(app, r[0]) for r in routes} == {("admin", StaffPerm.MANAGE_CATALOG)}
    client = app.test_client()
    if email:
        with app.app_context():
            f.StaffUserFactory(email="cat@atrium.example", roles=["catalog_manager"])
            db.session.commit()
        assert login(client, email, path="/admin/login/").status_code == 302
    for endpoint, url, method, (face, _) in routes:
        response = _request(client, app, method, url)
        if email is None:
            assert _is_login_redirect(response, face), (endpoint, url)
        elif email.startswith("support"):
            assert response.status_code == 403, (endpoint, url, response.status_code)
        else:
            assert_reachable(response, face, endpoint, url)


def test_every_catalog_page_the_statement_walk_opens_stays_flat(app, login_as):
    """The list, create, edit and details pages ``tests.test_statement_bounds`` opens for each catalog view."""
    from tests.browser_tests.test_layout_and_access import _back_office_pages

    client = login_as("admin@atrium.example")
    prefixes = tuple(f"/admin/{name.rstrip('.')}/" for name in MINE[:-1])
    pages = [page for page in _back_office_pages(app) if page.startswith(prefixes)]
    assert len(pages) >= 15
    _grow_catalog(app, 1, "walk-small")
    small = {path: _statements(app, client, path) for path in pages}
    _grow_catalog(app, 30, "walk-large")
    large = {path: _statements(app, client, path) for path in pages}
    assert large == small and max(large.values()) <= 8, large
