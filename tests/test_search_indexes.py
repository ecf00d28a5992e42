"""The back office's "contains" searches read an index on PostgreSQL (pg_trgm on lower(column)), not every row.

The planner is told not to scan tables whole, as it would not on a large database: if the search
could use no index (a column without a trigram index, an OR across a join or with an IN subquery),
the plan still shows a sequential scan and the test fails.
"""
from __future__ import annotations

import pytest

from extensions import db
from tests.helpers import count_queries

pytestmark = pytest.mark.services


def _plan(statement: str, params) -> str:
    connection = db.session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # until the test's transaction ends
    return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, params))


def test_the_customer_search_reads_trigram_indexes(app, login_as):
    client = login_as("admin@atrium.example")
    with count_queries(app, with_params=True) as statements:
        listing = client.get("/admin/company_users/?search=uyer").get_data(as_text=True)
    assert "ben.buyer@acme.example" in listing  # a part of a word is found
    [(count, params)] = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT COUNT")]
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        plan = _plan(count, params)
        assert "ix_company_users_email_trgm" in plan and "ix_company_users_last_name_trgm" in plan, plan
        assert "Seq Scan on company_users" not in plan, plan
        plan = _plan("SELECT id FROM companies WHERE lower(name) LIKE %(p)s", {"p": "%cme%"})
        assert "ix_companies_name_trgm" in plan, plan


def test_the_application_search_reads_trigram_indexes(app, login_as):
    client = login_as("admin@atrium.example")
    with count_queries(app, with_params=True) as statements:
        assert client.get("/admin/applications/?search=mbrell").status_code == 200
    [(count, params)] = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT COUNT")]
    with app.app_context():
        plan = _plan(count, params)
        assert "ix_company_applications_company_name_trgm" in plan, plan
        assert "Seq Scan on company_applications" not in plan, plan

