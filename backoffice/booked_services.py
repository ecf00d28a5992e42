"""Every company's booked services in the back office (Orders → Booked services), soonest first.

They change only through ``complete_service``, ``cancel_service`` and ``reschedule_service``, the
operations the portal calls too; a refusal shows as a message and changes nothing.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import g, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from markupsafe import Markup, escape
from sqlalchemy import Unicode, cast, or_, select

from backoffice.base import StaffModelView, badge
from backoffice.filters import ClauseFilter, LiveFilterOptions, in_subquery, live_options
from backoffice.pages import form_id, run_and_redirect
from extensions import db
from models.base import DomainError, utcnow
from models.companies import Company
from models.permissions import StaffPerm
from models.search import contains
from models.services import (
    BOOKED_LABELS,
    BookedService,
    ServicePoint,
    cancel_service,
    complete_service,
    reschedule_service,
)
from security import current_actor, load_or_404

TONES = {"primary": "primary", "success": "success", "neutral": "secondary"}


def _order_link(view, context, model, name):
    url = url_for("orders.details_view", id=model.order_id)
    return Markup(f'<a href="{escape(url)}">{escape(model.order_number)}</a>')


def _asset_link(view, context, model, name):
    """The asset the service was booked for, if any (details page only)."""
    if model.asset is None:
        return ""
    url = url_for("assets.details_view", id=model.asset_id)
    serial = f" ({model.asset.serial_number})" if model.asset.serial_number else ""
    return Markup(f'<a href="{escape(url)}">{escape(model.asset.name)}</a>{escape(serial)}')


def _company(view, context, model, name):
    """The company's name (read for the whole page at once), linked for staff who may open companies."""
    label = g.get("booked_companies", {}).get(model.company_id, "")
    if not current_actor().can(StaffPerm.MANAGE_COMPANIES):
        return label
    return Markup(f'<a href="{escape(url_for("companies.details_view", id=model.company_id))}">{escape(label)}</a>')


def _booked_product(view, context, model, name):
    return Markup(f'<a href="{escape(url_for(".details_view", id=model.id))}">{escape(model.product_name)}</a>'
                  f'<br><span class="small text-muted">{escape(model.sku)} · {model.quantity} ×</span>')


def _booked_state(view, context, model, name):
    return badge(model.state_label, TONES.get(model.state_tone, "secondary"))


def _when(view, context, model, name):
    return model.scheduled_at.strftime("%Y-%m-%d %H:%M UTC") if model.scheduled_at else "No time chosen"


def _company_names(company_ids) -> dict[int, str]:
    ids = sorted(set(company_ids))
    return dict(db.session.execute(select(Company.id, Company.name).where(Company.id.in_(ids))).all()) if ids else {}


def _point_names():
    return live_options(lambda: [(n, n) for n in db.session.scalars(
        select(ServicePoint.name).order_by(ServicePoint.name)).all()])


def _companies_named(value: str):
    return select(Company.id).where(cast(Company.name, Unicode).ilike(f"%{value.strip()[:100]}%"))


class BookedServiceView(LiveFilterOptions, StaffModelView):
    """Every company's booked services, the soonest first; the details page completes, cancels or moves one."""

    required_permission = StaffPerm.MANAGE_ORDERS
    can_create = can_edit = can_delete = False  # booked at checkout; changed by the steps below
    details_template = "backoffice/services/booked_details.html"
    simple_list_pager = True
    named_filter_urls = True
    column_list = ("scheduled_at", "order_number", "company", "product_name", "service_point_name", "state")
    column_details_list = ("order_number", "company", "product_name", "asset", "quantity", "service_point_name",
                           "service_point_address", "service_name", "scheduled_at", "state", "created_at")
    column_labels = {"scheduled_at": "Scheduled", "order_number": "Order", "product_name": "Product",
                     "service_point_name": "Service point", "service_point_address": "Address",
                     "service_name": "Services", "created_at": "Booked", "sku": "SKU", "asset": "For asset"}
    column_searchable_list = ("product_name", "sku", "order_number")
    column_filters = (
        FilterEqual(BookedService.state, "State", options=list(BOOKED_LABELS.items())),
        FilterEqual(BookedService.service_point_name, "Service point", options=_point_names()),
        ClauseFilter(BookedService.company_id, "Company", lambda v: in_subquery(
            BookedService.company_id, _companies_named(v))),
        IntEqualFilter(BookedService.company_id, "Company id"),
    )
    column_sortable_list = ("scheduled_at",)
    column_default_sort = [("scheduled_at", False), ("id", False)]
    column_formatters = {"scheduled_at": _when, "order_number": _order_link, "company": _company,
                         "product_name": _booked_product, "state": _booked_state}
    column_formatters_detail = dict(column_formatters, product_name=lambda v, c, m, n: f"{m.product_name} ({m.sku})",
                                    asset=_asset_link)

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Each word finds part of the product's name or SKU, the whole order number, or part of the
        company's name."""
        for term in search.split(" ")[:5]:
            if not term:
                continue
            found = or_(contains(BookedService.product_name, term[:100]), contains(BookedService.sku, term[:64]),
                        BookedService.order_number == term.upper()[:30],
                        in_subquery(BookedService.company_id, _companies_named(term)))
            query = query.filter(found)
            count_query = count_query.filter(found) if count_query is not None else None
        return query, count_query, joins, count_joins

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        g.booked_companies = _company_names(r.company_id for r in rows)
        return count, rows

    def render(self, template, **kwargs):
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            g.booked_companies = _company_names([model.company_id])
            kwargs.update(changeable=model.changeable(utcnow()), scheduled=model.state == "scheduled")
        return super().render(template, **kwargs)

    def _step(self, operation, done: str):
        booked = load_or_404(BookedService, form_id())
        return run_and_redirect(lambda: operation(booked, actor=current_actor()), done,
                                url_for(".details_view", id=booked.id))

    @expose("/complete/", methods=("POST",))
    def complete_view(self):
        return self._step(complete_service, "The service is marked completed.")

    @expose("/cancel/", methods=("POST",))
    def cancel_view(self):
        return self._step(cancel_service, "The service is cancelled; its place is free again.")

    @expose("/reschedule/", methods=("POST",))
    def reschedule_view(self):
        booked = load_or_404(BookedService, form_id())

        def move():
            reschedule_service(booked, _posted_time("scheduled_at"), actor=current_actor())
            return booked.scheduled_at

        return run_and_redirect(move, lambda at: f"The service is moved to {at.strftime('%Y-%m-%d %H:%M UTC')}.",
                                url_for(".details_view", id=booked.id))

    @action("complete", "Mark completed", "Mark the selected services as given?")
    def action_complete(self, ids) -> None:
        self.run_operation(ids, lambda row: complete_service(row, actor=current_actor()),
                           "%d service(s) marked completed.")

    @action("cancel", "Cancel", "Cancel the selected services? Their places go back to the offers.")
    def action_cancel(self, ids) -> None:
        self.run_operation(ids, lambda row: cancel_service(row, actor=current_actor()), "%d service(s) cancelled.")


def _posted_time(name: str) -> datetime | None:
    """A posted ``datetime-local`` value, read as UTC (the back office shows times in UTC); blank → None."""
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw[:19]).replace(tzinfo=timezone.utc)
    except ValueError:
        raise DomainError(f"“{raw[:30]}” is not a date and time; choose one in the field.", name) from None
