"""Company applications: the worklist staff accept, hold or reject."""
from __future__ import annotations

from markupsafe import Markup, escape

from backoffice.workflow import WorkflowSubjectView
from models.permissions import StaffPerm


def _state_badge(view, context, model, name):
    colour = {"new": "primary", "on_hold": "warning", "accepted": "success", "rejected": "secondary"}.get(model.state, "info")
    return Markup(f'<span class="badge badge-{colour}">{escape(model.state)}</span>')


class CompanyApplicationView(WorkflowSubjectView):
    required_permission = StaffPerm.MANAGE_COMPANIES
    can_create = False
    can_delete = False
    column_list = ("created_at", "company_name", "first_name", "last_name", "email", "country", "shop", "state")
    column_details_list = (
        "company_name", "vat_id", "first_name", "last_name", "email", "phone",
        "line1", "line2", "postal_code", "city", "country", "shop", "state", "company", "created_at",
    )
    column_searchable_list = ("company_name", "email", "last_name")
    column_filters = ("state", "country", "created_at")
    column_default_sort = ("created_at", True)
    column_formatters = {"state": _state_badge}
    column_formatters_detail = {"state": _state_badge}
