"""Helpers for the back office's own POST endpoints (company page, customer editor).

Each endpoint follows the house pattern: load (404) → the view's access check
(Flask-Admin runs ``is_accessible`` before every exposed method) → read the
form → call the model operation → commit → flash → redirect. CSRF is checked
for every POST by Flask-WTF's global ``CSRFProtect``.
"""
from __future__ import annotations

from typing import Callable

from flask import abort, flash, redirect, request
from flask_login import current_user

from extensions import db
from models.base import DomainError


def staff_actor():
    """The signed-in staff user, passed as ``actor=`` to operations."""
    return current_user._get_current_object()


def form_id(name: str = "id") -> int | None:
    """A positive integer id from the posted form, or None."""
    raw = (request.form.get(name) or "").strip()
    return int(raw) if raw.isdigit() else None


def load_or_404(model, raw_id, *options):
    """The row with this id (with loader options), or a 404."""
    if raw_id is None or not str(raw_id).isdigit():
        abort(404)
    row = db.session.scalar(db.select(model).where(model.id == int(raw_id)).options(*options))
    if row is None:
        abort(404)
    return row


def optional_row(model, raw_id, message: str):
    """The row picked in a select (blank → None); an unknown id is a ``DomainError``."""
    if raw_id in (None, ""):
        return None
    row = db.session.get(model, int(raw_id)) if str(raw_id).isdigit() else None
    if row is None:
        raise DomainError(message)
    return row


def run_and_redirect(operation: Callable, done: str | Callable, target: str):
    """Run ``operation``; commit and flash ``done`` (or ``done(result)``), or roll back and flash the refusal."""
    try:
        result = operation()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        message = done(result) if callable(done) else done
        if message:
            flash(message, "success")
    return redirect(target)
