"""What the browser tests share: Chromium's path and flags, page checks, screenshots and steps."""
from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
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


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(f"Chromium not found at {path}: run `make chromium` (Debian's package) or set CHROMIUM.")
    return path


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


def assert_page_healthy(page, *, allow_status: tuple[int, ...] = ()) -> None:
    """No JS errors or CSP violations, no broken local assets, nothing fetched from the internet."""
    watch: PageWatch = page.context.watch
    bad = [r for r in watch.bad_responses if int(r.split(" ", 1)[0]) not in allow_status]
    problems = {
        "JavaScript errors": watch.page_errors,
        "Content-Security-Policy violations": [e for e in watch.console_errors if "Content Security Policy" in e],
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


def sign_in_portal(page, email: str, password: str = PASSWORD) -> None:
    """Sign a company user in through the portal form."""
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in_staff(page, email: str, password: str = PASSWORD) -> None:
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
    scripts_ready(page)
    navbar = page.get_by_role("navigation").first
    navbar.get_by_role("link", name=category).click()
    navbar.get_by_role("link", name=item, exact=True).click()


def scripts_ready(page) -> None:
    """Wait for the page's scripts (menus, confirmations) before clicking what they drive."""
    page.wait_for_load_state("load")


def alert(page, text: str):
    """The flash message carrying ``text``."""
    return page.get_by_role("alert").filter(has_text=text)


def url(live_server: str, path: str):
    """The page at ``path``, whatever its query string."""
    return re.compile(re.escape(live_server + path) + r"(\?.*)?$")


# --------------------------------------------------------------------------- checks

AXE = Path(__file__).resolve().parents[2] / "tools" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now (``make test`` installs axe in tools/)."""
    if not AXE.exists():
        pytest.fail(f"axe-core not found at {AXE}: run `make test` (npm ci in tools/).")
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(AXE.read_text())  # evaluated by the browser, not a <script>: the page's CSP stays on
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [" ".join(map(str, node["target"])) for node in v["nodes"]][:5]} for v in found["violations"]]


def wider_than_viewport(page) -> int:
    """How many CSS pixels the document overflows the viewport sideways (0 when it fits)."""
    return page.evaluate("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")
