"""Statements every request or a big page sends read indexes, on SQLite and on PostgreSQL.

A plan that reads a table whole costs nothing on the test data and grows with every customer
on a real database, so these tests read the plans rather than the clock. PostgreSQL is told
not to scan tables whole, as it would not on a large database.
"""
from __future__ import annotations

import pytest

from extensions import db
from tests.helpers import count_queries


def plan_of(statement: str, params) -> str:
    connection = db.session.connection()
    if db.engine.dialect.name == "sqlite":
        return "\n".join(row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params))
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # until the test's transaction ends
    return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, params))


def reads_whole(plan: str, table: str) -> bool:
    return any(f"{line.strip()} ".startswith(f"SCAN {table} ") or f"Seq Scan on {table} " in f"{line} " or
               line.strip().startswith("MATERIALIZE") for line in plan.splitlines())


def _statement(app, client, path: str, marker: str):
    with count_queries(app, with_params=True) as statements:
        assert client.get(path).status_code == 200
    return next((s, p) for s, p in statements if marker in s and "staff_user_roles" not in s)


def test_the_signed_in_user_and_their_roles_load_through_indexes(app, login_as):
    """One statement per request loads the user, company, roles and grants: it reads the user's
    own ``user_roles`` rows, never every holder of every role."""
    client = login_as("anna.admin@acme.example")
    statement, params = _statement(app, client, "/account", "user_roles")
    with app.app_context():
        plan = plan_of(statement, params)
    assert not reads_whole(plan, "user_roles") and not reads_whole(plan, "roles_1"), plan


def test_the_back_office_company_page_loads_members_roles_through_indexes(app, login_as):
    client = login_as("admin@atrium.example")
    with app.app_context():
        from tests import factories as f
        company_id = f.company("Acme Industrial").id
    statement, params = _statement(app, client, f"/admin/companies/details/?id={company_id}", "user_roles")
    with app.app_context():
        plan = plan_of(statement, params)
    assert not reads_whole(plan, "user_roles") and not reads_whole(plan, "roles_1"), plan


def test_a_deep_page_skips_rows_in_the_index_and_reads_only_its_own(app, login_as):
    """Page 40 of the inquiries finds its 25 ids in the order's index, then reads and joins those rows."""
    client = login_as("anna.admin@acme.example")
    statement, params = _statement(app, client, "/inquiries?page=40", "page_ids")
    with app.app_context():
        plan, sqlite = plan_of(statement, params), db.engine.dialect.name == "sqlite"
    if sqlite:
        assert "COVERING INDEX ix_inquiries_company_created" in plan, plan
    else:
        assert "ix_inquiries_company_created" in plan and "Seq Scan on inquiries" not in plan, plan


def test_the_dashboard_counts_and_company_documents_read_their_indexes(app, login_as):
    client = login_as("anna.admin@acme.example")
    with count_queries(app, with_params=True) as statements:
        assert client.get("/").status_code == 200
    [(counts, params)] = [(s, p) for s, p in statements if "count(" in s.lower()]
    [(files, file_params)] = [(s, p) for s, p in statements if s.lstrip().startswith("SELECT files.id")]
    with app.app_context():
        plan = plan_of(counts, params)
        assert "ix_inquiries_company_state" in plan and "ix_booked_services_company_state" in plan, plan
        plan = plan_of(files, file_params)
        assert "ix_files_company_documents" in plan, plan


