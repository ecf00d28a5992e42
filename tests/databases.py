"""Databases of their own for tests that need real commits seen by other threads or processes.

The suite's own database rolls every test back on one connection, so two
threads could never race there. ``shared_app`` gives an app on a database of its
own, built by the migrations: a SQLite file, or a new PostgreSQL database when
the suite runs on PostgreSQL (``TEST_DATABASE_URL``); it is dropped afterwards.
"""
from __future__ import annotations

import os
import threading
import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from cli import upgrade_database
from extensions import db
from tests.conftest import TEST_CONFIG


@contextmanager
def own_database(tmp_path):
    """The URL of an empty database nobody else uses."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'own.sqlite'}"
        return
    url = make_url(base).set(drivername="postgresql+psycopg")
    name = f"atrium_own_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def shared_app(tmp_path, **config):
    """An app on its own migrated database; its sessions commit for real."""
    with own_database(tmp_path) as url, app_on(url, **config) as app:
        with app.app_context():
            upgrade_database()
        yield app


@contextmanager
def app_on(url: str, **config):
    """Another app on a database that exists (a worker or a second web process, say)."""
    app = create_app(dict(TEST_CONFIG, **dict(config, DATABASE_URL=url)))
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def at_once(work, count: int = 2) -> list:
    """Run ``work(i)`` in ``count`` threads that start together; each result or the exception it raised."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - the test inspects what each side got
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@contextmanager
def world_app(tmp_path, **config):
    """``shared_app`` holding the test world (tests/world.py), committed."""
    with shared_app(tmp_path, **config) as app:
        with app.app_context():
            from tests.world import build_world

            build_world()
            db.session.commit()
        yield app
