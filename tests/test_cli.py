"""The commands behind ``make run`` (migrate, seed, serve) as separate processes, and the server they start
holding up under concurrent use: SQLite in WAL mode, writes that take the lock when they begin."""
from __future__ import annotations

import http.cookiejar
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.databases import at_once
from tests.helpers import csrf_token, free_port

ROOT = Path(__file__).resolve().parent.parent
DEMO_USERS = ("anna.admin@acme.example", "ben.buyer@acme.example", "alice.approver@acme.example",
              "carl.ccm@acme.example", "gina.admin@globex.example")


def _flask(env, *args, **kwargs):
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, **kwargs)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``make run`` step by step on a new SQLite file: upgrade, seed twice, serve; yields (base URL, seed outputs)."""
    folder = tmp_path_factory.mktemp("embedded")
    env = dict(os.environ, FLASK_APP="app:create_app", DATABASE_URL=f"sqlite:///{folder / 'atrium.sqlite'}",
               REDIS_URL="", MAIL_SERVER="", SECRET_KEY="cli-test")
    assert _flask(env, "db", "upgrade").returncode == 0
    seeds = [_flask(env, "seed-demo"), _flask(env, "seed-demo")]
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "flask", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/login", timeout=5).close()
                break
            except OSError:
                time.sleep(0.3)
        yield base, seeds, server
    finally:
        server.terminate()
        server.communicate(timeout=10)


class Browser:
    """One visitor with a cookie jar, who sees redirects instead of following them."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self._NoRedirect)

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def token(self, path: str) -> str:
        """Open the form at ``path``; its CSRF token."""
        return csrf_token(self.get(path)[1])

    def post(self, path: str, fields: dict) -> tuple[int, str]:
        """Send a form: (status, Location or body)."""
        return self._open(urllib.request.Request(self.base + path, data=urllib.parse.urlencode(fields).encode()))

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as answer:  # 3xx (not followed), 4xx and 5xx
            return answer.code, answer.headers.get("Location") or answer.read().decode()


def test_make_run_commands_serve_the_portal_and_back_office(served):
    base, (first, again), server = served
    assert first.returncode == 0 and "Demo data created." in first.stdout, first.stderr
    assert "Demo data already present." in again.stdout, again.stderr
    status, page = Browser(base).get("/login")
    assert status == 200 and "Sign in" in page
    status, page = Browser(base).get("/admin/login/")
    assert status == 200 and "back office" in page.lower()


def test_the_embedded_server_takes_25_sign_ins_and_10_writes_at_once(served):
    base, _, server = served
    browsers = [Browser(base) for _ in range(25)]
    tokens = [browser.token("/login") for browser in browsers]

    def sign_in(i):
        return browsers[i].post("/login", {"email": DEMO_USERS[i % len(DEMO_USERS)], "password": "atrium-demo",
                                           "csrf_token": tokens[i]})

    signed_in = at_once(sign_in, 25)
    assert signed_in == [(302, "/")] * 25, signed_in  # every one answered, none "database is locked"
    assert all(browser.get("/account")[0] == 200 for browser in browsers)

    tokens = [browser.token("/account/profile") for browser in browsers[:10]]

    def save_profile(i):
        return browsers[i].post("/account/profile", {"first_name": f"Name{i}", "last_name": "Concurrent",
                                                     "phone": f"+49 30 {i:04d}", "csrf_token": tokens[i]})

    saved = at_once(save_profile, 10)
    assert saved == [(302, "/account/profile")] * 10, saved
    status, page = browsers[9].get("/account/profile")  # browsers 4 and 9 are Gina's: one of them saved last
    assert status == 200 and ('value="Name9"' in page or 'value="Name4"' in page)
    assert server.poll() is None
