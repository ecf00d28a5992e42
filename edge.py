"""The request edge, for the portal and the back office alike.

Views translate HTTP into operations and never commit. This module does the
rest, once:

- a request commits once, after the view, when its answer is a success
  (below 400) and its method may write; GET and HEAD only read
  (``models.transactions``: read-only on PostgreSQL, rolled back on SQLite);
- a ``DomainError`` is rolled back and shown: beside its form field when the
  view runs the operation inside ``attempt(form)``, else as a message on the
  page the person came from (POST) or an error page (GET);
- ``NotPermitted`` is a 403;
- an ``IntegrityError`` (two people saving the same thing at once) is rolled
  back with a plain message, never a 500; so is a commit that fails;
- queued jobs go out after the commit (``jobs.queue.dispatch_ready``).

A view that must keep what an operation recorded although it answers with an
error (a failed sign-in is counted by the throttle) calls ``keep_changes()``.
"""
from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from extensions import db
from jobs.queue import dispatch_ready
from models.base import DomainError, NotPermitted
from models.conflicts import conflict_message
from models.transactions import end_reading, reads_only, writes_again

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def init_app(app) -> None:
    # First of all before_request steps: signing in and Principal read the database already.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.teardown_request(_end)
    app.before_request(_note_flashes)
    app.after_request(_commit)
    app.register_error_handler(NotPermitted, _not_permitted)
    app.register_error_handler(DomainError, _refused)
    app.register_error_handler(IntegrityError, _conflict)


def _begin() -> None:
    """Refuse NUL characters (no database stores them); a GET only reads (SQLite: no write lock).
    A view that takes files (``takes_files``) may receive them before anything reads the form."""
    files = getattr(current_app.view_functions.get(request.endpoint), "takes_files", 0)
    if files:
        allow_files(files() if callable(files) else files)
    if request.method in SAFE_METHODS:
        g.edge_reading = reads_only()
    fields = list(request.args.items(multi=True))
    if request.method not in SAFE_METHODS:
        fields += list(request.form.items(multi=True))
        fields += [(key, upload.filename or "") for key, upload in request.files.items(multi=True)]
    if any("\x00" in key or "\x00" in value for key, value in fields):
        abort(400, description="The request holds a NUL character, which Atrium cannot store. "
                               "Remove it and send the form again.")


def _end(exc=None) -> None:
    token = g.pop("edge_reading", None)
    if token is not None:
        writes_again(token)


def _in_back_office() -> bool:
    return request.path.startswith("/admin")


def _category(kind: str) -> str:
    """Flash categories: Bootstrap's in the portal, Flask-Admin's in the back office."""
    if kind == "danger" and _in_back_office():
        return "error"
    return kind


def _note_flashes() -> None:
    g.edge_flashes = len(session.get("_flashes", []))


def keep_changes() -> None:
    """Commit this request's changes even though the answer is an error (e.g. a counted failed sign-in)."""
    g.edge_keep = True


@contextmanager
def attempt(form=None):
    """Run operations; a refusal is rolled back and shown (beside ``form``'s field when it names one).

    Used as ``with attempt(form): ... return redirect(...)``: when the block is
    refused, execution continues after it, where the view renders the form again.
    ``NotPermitted`` is not caught here: it is a 403.
    """
    try:
        yield
    except NotPermitted:
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, _category("danger"))
        g.edge_refused = error.message
        if form is not None and error.field and error.field in form:
            form[error.field].errors = list(form[error.field].errors) + [error.message]
    except IntegrityError as error:
        db.session.rollback()
        g.edge_refused = conflict_message(error)
        flash(g.edge_refused, _category("danger"))


def refused() -> str | None:
    """What ``attempt`` refused in this request, if anything (views answer 400 then)."""
    return g.get("edge_refused")


def _commit(response):
    failed = response.status_code >= 400 or g.get("edge_refused")
    if request.method in SAFE_METHODS and not failed:
        end_reading(db.session())
    elif request.method in SAFE_METHODS or (failed and not g.get("edge_keep")):
        db.session.rollback()
    else:
        try:
            db.session.commit()
        except IntegrityError as error:
            db.session.rollback()
            response = _failed_commit(response, conflict_message(error))
    dispatch_ready(after_answer=True)  # what committed in this request, also by Flask-Admin's own commit
    return response


def _failed_commit(response, message: str):
    """Take back this request's success messages, say what went wrong, and keep nothing."""
    session["_flashes"] = session.get("_flashes", [])[: g.get("edge_flashes", 0)]
    flash(message, _category("danger"))
    if 300 <= response.status_code < 400:
        return response
    return _error_page(409, message)


def _back():
    """Where a refused POST returns: the page it came from (this site only), else the home page."""
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if referrer and parts.netloc == request.host and parts.path != request.path:
        return redirect(referrer, code=303)
    return redirect(url_for("admin.index" if _in_back_office() else "portal.home"), code=303)


def _error_page(code: int, message: str):
    error = HTTPException(description=message)
    error.code = code
    return make_response(render_template("errors/error.html", error=error), code)


def _refused(error: DomainError):
    db.session.rollback()
    g.edge_refused = error.message
    if request.method in SAFE_METHODS:
        return _error_page(400, error.message)
    flash(error.message, _category("danger"))
    return _back()


def _not_permitted(error: NotPermitted):
    db.session.rollback()
    return _error_page(403, error.message)


def _conflict(error: IntegrityError):
    db.session.rollback()
    message = g.edge_refused = conflict_message(error)
    if request.method in SAFE_METHODS:
        return _error_page(409, message)
    flash(message, _category("danger"))
    return _back()


def takes_files(count):
    """Mark a view whose form carries up to ``count`` files (a number, or a function of the app's settings
    giving it): its requests may be that large (the rest of Atrium keeps ``MAX_CONTENT_LENGTH``)."""

    def mark(view):
        view.takes_files = count
        return view

    return mark


def allow_files(count: int) -> None:
    """Let this request carry ``count`` files of the largest allowed size (before anything reads the form)."""
    request.max_content_length = count * current_app.config["FILE_MAX_BYTES"] + 1024 * 1024


def read_uploads(storages) -> list[tuple[str, bytes]]:
    """(name, bytes) of the chosen files of a form's file field; empty choices are skipped."""
    limit = current_app.config["FILE_MAX_BYTES"] + 1  # one byte over is enough to refuse it
    return [(s.filename or "", s.read(limit)) for s in storages or () if s and (s.filename or "")]
