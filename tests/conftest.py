"""Fixtures: one app per test session, each test in a transaction that rolls back.

Set TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL to run the same suite on
the production services; unset, it runs on in-memory SQLite with jobs in process.
"""
from __future__ import annotations

import os
import tempfile

import pytest

from app import create_app
from cli import drop_database, upgrade_database
from extensions import db
from models.base import utcnow
from tests.helpers import PASSWORD, login

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "PUBLIC_URL": "http://localhost",
    # A fast hash in tests; production keeps scrypt (see test_auth_unit).
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "DATABASE_URL": os.environ.get("TEST_DATABASE_URL", "sqlite://"),
    "REDIS_URL": os.environ.get("TEST_REDIS_URL", ""),
    "MAIL_SERVER": "",
    "JOBS_AFTER_ANSWER": False,  # follow-ups run inline, so a test sees their effect at once
    "UPLOAD_FOLDER": tempfile.mkdtemp(prefix="atrium-uploads-"),  # each test process its own
}


def pytest_runtest_setup(item):
    """A test that needs PostgreSQL and Redis fails without them instead of passing unseen as skipped:
    ``make test`` leaves these out (-m "not services"), ``make test-services`` provides them."""
    if item.get_closest_marker("services") and not (os.environ.get("TEST_DATABASE_URL")
                                                    and os.environ.get("TEST_REDIS_URL")):
        pytest.fail("needs TEST_DATABASE_URL and TEST_REDIS_URL: run it with `make test-services`", pytrace=False)


def _build_world(app):
    """The schema, reference data and demo world, dated today: the tests' expected dates count from today."""
    with app.app_context():
        db.session.remove()
        drop_database()
        upgrade_database()  # the schema and reference data exactly as an installation gets them
        from tests.world import build_world

        build_world()
        db.session.commit()
        app.config["WORLD_DATE"] = utcnow().date()
        if app.config["REDIS_URL"]:
            from jobs.queue import get_queue

            get_queue("default").connection.flushdb()


@pytest.fixture(scope="session")
def app():
    app = create_app(TEST_CONFIG)
    _build_world(app)
    yield app
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name != "sqlite":
            drop_database()


@pytest.fixture(autouse=True)
def _rollback(app):
    """Run the test on one connection inside a transaction that is rolled back."""
    if app.config["WORLD_DATE"] != utcnow().date():  # a run that passes midnight builds a world of the new day
        _build_world(app)
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        db.session.remove()
    connection = engine.connect()
    transaction = connection.begin()
    engines[None] = connection
    factory_kw = db.session.session_factory.kw
    previous_mode = factory_kw.get("join_transaction_mode")
    factory_kw["join_transaction_mode"] = "create_savepoint"
    try:
        yield connection
    finally:
        if previous_mode is None:
            factory_kw.pop("join_transaction_mode", None)
        else:
            factory_kw["join_transaction_mode"] = previous_mode
        engines[None] = engine
        transaction.rollback()
        connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(client):
    def _login(email, password=PASSWORD):
        path = "/admin/login/" if email.endswith("@atrium.example") else "/login"
        response = login(client, email, password, path)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login


@pytest.fixture
def smtp_inbox():
    """A real SMTP server on a free loopback port; yields its inbox (``.port`` set)."""
    from tests.mail_servers import smtp_server

    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def run_jobs(app):
    """Run queued jobs: a no-op in process (they already ran); with Redis, a burst worker.

    The queues start empty, so the worker runs this test's jobs, not those other tests left behind.
    """
    with app.app_context():
        from jobs.queue import QUEUE_NAMES, get_queue, is_in_process

        for name in QUEUE_NAMES if not is_in_process() else ():
            get_queue(name).empty()

    def _run():
        with app.app_context():
            from jobs.queue import QUEUE_NAMES, get_queue, is_in_process

            if is_in_process():
                return
            from rq import SimpleWorker

            queues = [get_queue(name) for name in QUEUE_NAMES]
            SimpleWorker(queues, connection=queues[0].connection).work(burst=True)

    return _run
