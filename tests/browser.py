"""Support for browser tests: a live Atrium server and Chromium pages (Playwright).

Import the fixtures into a test module::

    from tests.browser import browser, live_app, live_server, new_context, page  # noqa: F401

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

import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import got_request_exception
from werkzeug.serving import WSGIRequestHandler, make_server

from extensions import db
from tests.conftest import DEMO_PASSWORD, TEST_CONFIG

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Bounded waits: a step that does not happen in this time fails the test.
TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 15_000

__all__ = [
    "ARTIFACTS", "DEMO_PASSWORD", "PageWatch", "assert_page_healthy", "browser", "chromium_path",
    "live_app", "live_server", "new_context", "open_menu", "page", "screenshot", "sign_in_portal", "sign_in_staff",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(f"Chromium not found at {path}: run `make chromium` (Debian's package) or set CHROMIUM.")
    return path


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
    from demo import seed_demo
    from jobs.queue import dispatch_ready

    db_file = tmp_path_factory.mktemp("live") / "atrium.sqlite"
    app = create_app(dict(TEST_CONFIG, DATABASE_URL=f"sqlite:///{db_file}"))
    with app.app_context():
        db.create_all()
        seed_demo()
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


@dataclass
class PageWatch:
    """What went wrong in the browser: JS errors, failed or blocked requests, HTTP >= 400."""

    base_url: str
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on(
            "console",
            lambda message: self.console_errors.append(message.text) if message.type == "error" else None,
        )
        page.on("requestfailed", self._request_failed)
        page.on(
            "response",
            lambda response: self.bad_responses.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.url.startswith(self.base_url)
            else None,
        )

    def _request_failed(self, request) -> None:
        # ERR_ABORTED: the page moved on while an asset was loading (a click, a redirect).
        if request.url.startswith(self.base_url) and "ERR_ABORTED" not in (request.failure or ""):
            self.failed_requests.append(f"{request.url} ({request.failure})")


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


def assert_page_healthy(page, *, allow_status: tuple[int, ...] = ()) -> None:
    """No JS errors, no broken local assets, nothing fetched from the internet."""
    watch: PageWatch = page.context.watch
    bad = [r for r in watch.bad_responses if int(r.split(" ", 1)[0]) not in allow_status]
    problems = {
        "JavaScript errors": watch.page_errors,
        "failed requests": watch.failed_requests,
        "requests to other hosts (offline product)": watch.blocked_requests,
        "HTTP errors": bad,
    }
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, problems


def screenshot(page, name: str) -> Path:
    """A full-page PNG in test-artifacts/ (git-ignored).

    The viewport is stretched to the page's height for the shot instead of using
    ``full_page=True``: Chromium's full-page capture leaves sandboxed iframes (the
    outbox mail preview) blank.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    viewport = page.viewport_size
    height = page.evaluate("() => Math.ceil(document.documentElement.scrollHeight)")
    try:
        if viewport and height > viewport["height"]:
            page.set_viewport_size({"width": viewport["width"], "height": min(height, 8000)})
        page.screenshot(path=str(path), animations="disabled", caret="hide")
    finally:
        if viewport:
            page.set_viewport_size(viewport)
    return path


# --------------------------------------------------------------------------- steps


def sign_in_portal(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign a company user in through the portal form."""
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in_staff(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign a staff user in through the back office form."""
    page.goto("/admin/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def open_menu(page, category: str, item: str) -> None:
    """Open a back office menu entry: the category's dropdown, then the entry.

    The dropdown opens by Bootstrap's script, so the page must have loaded it
    before the click (else the click does nothing on a busy machine).
    """
    page.wait_for_load_state("load")
    navbar = page.get_by_role("navigation").first
    entry = navbar.get_by_role("link", name=item, exact=True)
    navbar.get_by_role("link", name=category).click()
    if not entry.is_visible():
        navbar.get_by_role("link", name=category).click()
    entry.click()
