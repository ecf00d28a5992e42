"""Company applications: the worklist staff accept, hold or reject.

The states, transitions and reasons come from the ``company_application``
workflow definition, so a state staff add in the back office appears in the
filter and its transitions on the details page without a code change.
"""
from __future__ import annotations

from flask import url_for
from flask_admin.contrib.sqla.filters import FilterEqual, FilterLike
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload

from backoffice.filters import ClauseFilter, live_options
from backoffice.workflow import WorkflowSubjectView, state_badge, state_choices
from models.applications import CompanyApplication
from models.permissions import StaffPerm


def _company_link(view, context, model, name):
    if model.company is None:
        return ""
    url = url_for("companies.details_view", id=model.company_id)
    return Markup(f'<a href="{escape(url)}">{escape(model.company.name)}</a>')


def _name_link(view, context, model, name):
    url = url_for(".details_view", id=model.id)
    return Markup(f'<a href="{escape(url)}">{escape(model.company_name)}</a>')


class CompanyApplicationView(WorkflowSubjectView):
    """Applications from /apply and /register, newest first, filterable by state."""

    required_permission = StaffPerm.MANAGE_COMPANIES
    can_create = False
    can_delete = False
    named_filter_urls = True
    column_list = ("created_at", "company_name", "first_name", "last_name", "email", "country", "shop", "state")
    column_labels = {"company_name": "Company", "created_at": "Received", "vat_id": "VAT ID", "email": "E-mail",
                     "line1": "Address line 1", "line2": "Address line 2", "company": "Company account"}
    column_details_list = (
        "state", "company_name", "vat_id", "first_name", "last_name", "email", "phone",
        "line1", "line2", "postal_code", "city", "country", "shop", "company", "created_at",
    )
    column_searchable_list = ("company_name", "email", "last_name")
    column_filters = (
        ClauseFilter(CompanyApplication.open_email, "Open", operation="equals",
                     options=[("yes", "Waiting for a decision"), ("no", "Decided")],
                     clause=lambda v: CompanyApplication.awaiting_decision() if v == "yes"
                     else ~CompanyApplication.awaiting_decision()),
        FilterEqual(CompanyApplication.state, "State",
                    options=live_options(lambda: state_choices(CompanyApplication.subject_type))),
        FilterLike(CompanyApplication.country, "Country"),
        "created_at",
    )
    column_sortable_list = ("created_at", "company_name", "last_name", "email", "country", "state")
    column_default_sort = ("created_at", True)
    column_formatters = {"state": state_badge, "company_name": _name_link}
    column_formatters_detail = {"state": state_badge, "company": _company_link}
    one_loads = (joinedload(CompanyApplication.shop), joinedload(CompanyApplication.company))

    def get_query(self):
        return super().get_query().options(joinedload(CompanyApplication.shop), joinedload(CompanyApplication.company))
