"""A GET only reads, on each database; on PostgreSQL its transaction is read-only and keeps prepared statements.

These run on a database of their own with real commits (``tests.databases``): the suite's own
database holds every test in one outer transaction, where a request's transaction never begins.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from extensions import db
from models.companies import Company
from tests.databases import world_app
from tests.helpers import login


def _renaming_view():
    company = db.session.scalar(select(Company).where(Company.name == "Acme Industrial"))
    company.name = "Renamed by a GET"
    db.session.flush()
    return "renamed"


def _name_of_acme(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(Company.name).where(Company.name.in_(
            ["Acme Industrial", "Renamed by a GET"]))).all()


def test_a_get_request_that_writes_keeps_nothing(tmp_path):
    """The request edge ends a GET without keeping its writes: PostgreSQL refuses them at once (the
    transaction began READ ONLY), SQLite rolls them back."""
    with world_app(tmp_path) as app:
        app.add_url_rule("/writes-on-get", "writes_on_get", _renaming_view)
        app.config["PROPAGATE_EXCEPTIONS"] = False
        client = app.test_client()
        answer = client.get("/writes-on-get")
        with app.app_context():
            on_postgresql = db.engine.dialect.name == "postgresql"
        assert answer.status_code == (500 if on_postgresql else 200)
        assert _name_of_acme(app) == ["Acme Industrial"]
        assert client.get("/login").status_code == 200  # the connection is fine for the next request


def test_a_post_still_writes_after_gets(tmp_path):
    """Reading transactions leave the connection able to write: a sign-in after pages records its time."""
    with world_app(tmp_path) as app:
        client = app.test_client()
        for _ in range(3):
            assert client.get("/login").status_code == 200
        assert login(client, "anna.admin@acme.example").status_code == 302
        assert client.get("/account").status_code == 200
        with app.app_context():
            from models.users import CompanyUser
            anna = db.session.scalar(select(CompanyUser).where(CompanyUser.email == "anna.admin@acme.example"))
            assert anna.last_login_at is not None


def test_the_signed_in_identity_is_planned_once_per_connection(tmp_path):
    """On PostgreSQL the identity's statement is prepared and survives the requests that only read: after a
    few pages the server holds it with a generic plan, which it plans no more."""
    with world_app(tmp_path) as app:
        with app.app_context():
            if db.engine.dialect.name != "postgresql":
                pytest.skip("SQLite keeps no plans on a server")
            db.engine.dispose()  # one connection from here on: the pool's first
        client = app.test_client()
        assert login(client, "anna.admin@acme.example").status_code == 302
        for _ in range(8):
            assert client.get("/account").status_code == 200
        with app.app_context():
            prepared = db.session.execute(text(
                "SELECT statement, generic_plans FROM pg_prepared_statements")).all()
        identity = [plans for statement, plans in prepared if "LEFT OUTER JOIN user_roles" in statement
                    and "WHERE company_users.id =" in statement]
        assert identity and identity[0] >= 1, prepared
        assert len(prepared) == 1, "only statements that ask are prepared"
