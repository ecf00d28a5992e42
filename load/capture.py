"""Capturing Atrium's pages for the bare app, and checking the bare app answers them at the same sizes."""
from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from common import CAPTURED, PASSWORD, PORTAL_PAGES, STAFF, STAFF_PAGES, say


class Browser:
    """One visitor with a cookie jar who sees redirects instead of following them."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, host: str):
        self.host = host
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  self._NoRedirect)

    def open(self, path: str, fields: dict | None = None) -> tuple[int, str, str]:
        """(status, Location, body)."""
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        try:
            with self.opener.open(urllib.request.Request(self.host + path, data=data), timeout=60) as answer:
                return answer.status, answer.headers.get("Location", ""), answer.read().decode()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers.get("Location", ""), answer.read().decode(errors="replace")

    def sign_in(self, path: str, email: str) -> None:
        status, _, page = self.open(path)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if status != 200 or not token:
            raise RuntimeError(f"{path}: HTTP {status}, no sign-in form")
        status, where, _ = self.open(path, {"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
        if status != 302 or "login" in where:
            raise RuntimeError(f"{email} could not sign in at {path}: HTTP {status} {where}")

    def page(self, path: str) -> str:
        status, where, body = self.open(path)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status} {where}")
        return body


TOKENS = re.compile(r'(?P<csrf_at>name="csrf_token"[^>]*?value=")(?P<csrf>[^"]*)"|(?P<nonce_at>nonce=")(?P<nonce>[^"]*)"')


def to_template(html: str) -> str:
    """The captured page as a Jinja template: literal text, with the CSRF token and the CSP nonce put in per request."""
    if "{% endraw" in html or "{%- endraw" in html:
        raise RuntimeError("a captured page holds '{% endraw', which the template wrapping cannot carry")
    parts, position = [], 0
    for found in TOKENS.finditer(html):
        group = "csrf" if found.group("csrf") is not None else "nonce"
        parts.append("{% raw %}" + html[position:found.start(group)] + "{% endraw %}")
        parts.append("{{ " + group + " }}")
        position = found.end(group)
    parts.append("{% raw %}" + html[position:] + "{% endraw %}")
    return "".join(parts)


def capture(host: str, accounts: list[str], args) -> None:
    """Sign in as each account once and keep the HTML of every page of the mix (for the bare app)."""
    say(f"Capturing the pages of {len(accounts)} portal and {len(STAFF)} staff accounts for the bare app")
    started = time.time()
    _empty_captured()
    manifest = {"portal": {}, "staff": {}, "login": {}}
    sizes = {}
    save = partial(_save, sizes)
    manifest["login"]["portal"] = save("login/portal.html", Browser(host).page("/login"))
    manifest["login"]["staff"] = save("login/staff.html", Browser(host).page("/admin/login/"))
    with ThreadPoolExecutor(4) as pool:
        manifest["portal"] = dict(pool.map(partial(_portal_pages, host, save), enumerate(accounts)))
        manifest["staff"] = dict(pool.map(partial(_staff_pages, host, save), enumerate(STAFF)))
    (CAPTURED / "manifest.json").write_text(json.dumps(manifest, indent=1))
    (CAPTURED / "sizes.json").write_text(json.dumps(sizes, indent=1))
    files = list(CAPTURED.rglob("*.html"))
    size = sum(f.stat().st_size for f in files)
    say(f"Captured {len(files)} pages ({size / 1024 / 1024:.1f} MB) in {time.time() - started:.0f} s")


def _empty_captured() -> None:
    """An empty ``load/captured/`` (the previous capture removed)."""
    if CAPTURED.exists():
        for old in sorted(CAPTURED.rglob("*"), reverse=True):
            old.unlink() if old.is_file() else old.rmdir()
    CAPTURED.mkdir(exist_ok=True)


def _save(sizes: dict, relative: str, html: str) -> str:
    """Keep one page as a template under ``load/captured/``; its size in ``sizes``."""
    path = CAPTURED / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_template(html))
    sizes[relative] = len(html.encode())
    return relative


def _portal_pages(host: str, save, item) -> tuple[str, dict]:
    index, email = item
    browser, pages = Browser(host), {}
    browser.sign_in("/login", email)
    for key, path in PORTAL_PAGES:
        if key == "user_detail":
            ids = re.findall(r'href="/account/users/(\d+)"', browser.page("/account/users"))
            path = f"/account/users/{ids[0]}"
        pages[key] = save(f"portal/{index:03d}/{key}.html", browser.page(path))
    return email, pages


def _staff_pages(host: str, save, item) -> tuple[str, dict]:
    index, email = item
    browser, pages = Browser(host), {}
    browser.sign_in("/admin/login/", email)
    for key, path in STAFF_PAGES:
        if key == "admin_user_edit":
            path = "/admin/company_users/edit/?id=" + re.findall(
                r"/admin/company_users/edit/\?id=(\d+)", browser.page("/admin/company_users/"))[0]
        elif key == "admin_company_details":
            path = "/admin/companies/details/?id=" + re.findall(
                r"/admin/companies/details/\?id=(\d+)", browser.page("/admin/companies/"))[0]
        pages[key] = save(f"staff/{index:03d}/{key}.html", browser.page(path))
    return email, pages


SIZE_CHECK_PATHS = {"user_detail": "/account/users/1", "admin_user_edit": "/admin/company_users/edit/?id=1",
                    "admin_company_details": "/admin/companies/details/?id=1"}


def compare_sizes(host: str, portal_account: str) -> dict:
    """The bare app's pages against Atrium's, byte for byte in length, for one portal and one staff account."""
    manifest = json.loads((CAPTURED / "manifest.json").read_text())
    sizes = json.loads((CAPTURED / "sizes.json").read_text())
    differences = {}
    for kind, email, login, pages in (("portal", portal_account, "/login", PORTAL_PAGES),
                                      ("staff", STAFF[0], "/admin/login/", STAFF_PAGES)):
        browser = Browser(host)
        browser.sign_in(login, email)
        for key, path in pages:
            got = len(browser.page(path or SIZE_CHECK_PATHS[key]).encode())
            differences[f"{kind} {key}"] = got - sizes[manifest[kind][email][key]]
    worst = max(differences.values(), key=abs)
    say(f"Bare app pages vs Atrium's: largest difference in length {worst} bytes over {len(differences)} pages")
    return {"largest_difference_bytes": worst, "pages_compared": len(differences), "differences": differences}
