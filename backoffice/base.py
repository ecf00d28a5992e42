"""Access rules shared by every back office view."""
from __future__ import annotations

import logging
from datetime import datetime

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.model import filters, typefmt
from flask_admin.model.widgets import InlineFieldListWidget, InlineFormWidget
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from wtforms.validators import ValidationError
from wtforms.widgets import ListWidget

from backoffice.filters import in_subquery
from edge import attempt
from extensions import db
from models.base import DomainError
from models.conflicts import conflict_message
from models.permissions import StaffPerm
from models.search import contains_any
from paging import MAX_PAGE
from security import MAX_ID, current_actor, is_staff_user


def deny_or_login():
    """Anonymous visitors go to the staff sign-in; anyone else gets a 403."""
    if not current_user.is_authenticated:
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    if not is_staff_user():
        abort(403, description="The back office is for Atrium staff. Company users sign in to the portal.")
    abort(403, description="Your staff roles do not include this part of the back office.")


def units_found(raw_company_id, typed) -> tuple[dict, int]:
    """The unit finder's answer (templates/shared/unit_finder.html): the company's business units whose name
    holds ``typed``, by name, as JSON; a 404 for an id that names no company."""
    from models.companies import Company, unit_finder_answer
    from models.scopes import row_id

    company_id = row_id(raw_company_id)
    if company_id is None or db.session.get(Company, company_id) is None:
        return {"units": [], "more": False}, 404
    return unit_finder_answer(company_id, typed), 200


def posted_ids(ids) -> list[int]:
    """The row ids a bulk action was posted with; anything else is left out, and the clerk is told."""
    good = [int(i) for i in ids if str(i).isdigit() and int(i) <= MAX_ID]
    if len(good) != len(ids):
        flash(f"{len(ids) - len(good)} of the selected rows were not valid and were left out.", "warning")
    return good


def refuse_as_form_error(check, model, form=None) -> None:
    """Run a model check from a Flask-Admin hook: its refusal shows above the form, and beside the field it
    names when ``form`` has that field; nothing is saved."""
    try:
        check(model, actor=current_actor())
    except DomainError as error:
        if form is not None and error.field and error.field in form:
            form[error.field].errors = list(form[error.field].errors) + [error.message]
        raise ValidationError(error.message) from error


