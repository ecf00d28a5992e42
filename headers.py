"""Security headers on every response, the portal's and the back office's.

A Content-Security-Policy without inline script (a per-request nonce lets the
few script blocks Flask-Admin writes run; event handlers live in
``static/js/atrium.js``), no framing by other sites (``frame-ancestors
'none'`` and ``X-Frame-Options``), ``nosniff``, a referrer policy, and HSTS
when the session cookie is marked secure (Atrium is behind HTTPS then).
"""
from __future__ import annotations

import secrets

from flask import current_app, g

POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)


def csp_nonce() -> str:
    """This request's nonce for the script blocks the CSP allows."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def init_app(app) -> None:
    app.after_request(_add_headers)
    app.add_template_global(csp_nonce, "csp_nonce")


def _add_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", POLICY.format(nonce=csp_nonce()))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
