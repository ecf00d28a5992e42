"""The back office's "contains" searches read an index on PostgreSQL (pg_trgm), not every row.

The planner is told not to scan tables whole, as it would not on a large database: if the
search could use no index, the plan still shows a sequential scan and the test fails.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

from extensions import db

pytestmark = pytest.mark.services


def _plan(sql: str) -> str:
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(row[0] for row in db.session.execute(text("EXPLAIN " + sql)))


def test_the_customer_search_reads_trigram_indexes(app, login_as):
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        plan = _plan("SELECT company_users.id FROM company_users LEFT OUTER JOIN companies ON companies.id = "
                     "company_users.company_id WHERE CAST(company_users.email AS VARCHAR) ILIKE '%uyer%' "
                     "OR CAST(company_users.first_name AS VARCHAR) ILIKE '%uyer%' "
                     "OR CAST(company_users.last_name AS VARCHAR) ILIKE '%uyer%'")
        assert "ix_company_users_email_trgm" in plan and "ix_company_users_last_name_trgm" in plan, plan
        assert "Seq Scan on company_users" not in plan, plan
        plan = _plan("SELECT id FROM companies WHERE CAST(name AS VARCHAR) ILIKE '%cme%'")
        assert "ix_companies_name_trgm" in plan, plan
        db.session.rollback()
    client = login_as("admin@atrium.example")
    listing = client.get("/admin/company_users/?search=uyer").get_data(as_text=True)
    assert "ben.buyer@acme.example" in listing  # and the search still finds a part of a word
