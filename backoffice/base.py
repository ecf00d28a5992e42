"""Access rules shared by every back office view."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, request, url_for
from flask_admin.actions import action
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.model import filters, typefmt
from flask_login import current_user

from extensions import db
from models.base import DomainError
from models.permissions import StaffPerm
from security import is_staff_user


def deny_or_login():
    """Anonymous visitors go to the staff sign-in; anyone else gets a 403."""
    if not current_user.is_authenticated:
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    if not is_staff_user():
        abort(403, description="The back office is for Atrium staff. Company users sign in to the portal.")
    abort(403, description="Your staff roles do not include this part of the back office.")


def refuse_as_form_error(check, model) -> None:
    """Run a model check from a Flask-Admin hook: its refusal shows beside the form and nothing is saved."""
    from wtforms.validators import ValidationError

    try:
        check(model)
    except DomainError as error:
        raise ValidationError(error.message) from error


class AtriumFilterConverter(FilterConverter):
    """Date filters for Atrium's timezone-aware ``UTCDateTime`` columns."""

    @filters.convert("utcdatetime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)


def _utc_minutes(view, value: datetime, name: str) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


TYPE_FORMATTERS = {**typefmt.BASE_FORMATTERS, datetime: _utc_minutes}
DETAIL_TYPE_FORMATTERS = {**typefmt.DETAIL_FORMATTERS, datetime: _utc_minutes}


class StaffModelView(ModelView):
    """A ModelView open only to staff holding ``required_permission``."""

    required_permission: StaffPerm = StaffPerm.MANAGE_STAFF
    page_size = 20
    can_set_page_size = True
    can_view_details = True
    details_template = "backoffice/details.html"
    # Deletion goes through the model hooks, never a bulk SQL delete.
    fast_mass_delete = False
    filter_converter = AtriumFilterConverter()
    # Each view loads its relations explicitly in get_query (flat SQL per page).
    column_auto_select_related = False
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = DETAIL_TYPE_FORMATTERS

    def is_accessible(self) -> bool:
        return is_staff_user() and current_user.can(self.required_permission)

    def inaccessible_callback(self, name, **kwargs):
        return deny_or_login()

    @action("delete", "Delete", "Delete the selected records? This cannot be undone.")
    def action_delete(self, ids) -> None:
        """Flask-Admin's bulk delete, with the posted ids as integers (PostgreSQL compares types strictly)."""
        super().action_delete(tuple(int(i) for i in ids if str(i).isdigit()))

    def run_operation(self, ids, operation, done_message: str) -> None:
        """Apply a model operation to each selected row, all or nothing."""
        ids = [int(i) for i in ids if str(i).isdigit()]
        rows = db.session.scalars(db.select(self.model).where(self.model.id.in_(ids))).all()
        try:
            for row in rows:
                operation(row)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return
        db.session.commit()
        flash(done_message % len(rows), "success")

    def save_through(self, form, model, operation) -> bool:
        """Edit form save: run the model ``operation``; commit, or roll back and flash its refusal."""
        try:
            operation()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return False
        db.session.commit()
        self.after_model_change(form, model, False)
        return True
