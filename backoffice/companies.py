"""Companies in the back office: the list, the company page and its edit form.

Status changes only through the activate / deactivate actions and buttons
(``set_company_status``); the edit form holds name, VAT id and customer group
and saves them through ``update_company`` / ``set_customer_group``.
"""
from __future__ import annotations

from flask import g, url_for
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from backoffice.base import StaffModelView, badge
from backoffice.company_page import (
    COMPANY_PAGE_LOADS,
    CompanyPageActions,
    company_page_context,
)
from backoffice.filters import LiveFilterOptions, live_options, shop_choices
from extensions import db
from models.companies import (
    Company,
    CompanyStatus,
    set_company_status,
    set_customer_group,
    update_company,
)
from models.permissions import StaffPerm
from models.users import CompanyUser
from security import current_actor

STATUS_COLOURS = {"active": "success", "pending": "warning", "inactive": "secondary"}


def status_badge(view, context, model, name):
    return badge(model.status.capitalize(), STATUS_COLOURS.get(model.status, "light"))


def _name_link(view, context, model, name):
    return Markup(f'<a href="{escape(url_for(".details_view", id=model.id))}">{escape(model.name)}</a>')


def _users_link(view, context, model, name):
    count = g.get("company_user_counts", {}).get(model.id, 0)
    url = url_for("company_users.index_view", flt0_company_id_equals=model.id)
    return Markup(f'<a href="{escape(url)}">{count} user{"" if count == 1 else "s"}</a>')


def user_counts(company_ids) -> dict[int, int]:
    """Users per company for one page of the list, in one query."""
    rows = db.session.execute(
        select(CompanyUser.company_id, func.count(CompanyUser.id))
        .where(CompanyUser.company_id.in_(list(company_ids)))
        .group_by(CompanyUser.company_id)
    )
    return dict(rows.all())


class CompanyView(CompanyPageActions, LiveFilterOptions, StaffModelView):
    """The company list; each company's page is its details view."""

    required_permission = StaffPerm.MANAGE_COMPANIES
    can_create = False  # companies come from applications and sign-ups
    can_delete = False
    named_filter_urls = True
    one_loads = COMPANY_PAGE_LOADS
    details_template = "backoffice/company_details.html"
    column_list = ("name", "status", "shop", "customer_group", "users", "created_at")
    column_labels = {"users": "Users", "vat_id": "VAT id"}
    column_searchable_list = ("name", "vat_id")
    column_filters = (
        FilterEqual(Company.status, "Status", options=[(s.value, s.value.title()) for s in CompanyStatus]),
        IntEqualFilter(Company.shop_id, "Shop", options=live_options(shop_choices)),
        "customer_group", "require_approval", "block_checkout", "created_at",
    )
    column_sortable_list = ("name", "status", "customer_group", "created_at")
    column_default_sort = "name"
    column_formatters = {"name": _name_link, "status": status_badge, "users": _users_link}
    form_columns = ("name", "vat_id", "customer_group")
    column_descriptions = {"customer_group": "Pricing policy: customers of a group see its price lists."}

    def get_query(self):
        return super().get_query().options(joinedload(Company.shop))

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        g.company_user_counts = user_counts(c.id for c in rows) if rows else {}
        return count, rows

    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            company = kwargs["model"]  # loaded with what the page shows (one_loads)
            kwargs.update(company_page_context(company, current_actor()))
        return super().render(template, **kwargs)

    def update_model(self, form, model):
        """Save name and VAT id through ``update_company``; anything else posted is ignored."""
        actor = current_actor()

        def save():
            update_company(model, actor=actor, name=form.name.data, vat_id=form.vat_id.data)
            set_customer_group(model, form.customer_group.data, actor=actor)

        return self.save_through(form, model, save)

    @action("activate", "Activate", "Activate the selected companies?")
    def action_activate(self, ids):
        actor = current_actor()
        self.run_operation(ids, lambda c: set_company_status(c, CompanyStatus.ACTIVE, actor=actor), "%d companies activated.")

    @action("deactivate", "Deactivate", "Deactivate the selected companies? Their users can no longer sign in.")
    def action_deactivate(self, ids):
        actor = current_actor()
        self.run_operation(
            ids, lambda c: set_company_status(c, CompanyStatus.INACTIVE, actor=actor), "%d companies deactivated."
        )
