"""Search boxes find a part of a word through an index (``models.search``): FTS5 trigram tables on SQLite,
pg_trgm on PostgreSQL; both find what a row-by-row comparison finds, and stay in step with the rows."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from extensions import db
from models.catalog import Product
from models.companies import Company
from models.search import INDEXED, contains_any
from models.users import CompanyUser
from tests import factories as f
from tests.helpers import count_queries, text
from tests.test_query_plans import plan_of, reads_whole

TERMS = ("bolt", "ACME", "me in", "a\"b", "50%", "x_y", "ü", "dr")


def _found(model, columns, term) -> set[int]:
    return set(db.session.scalars(select(model.id).where(contains_any(columns, term))))


def _compared(model, columns, term) -> set[int]:
    """What a row-by-row comparison finds: Python's own reading of "contains, ignoring case"."""
    rows = db.session.execute(select(model.id, *columns)).all()
    return {row[0] for row in rows if any(term.strip().lower() in (value or "").lower() for value in row[1:])}


@pytest.mark.parametrize("term", TERMS)
def test_a_search_finds_what_comparing_every_row_finds(app, term):
    with app.app_context():
        f.ProductFactory(sku="CARRIAGE-BOLT-9", name="Carriage bolt")
        f.ProductFactory(sku="A\"B-1", name="Quote a\"b in its name")
        f.ProductFactory(sku="PCT-50", name="Blend 50% and x_y")
        f.ProductFactory(sku="UML-1", name="Kühlmittel")
        db.session.commit()
        for model, columns in ((Product, (Product.sku, Product.name)),
                               (CompanyUser, (CompanyUser.email, CompanyUser.first_name, CompanyUser.last_name)),
                               (Company, (Company.name, Company.vat_id))):
            assert _found(model, columns, term) == _compared(model, columns, term), (model.__name__, term)


def test_the_index_follows_new_changed_and_deleted_rows(app):
    with app.app_context():
        product = f.ProductFactory(sku="ZED-1", name="Zeppelin gear")
        db.session.commit()
        columns = (Product.sku, Product.name)
        assert _found(Product, columns, "zeppel") == {product.id}
        db.session.execute(update(Product).where(Product.id == product.id).values(name="Airship gear"))
        db.session.commit()
        assert _found(Product, columns, "zeppel") == set()
        assert _found(Product, columns, "airsh") == {product.id}
        db.session.delete(product)
        db.session.commit()
        assert _found(Product, columns, "airsh") == set()


def test_every_search_index_holds_every_row_of_its_table(app):
    """A migration that rebuilt a table without its triggers would leave its search index behind."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's trigram indexes are the table's own")
        for table in INDEXED:
            rows = db.session.scalar(select(func.count()).select_from(db.metadata.tables[table]))
            triggers = db.session.scalar(db.text(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table AND name LIKE :name"),
                {"table": table, "name": f"{table}_search_%"})
            indexed = db.session.scalar(db.text(f"SELECT count(*) FROM {table}_search_docsize"))
            assert (triggers, indexed) == (3, rows), table


@pytest.mark.parametrize("path,table,found", [
    ("/admin/products/?search=olt-m", "products", "BOLT-M8"),
    ("/admin/prices/?search=olt-m", "products", "BOLT-M8"),
    ("/admin/company_users/?search=uyer", "company_users", "ben.buyer@acme.example"),
    ("/admin/companies/?search=cme ind", "companies", "Acme Industrial"),
    ("/admin/applications/?search=mbrell", "company_applications", "Umbrella"),
])
def test_the_back_office_searches_read_the_search_index(app, login_as, path, table, found):
    client = login_as("admin@atrium.example")
    with count_queries(app, with_params=True) as statements:
        listing = client.get(path)
    assert listing.status_code == 200
    if "prices" not in path:
        assert found in text(listing)
    [(count, params)] = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT COUNT")]
    with app.app_context():
        plan = plan_of(count, params)
        sqlite = db.engine.dialect.name == "sqlite"
    assert not reads_whole(plan, table), plan
    assert (f"{table}_search VIRTUAL TABLE" if sqlite else f"ix_{table}_") in plan, plan


def test_the_portal_catalog_search_reads_the_search_index(app, login_as):
    client = login_as("ben.buyer@acme.example")
    with count_queries(app, with_params=True) as statements:
        assert client.get("/catalog?q=rill").status_code == 200
    statement, params = next((s, p) for s, p in statements
                             if "products_search" in s or "lower(products.name) LIKE" in s)
    with app.app_context():
        plan = plan_of(statement, params)
        sqlite = db.engine.dialect.name == "sqlite"
    assert ("products_search VIRTUAL TABLE" if sqlite else "ix_products_") in plan, plan