class AtriumFilterConverter(FilterConverter):
    """Date filters for Atrium's timezone-aware ``UTCDateTime`` columns."""

    @filters.convert("utcdatetime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)


def _utc_minutes(view, value: datetime, name: str) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


log = logging.getLogger(__name__)

TYPE_FORMATTERS = {**typefmt.BASE_FORMATTERS, datetime: _utc_minutes}
DETAIL_TYPE_FORMATTERS = {**typefmt.DETAIL_FORMATTERS, datetime: _utc_minutes}


DEFERRED_FROM = 200  # a page that skips this many rows or more finds its rows' ids first


class StaffModelView(ModelView):
    """A ModelView open only to staff holding ``required_permission``."""

    required_permission: StaffPerm = StaffPerm.MANAGE_STAFF
    page_size = 20
    can_set_page_size = True
    can_view_details = True
    details_template = "backoffice/details.html"
    edit_template = "backoffice/model/edit.html"
    create_template = "backoffice/model/create.html"
    # Deletion goes through the model hooks, never a bulk SQL delete.
    fast_mass_delete = False
    filter_converter = AtriumFilterConverter()
    # Each view loads its relations explicitly in get_query (flat SQL per page).
    column_auto_select_related = False
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = DETAIL_TYPE_FORMATTERS

    def get_one(self, id):
        """The row with this id; an id that is not a sane integer names no row (Flask-Admin says so)."""
        if id is None or not str(id).isdigit() or int(id) > MAX_ID:
            return None
        return db.session.get(self.model, int(id), options=self.one_loads)

    one_loads: tuple = ()  # what a view's edit and details pages show of the row, loaded with it

    def _get_list_extra_args(self):
        """The list's query string, with a page number clamped to what a list can have."""
        args = super()._get_list_extra_args()
        if not 0 <= (args.page or 0) <= MAX_PAGE:
            args.page = 0
        return args

    def _apply_pagination(self, query, page, page_size):
        """A deep page finds its rows' ids first, stepping over the rows before it in the order's index alone,
        then loads only those rows: OFFSET on the whole query would read every row it skips."""
        size = self.page_size if page_size is None else page_size
        if not (page and size) or page * size < DEFERRED_FROM:
            return super()._apply_pagination(query, page, page_size)
        ids = (query.enable_eagerloads(False).with_entities(self.model.id)
               .limit(size).offset(page * size).subquery("page_ids"))
        return query.filter(self.model.id.in_(select(ids.c.id)))

    def is_accessible(self) -> bool:
        return is_staff_user() and current_actor().can(self.required_permission)

    def create_form(self, obj=None):
        return _tidy(super().create_form(obj))

    def edit_form(self, obj=None):
        return _tidy(super().edit_form(obj))

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Each word is part of one of ``column_searchable_list``'s columns, compared as ``models.search``
        compares (through a trigram index where the table has one). A column of a related row (``company.name``)
        is looked up in a subquery of that table rather than through a join, so each branch reads its index."""
        for term in search.split(" ")[:5]:
            if term:
                found = or_(*(self._search_clause(path, columns, term[:100])
                              for path, columns in self._search_groups().items()))
                query = query.filter(found)
                count_query = count_query.filter(found) if count_query is not None else None
        return query, count_query, joins, count_joins

    def _search_groups(self) -> dict[tuple, list]:
        """The searched columns, grouped by the relationship that reaches them (none: the row's own)."""
        groups: dict[tuple, list] = {}
        for column, path in self._search_fields:
            groups.setdefault(tuple(path), []).append(column)
        return groups

    @staticmethod
    def _search_clause(path: tuple, columns: list, term: str):
        if not path:
            return contains_any(columns, term)
        if len(path) != 1 or path[0].property.direction.name != "MANYTOONE":
            raise TypeError("A searched column is the row's own or one of a row it refers to.")
        relation = path[0].property
        [local] = relation.local_columns
        [remote] = relation.mapper.primary_key
        return in_subquery(local, select(remote).where(contains_any(columns, term)))

    def search_placeholder(self) -> str | None:
        """What the search box searches, in plain words: "Search name, e-mail, last name"."""
        if not self.column_searchable_list:
            return None
        names = []
        for column in self.column_searchable_list:
            key = getattr(column, "key", column)
            names.append(str(self.column_labels.get(key) or self._prettify_name(key.split(".")[-1])).lower())
        return "Search " + ", ".join(dict.fromkeys(names))

    def inaccessible_callback(self, name, **kwargs):
        return deny_or_login()

    @action("delete", "Delete", "Delete the selected records? This cannot be undone.")
    def action_delete(self, ids) -> None:
        """Delete the selected rows through the model layer, all or nothing."""
        self.run_operation(ids, self.delete_row, "%d record(s) deleted.")

    def delete_model(self, model) -> bool:
        """Delete one row through ``delete_row``; a refusal is flashed and nothing is deleted."""
        with attempt():
            self.delete_row(model)
            return True
        return False

    def delete_row(self, model) -> None:
        """Delete one row: the view's ``on_model_delete`` check, then the delete (views with an operation override this)."""
        self.on_model_delete(model)
        db.session.delete(model)
        db.session.flush()

    def run_operation(self, ids, operation, done_message: str) -> None:
        """Apply a model operation to each selected row, all or nothing (the edge commits)."""
        rows = db.session.scalars(db.select(self.model).where(self.model.id.in_(posted_ids(ids)))).all()
        with attempt():
            for row in rows:
                operation(row)
            flash(done_message % len(rows), "success")

    def run_bulk(self, ids, operation, done, *options) -> None:
        """Apply a set-based model operation to the selected rows (loaded with ``options``), all or nothing;
        ``done(n)`` says what changed, given how many did."""
        rows = db.session.scalars(
            db.select(self.model).where(self.model.id.in_(posted_ids(ids))).options(*options)).all()
        with attempt():
            changed = operation(rows)
            flash(done(changed), "success" if changed else "info")

    def save_through(self, form, model, operation) -> bool:
        """Edit form save through the model ``operation``; a refusal is flashed and nothing is saved."""
        with attempt():
            operation()
            self.after_model_change(form, model, False)
            return True
        return False

    def handle_view_exception(self, exc: Exception) -> bool:
        """Failed saves read plainly: a rule's message or a conflict, never SQL or a driver's text."""
        if isinstance(exc, DomainError):
            flash(exc.message, "error")
            return True
        if isinstance(exc, IntegrityError):
            flash(conflict_message(exc), "error")
            return True
        if isinstance(exc, ValidationError):
            return super().handle_view_exception(exc)
        log.exception("the back office could not save %s", self.model.__name__)
        flash("That could not be saved because of an error in Atrium; nothing was changed. "
              "The error is logged for the administrators.", "error")
        return True


def _tidy(form):
    """Selects in plain words and valid HTML: an empty choice reads "— none —" (not Flask-Admin's "__None"),
    and a select with no empty choice always has a value, so ``required`` on it is invalid HTML and says
    nothing (the server still checks the field)."""
    for field in form:
        for row in getattr(field, "entries", ()):  # the rows of an inline list are forms too
            if hasattr(row, "form"):
                _tidy(row.form)
        if getattr(field, "allow_blank", False) and not field.blank_text:
            field.blank_text = "— none —"
        choices = getattr(field, "choices", None) or getattr(field, "iter_choices", None)
        no_blank = not getattr(field, "allow_blank", False)
        if field.flags.required and choices is not None and "Select" in field.type and no_blank:
            field.render_kw = dict(field.render_kw or {}, required=False)
    return form


def badge(label: str, tone: str) -> Markup:
    """A status badge for a list or details column (``tone``: Bootstrap's success, warning, secondary…)."""
    return Markup(f'<span class="badge badge-{escape(tone)}">{escape(label)}</span>')


def field_is_a_group(field) -> bool:
    """A field drawn as several controls (a checkbox list, an inline list of rows) is labelled as a group
    (templates/admin/lib.html): a ``<label for>`` may only name a single control."""
    return isinstance(field.widget, (ListWidget, InlineFieldListWidget, InlineFormWidget))


class StaffPageView(BaseView):
    """A back office page that is not a model's list (an import, say): staff holding ``required_permission``."""

    required_permission: StaffPerm | None = None

    def is_accessible(self) -> bool:
        return is_staff_user() and (self.required_permission is None or current_actor().can(self.required_permission))

    def inaccessible_callback(self, name, **kwargs):
        return deny_or_login()