def test_a_deep_back_office_page_shows_the_rows_offset_would_and_skips_them_in_an_index(app, login_as):
    """Flask-Admin's page 12 of the products (240 rows skipped) finds its ids in the SKU index first."""
    from sqlalchemy import select

    from models.catalog import Product
    from tests import factories as f
    from tests.helpers import text

    with app.app_context():
        for number in range(260):
            f.ProductFactory(sku=f"DEEP-{number:03}", name=f"Deep product {number}")
        db.session.commit()
        expected = db.session.scalars(select(Product.sku).order_by(Product.sku).offset(240).limit(20)).all()
    client = login_as("admin@atrium.example")
    statement, params = _statement(app, client, "/admin/products/?page=12", "page_ids")
    shown = text(client.get("/admin/products/?page=12"))
    assert all(sku in shown for sku in expected) and len(expected) == 20
    with app.app_context():
        before = db.session.scalar(select(Product.sku).order_by(Product.sku).offset(239).limit(1))
        plan, sqlite = plan_of(statement, params), db.engine.dialect.name == "sqlite"
    assert before not in shown
    if sqlite:
        lines = [line.strip() for line in plan.splitlines()]
        assert "SCAN products USING COVERING INDEX sqlite_autoindex_products_1" in lines, plan  # SKUs only
        assert not any(line in ("SCAN products", "MATERIALIZE page_ids") or line.startswith("SCAN products USING INDEX")
                       for line in lines), plan
    else:  # the SKU index holds the id too
        assert "Index Only Scan using uq_products_sku on products" in plan and "Seq Scan on products" not in plan, plan


def test_the_back_office_home_counts_waiting_accounts_in_the_state_index(app, login_as):
    client = login_as("admin@atrium.example")
    statement, params = _statement(app, client, "/admin/", "shop_assignments")
    with app.app_context():
        plan = plan_of(statement, params)
    assert "ix_shop_assignments_state" in plan and not reads_whole(plan, "company_users"), plan


def _many_people(count: int) -> None:
    from tests import factories as f

    acme = f.company("Acme Industrial")
    f.CompanyUserFactory.create_batch(count, company=acme)


def _many_prices(count: int) -> None:
    from tests.order_factories import PriceFactory, PriceListFactory, ProductFactory

    price_list, product = PriceListFactory(), ProductFactory()
    for quantity in range(1, count + 1):
        PriceFactory(price_list=price_list, product=product, min_quantity=quantity)


@pytest.mark.parametrize("path, add_rows, table, index", [
    ("/admin/company_users/?page=12", _many_people, "company_users", "uq_company_users_email"),
    ("/admin/prices/?page=12", _many_prices, "prices", "uq_price_tier"),
])
def test_a_deep_back_office_page_by_a_unique_order_reads_its_ids_from_the_index_alone(
        app, login_as, path, add_rows, table, index):
    """The lists ordered by e-mail and by price tier, like the products by SKU above, find a deep page's ids
    in their unique index without reading the table (on PostgreSQL the index holds the id too)."""
    with app.app_context():
        add_rows(260)
        db.session.commit()
    client = login_as("admin@atrium.example")
    statement, params = _statement(app, client, path, "page_ids")
    with app.app_context():
        plan, sqlite = plan_of(statement, params), db.engine.dialect.name == "sqlite"
    lines = [line.strip() for line in plan.splitlines()]
    if sqlite:
        assert any(line.startswith(f"SCAN {table} USING COVERING INDEX sqlite_autoindex_{table}_") for line in lines)
        assert not any(line == f"SCAN {table}" or line.startswith(f"SCAN {table} USING INDEX") for line in lines), plan
    else:
        assert f"Index Only Scan using {index} on {table}" in plan and f"Seq Scan on {table}" not in plan, plan


def test_the_order_history_by_sku_reads_the_skus_lines_then_their_orders(app, login_as):
    """Searching the order history for a SKU starts from the SKU's lines in their index and reads those
    orders by id; on SQLite, "id IN (...)" let the planner walk every order of the company newest first
    instead (70,000 of Acme's at L, 11 ms against 0.6)."""
    client = login_as("anna.admin@acme.example")
    statement, params = _statement(app, client, "/orders?sku=BOLT-M8&period=all", "holding_sku")
    with app.app_context():
        plan, sqlite = plan_of(statement, params), db.engine.dialect.name == "sqlite"
    if sqlite:
        assert plan.splitlines()[:4] == [
            "MATERIALIZE holding_sku", "SEARCH order_lines USING COVERING INDEX ix_order_lines_sku (sku=?)",
            "SCAN holding_sku", "SEARCH orders USING INTEGER PRIMARY KEY (rowid=?)"], plan
    else:
        assert "ix_order_lines_sku" in plan and not reads_whole(plan, "orders"), plan
