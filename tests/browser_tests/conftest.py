"""Support for browser tests: a live Atrium server and Chromium pages (Playwright).

The fixtures here serve every module of this folder; the steps and checks
they share are in ``tests.browser_tests.support``.

``live_server`` (one per test module) serves its own app on a SQLite *file*
database seeded with the demo data, from a thread of this process; it yields the
base URL (``http://127.0.0.1:PORT``). It is a different app object from the
session ``app`` of ``tests/conftest.py``, so the per-test rollback there does not
touch it: what a browser test writes stays written for the rest of the module.
Use ``live_app`` to read the live database (``with live_app.app_context(): ...``).

Chromium is Debian's (``make chromium``), never a Playwright download; set
``CHROMIUM`` to use another binary. Requests to any host other than the live
server are aborted (the product must work offline) and reported by
``assert_page_healthy``.
"""
from __future__ import annotations

import threading

import pytest
from flask import got_request_exception
from werkzeug.serving import WSGIRequestHandler, make_server

from extensions import db
from tests.browser_tests.support import (
    CHROMIUM_ARGS,
    NAVIGATION_TIMEOUT_MS,
    TIMEOUT_MS,
    PageWatch,
    chromium_path,
)
from tests.conftest import TEST_CONFIG

# --------------------------------------------------------------------------- server


class _QuietHandler(WSGIRequestHandler):
    """Log only server errors, not every asset request."""

    def log_request(self, code="-", size="-") -> None:
        if str(code).startswith("5"):
            super().log_request(code, size)


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """A fresh app on a seeded SQLite file; server-side exceptions are collected."""
    from app import create_app
    from cli import upgrade_database
    from jobs.queue import dispatch_ready
    from tests.world import build_world

    db_file = tmp_path_factory.mktemp("live") / "atrium.sqlite"
    # The embedded default: jobs in process (no worker could reach this file's rows through Redis).
    app = create_app(dict(TEST_CONFIG, DATABASE_URL=f"sqlite:///{db_file}", REDIS_URL=""))
    with app.app_context():
        upgrade_database()
        build_world()
        db.session.commit()
        dispatch_ready()  # as `flask seed-demo` does: the demo mail reaches the outbox
        db.session.remove()
    app.extensions["live_server_errors"] = errors = []

    def _record(sender, exception, **extra):
        errors.append(exception)

    got_request_exception.connect(_record, app, weak=False)
    yield app
    got_request_exception.disconnect(_record, app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(live_app):
    """Serve ``live_app`` on 127.0.0.1 (a free port) in a daemon thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True, request_handler=_QuietHandler)
    base_url = f"http://127.0.0.1:{server.server_port}"
    live_app.config["PUBLIC_URL"] = base_url  # links in mail written outside a request
    thread = threading.Thread(target=server.serve_forever, name="atrium-live-server", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, timeout=30_000)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_context(browser, live_server, live_app):
    """Make isolated browser contexts (own cookies) on the live server; all closed after the test."""
    contexts = []

    def _new_context(**options):
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(base_url=live_server, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        watch = PageWatch(live_server)

        def _route(route):
            url = route.request.url
            if url.startswith(live_server) or url.startswith(("data:", "about:", "blob:")):
                route.continue_()
            else:
                watch.blocked_requests.append(url)
                route.abort()

        context.route("**/*", _route)
        context.on("page", watch.attach)
        context.watch = watch
        contexts.append(context)
        return context

    errors = live_app.extensions["live_server_errors"]
    seen = len(errors)
    yield _new_context
    for context in contexts:
        context.close()
    new_errors = errors[seen:]
    if new_errors:
        pytest.fail(f"the live server raised during the test: {new_errors!r}")


@pytest.fixture
def page(new_context):
    """A page in a fresh context; ``page.context.watch`` holds what went wrong."""
    return new_context().new_page()
