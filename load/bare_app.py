"""The bare app: the floor the load test compares Atrium with.

A minimal Flask app with no database, no Redis and no Atrium code that answers the URLs of the load mix
with the pages Atrium answered for them (captured by run.py into ``load/captured/``, one set per signed-in
account, so each simulated user gets pages of the same size and shape as from Atrium). Every request
renders its page through Jinja (a compiled template from the captured HTML, with this session's CSRF token
and a fresh CSP nonce put in), sets the same security headers and keeps the same signed session cookie.

Sign-in is trivial: GET answers the captured form with a CSRF token kept in the session, POST checks that
token and that an e-mail was sent, remembers the account in the session and redirects. Pages without a
signed-in session redirect to the sign-in page, like Atrium's.

Run with the same gunicorn settings as Atrium, e.g. ``gunicorn -w 4 -b 127.0.0.1:8712 'load.bare_app:create_app()'``
from the project folder (``BARE_CAPTURED`` names another capture folder).
"""
from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path
from urllib.parse import quote

from flask import Flask, abort, redirect, render_template, request, session

CAPTURED = Path(os.environ.get("BARE_CAPTURED") or Path(__file__).resolve().parent / "captured")
POLICY = (  # Atrium's (headers.py), with this request's nonce
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)
#: path -> page key; a search parameter turns a list into its search page
ROUTES = {
    "/": "home", "/account": "account", "/account/users": "users", "/account/audit": "audit",
    "/account/invitations": "invitations", "/account/addresses": "addresses", "/account/company": "company",
    "/account/roles": "roles",
    "/admin/": "admin_home", "/admin/company_users/": "admin_users", "/admin/company_users/edit/": "admin_user_edit",
    "/admin/companies/": "admin_companies", "/admin/companies/details/": "admin_company_details",
    "/admin/audit/": "admin_audit", "/admin/applications/": "admin_applications",
}
SEARCHES = {"users": ("q", "users_search"), "admin_users": ("search", "admin_users_search")}
NEEDS_ID = {"admin_user_edit", "admin_company_details"}
USER_DETAIL = re.compile(r"^/account/users/(\d+)$")


def page_key(path: str, args) -> str | None:
    """The captured page that answers ``path`` with ``args``, or None (a 404)."""
    if USER_DETAIL.match(path):
        return "user_detail"
    key = ROUTES.get(path)
    if key in SEARCHES and args.get(SEARCHES[key][0]):
        return SEARCHES[key][1]
    if key in NEEDS_ID and not (args.get("id") or "").isdigit():
        return None
    return key


def create_app() -> Flask:
    manifest = json.loads((CAPTURED / "manifest.json").read_text())
    app = Flask(__name__, static_folder=None, template_folder=str(CAPTURED))
    app.jinja_options = {**Flask.jinja_options, "cache_size": 100_000}  # every captured page stays compiled
    app.config.update(SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48),
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    for kind in ("portal", "staff"):
        for pages in manifest[kind].values():
            for template in pages.values():
                app.jinja_env.get_template(template)  # compiled once per worker, before the first request
    for template in manifest["login"].values():
        app.jinja_env.get_template(template)

    def sign_in(kind: str, home: str):
        if request.method == "POST":
            if not session.get("csrf") or request.form.get("csrf_token") != session["csrf"]:
                abort(400)
            email = (request.form.get("email") or "").strip().lower()
            if not email or not request.form.get("password"):
                abort(401)
            session["who"], session["kind"] = email, kind
            return redirect(home)
        session.setdefault("csrf", secrets.token_urlsafe(68))  # as long as Flask-WTF's signed token
        return render_template(manifest["login"][kind], csrf=session["csrf"], nonce=_nonce())

    @app.route("/login", methods=["GET", "POST"])
    def portal_login():
        return sign_in("portal", "/")

    @app.route("/admin/login/", methods=["GET", "POST"])
    def staff_login():
        return sign_in("staff", "/admin/")

    @app.route("/", defaults={"path": ""})
    @app.route("/<path:path>")
    def page(path: str):
        key = page_key("/" + path, request.args)
        if key is None:
            abort(404)
        kind = "staff" if key.startswith("admin") else "portal"
        if session.get("kind") != kind:
            login = "/admin/login/" if kind == "staff" else "/login"
            return redirect(f"{login}?next={quote(request.full_path.rstrip('?'), safe='')}")
        pages = manifest[kind].get(session["who"]) or next(iter(manifest[kind].values()))
        return render_template(pages[key], csrf=session["csrf"], nonce=_nonce())

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", POLICY.format(nonce=_nonce()))
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app


def _nonce() -> str:
    from flask import g

    if "nonce" not in g:
        g.nonce = secrets.token_urlsafe(16)
    return g.nonce
