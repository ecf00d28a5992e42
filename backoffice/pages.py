"""Helpers for the back office's own POST endpoints (company page, customer editor).

Each endpoint follows the house pattern: load (404) → the view's access check
(Flask-Admin runs ``is_accessible`` before every exposed method) → read the
form → call the model operation → flash → redirect; the request edge
(``edge.py``) commits or rolls back. CSRF is checked for every POST by
Flask-WTF's global ``CSRFProtect``.
"""
from __future__ import annotations

from typing import Callable

from flask import flash, redirect, request

from edge import attempt
from extensions import db
from locales import request_locale
from models.base import DomainError
from models.money import parse_amount
from security import current_actor, load_or_404


def form_id(name: str = "id") -> int | None:
    """A positive integer id from the posted form, or None."""
    raw = (request.form.get(name) or "").strip()
    return int(raw) if raw.isdigit() else None


def posted_amount(name: str, currency: str, label: str):
    """An amount posted in the back office's locale (blank → None); a bad one is a ``DomainError``."""
    return parse_amount(request.form.get(name), locale=request_locale(), currency=currency, label=label, field=name)


def optional_row(model, raw_id, message: str):
    """The row picked in a select (blank → None); an unknown id is a ``DomainError``."""
    if raw_id in (None, ""):
        return None
    row = db.session.get(model, int(raw_id)) if str(raw_id).isdigit() else None
    if row is None:
        raise DomainError(message)
    return row


def activate_or_deactivate(model, operation: Callable, name: Callable, target: Callable):
    """The posted account's ``active`` flag through ``operation(row, active, actor=...)``; back to ``target(row)``."""
    row = load_or_404(model, form_id())
    active = request.form.get("active") == "1"
    done = f"{name(row)} is {'active' if active else 'deactivated and signed out'}."
    return run_and_redirect(lambda: operation(row, active, actor=current_actor()), done, target(row))


def run_and_redirect(operation: Callable, done: str | Callable, target: str):
    """Run ``operation`` and flash ``done`` (or ``done(result)``); a refusal is flashed instead."""
    with attempt():
        result = operation()
        message = done(result) if callable(done) else done
        if message:
            flash(message, "success")
    return redirect(target)
