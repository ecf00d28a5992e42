"""Recurring orders in the back office: every company's, with their lines, and pause / resume / cancel.

Customers set them up at checkout; staff look them up (by buyer e-mail or company), see what each orders
and when, and pause, resume or cancel one on a customer's request (``models.recurring``, the same
operations the portal calls). The orders they placed are in the Orders list, filtered by origin.
"""
from __future__ import annotations

from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from sqlalchemy import Unicode, cast, or_, select
from sqlalchemy.orm import joinedload, selectinload

from backoffice.base import StaffModelView, badge
from backoffice.filters import in_subquery
from backoffice.orders import amount_column, buyer_column, company_link_column, text_lines_column
from extensions import db
from models.companies import Company
from models.permissions import StaffPerm
from models.recurring import (
    CADENCE_LABELS,
    STATE_LABELS,
    STATE_TONES,
    RecurringLine,
    RecurringOrder,
    cancel_recurring,
    pause_recurring,
    resume_recurring,
)
from security import current_actor

TONE_CLASSES = {"success": "success", "warning": "warning", "neutral": "secondary"}


def _state(view, context, model, name):
    return badge(model.state_label, TONE_CLASSES.get(STATE_TONES.get(model.state), "secondary"))


def _day(view, context, model, name):
    value = getattr(model, name)
    return value.strftime("%d %b %Y") if value else "—"


class RecurringOrderView(StaffModelView):
    """Every company's recurring orders, the ones ordering soonest first."""

    required_permission = StaffPerm.MANAGE_ORDERS
    can_create = can_edit = can_delete = False  # set up at checkout; changed by the steps below
    details_template = "backoffice/recurring/details.html"
    simple_list_pager = True
    named_filter_urls = True
    column_list = ("id", "company", "buyer_name", "cadence", "next_run", "net_total", "state")
    column_labels = {"id": "Recurring order", "buyer_name": "Set up by", "cadence": "How often",
                     "next_run": "Next order", "net_total": "Net per order", "start_date": "First order",
                     "end_date": "Last order", "orders_placed": "Orders placed", "shipping_address": "Ship to",
                     "billing_address": "Invoice to", "reference": "Purchase order", "review_note": "Why it waits",
                     "buyer_email": "Buyer e-mail", "company.name": "Company"}
    column_searchable_list = ("buyer_email", "company.name")
    column_filters = (
        FilterEqual(RecurringOrder.state, "State", options=list(STATE_LABELS.items())),
        FilterEqual(RecurringOrder.cadence, "How often", options=list(CADENCE_LABELS.items())),
        IntEqualFilter(RecurringOrder.company_id, "Company id"),
    )
    column_sortable_list = ("next_run", "id")
    column_default_sort = [("next_run", False), ("id", False)]
    column_formatters = {"id": lambda v, c, m, n: m.number, "company": company_link_column, "buyer_name": buyer_column,
                         "cadence": lambda v, c, m, n: m.cadence_label, "next_run": _day, "net_total": amount_column,
                         "state": _state}
    column_details_list = ("id", "state", "company", "buyer_name", "cadence", "start_date", "end_date",
                           "next_run", "orders_placed", "review_note", "reference", "shipping_address",
                           "billing_address", "comment")
    column_formatters_detail = dict(
        column_formatters, start_date=_day, end_date=_day, shipping_address=text_lines_column,
        billing_address=text_lines_column, comment=text_lines_column, review_note=text_lines_column)
    one_loads = (joinedload(RecurringOrder.company), selectinload(RecurringOrder.lines).joinedload(RecurringLine.product))

    def get_query(self):
        return super().get_query().options(joinedload(RecurringOrder.company))

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Each word finds the whole buyer e-mail address, an "R-00042" number, or part of a company name."""
        for term in search.split(" ")[:5]:
            if not term:
                continue
            companies = select(Company.id).where(cast(Company.name, Unicode).ilike(f"%{term[:100]}%"))
            number = term.upper().removeprefix("R-").lstrip("0")
            found = or_(RecurringOrder.buyer_email == term.lower()[:254],
                        in_subquery(RecurringOrder.company_id, companies),
                        RecurringOrder.id == (int(number) if number.isdigit() and len(number) < 10 else -1))
            query = query.filter(found)
            count_query = count_query.filter(found) if count_query is not None else None
        return query, count_query, joins, count_joins

    def _step(self, ids, func, done: str) -> None:
        self.run_operation(ids, lambda row: func(row, actor=current_actor()), done)

    @action("pause", "Pause", "Pause the selected recurring orders? They place no orders until resumed.")
    def action_pause(self, ids) -> None:
        self._step(ids, pause_recurring, "%d recurring order(s) paused.")

    @action("resume", "Resume", "Resume the selected recurring orders from their next date?")
    def action_resume(self, ids) -> None:
        self._step(ids, resume_recurring, "%d recurring order(s) resumed.")

    @action("cancel", "Cancel", "Cancel the selected recurring orders? They place no more orders; this cannot "
                                "be undone.")
    def action_cancel(self, ids) -> None:
        self._step(ids, cancel_recurring, "%d recurring order(s) cancelled.")


def register(admin) -> None:
    """Add the recurring orders to the back office's Orders menu."""
    admin.add_view(RecurringOrderView(RecurringOrder, db, name="Recurring orders", endpoint="recurring_orders",
                                      category="Orders"))
