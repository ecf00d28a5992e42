"""Orders in the back office: the list (search, filters), details and their workflow steps.

The list is newest first and pages by previous / next: with hundreds of thousands of orders it never
counts them all. Its search reads indexes only: the order number (exact), the buyer's whole e-mail
address, the buyer's name and the company's name (trigram indexes on PostgreSQL). The details page
shows the lines, totals, addresses, buyer and company, and the steps of the ``order`` workflow that the
staff member may fire (``WorkflowSubjectView``: ``transition(...)`` with the state the page showed, so
of two clerks the second is told the order moved on), with its history.
"""
from __future__ import annotations

from datetime import timedelta

from flask import url_for
from flask_admin.babel import lazy_gettext
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual, IntEqualFilter
from flask_admin.contrib.sqla.tools import parse_like_term
from flask_admin.model.filters import BaseDateFilter
from markupsafe import Markup, escape
from sqlalchemy import Unicode, cast, or_, select
from sqlalchemy.orm import joinedload

from backoffice.filters import in_subquery, live_options, shop_choices
from backoffice.workflow import WorkflowSubjectView, state_badge, state_choices
from extensions import db
from locales import money
from models.companies import Company
from models.orders import ORIGIN_LABELS, Order, day_start
from models.permissions import StaffPerm
from models.search import contains
from models.workflow_engine import workflow_of
from security import current_actor


class PlacedFromFilter(BaseSQLAFilter, BaseDateFilter):
    """Orders placed on or after a day (UTC)."""

    def apply(self, query, value, alias=None):
        return query.filter(self.column >= day_start(value))

    def operation(self):
        return lazy_gettext("from")


class PlacedUntilFilter(BaseSQLAFilter, BaseDateFilter):
    """Orders placed on or before a day (UTC)."""

    def apply(self, query, value, alias=None):
        return query.filter(self.column < day_start(value + timedelta(days=1)))

    def operation(self):
        return lazy_gettext("until")


def number_link_column(view, context, model, name):
    return Markup(f'<a href="{escape(url_for(".details_view", id=model.id))}">{escape(model.number)}</a>')


def company_link_column(view, context, model, name):
    """The company's page for staff who may open it, else its name."""
    if not current_actor().can(StaffPerm.MANAGE_COMPANIES):
        return model.company.name
    url = url_for("companies.details_view", id=model.company_id)
    return Markup(f'<a href="{escape(url)}">{escape(model.company.name)}</a>')


def buyer_column(view, context, model, name):
    return Markup(f'{escape(model.buyer_name)}<br><span class="small text-muted">{escape(model.buyer_email)}</span>')


def text_lines_column(view, context, model, name):
    return Markup("<br>".join(escape(line) for line in (getattr(model, name) or "").splitlines())) or "—"


def amount_column(view, context, model, name):
    return money(getattr(model, name), model.currency)


class OrderView(WorkflowSubjectView):
    """Every order of every company, newest first; the details page moves it through its workflow."""

    required_permission = StaffPerm.MANAGE_ORDERS
    can_create = can_edit = can_delete = False  # orders come from checkout; their state moves by steps
    details_template = "backoffice/orders/details.html"
    simple_list_pager = True  # previous / next: no count of every order ever placed on each page
    named_filter_urls = True
    column_list = ("placed_at", "number", "company", "buyer_name", "gross_total", "state")
    column_labels = {"placed_at": "Placed", "number": "Order number", "buyer_name": "Buyer", "buyer_email": "Buyer e-mail",
                     "company.name": "Company", "gross_total": "Total", "net_total": "Net", "tax_total": "Tax",
                     "shipping_address": "Ship to", "billing_address": "Invoice to", "reference": "Purchase order",
                     "payment_method": "Payment", "line_count": "Lines"}
    column_searchable_list = ("number", "buyer_email", "buyer_name", "company.name")
    column_filters = (
        FilterEqual(Order.state, "State", options=live_options(lambda: state_choices(Order.subject_type))),
        PlacedFromFilter(Order.placed_at, "Placed"),
        PlacedUntilFilter(Order.placed_at, "Placed"),
        IntEqualFilter(Order.company_id, "Company id"),
        IntEqualFilter(Order.shop_id, "Shop", options=live_options(shop_choices)),
        FilterEqual(Order.origin, "Origin", options=list(ORIGIN_LABELS.items())),
    )
    column_sortable_list = ("placed_at",)
    column_default_sort = [("placed_at", True), ("id", True)]
    column_formatters = {"number": number_link_column, "company": company_link_column, "buyer_name": buyer_column,
                         "gross_total": amount_column, "state": state_badge}
    column_details_list = ("number", "state", "placed_at", "company", "buyer_name", "reference", "origin",
                           "payment_method", "shipping_address", "billing_address", "comment")
    column_formatters_detail = {
        "state": state_badge, "company": company_link_column, "buyer_name": buyer_column,
        "shipping_address": text_lines_column, "billing_address": text_lines_column, "comment": text_lines_column,
        "origin": lambda v, c, m, n: ORIGIN_LABELS.get(m.origin, m.origin),
        "payment_method": lambda v, c, m, n: m.payment_method.replace("_", " ").capitalize(),
    }
    # the company and the lines with the order, in one statement
    one_loads = (joinedload(Order.company), joinedload(Order.lines))

    def get_query(self):
        return super().get_query().options(joinedload(Order.company))

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Each word finds the order number, the buyer's whole e-mail address, or contains the buyer's or
        the company's name; every branch reads an index (the company's through a subquery)."""
        for term in search.split(" ")[:5]:
            if not term:
                continue
            companies = select(Company.id).where(cast(Company.name, Unicode).ilike(parse_like_term(term)))
            found = or_(Order.number == term.upper()[:20], Order.buyer_email == term.lower()[:254],
                        contains(Order.buyer_name, term[:100]), in_subquery(Order.company_id, companies))
            query = query.filter(found)
            count_query = count_query.filter(found) if count_query is not None else None
        return query, count_query, joins, count_joins

    def render(self, template, **kwargs):
        """The details page reads the order's one workflow once, for its badge, steps and history (the
        lists read the badges of every order workflow, as ``WorkflowSubjectView`` does)."""
        model = kwargs.get("model")
        if template != self.details_template or model is None:
            return super().render(template, **kwargs)
        workflow = workflow_of(model)
        self._state_looks = {(workflow.id, s.key): (s.label, s.tone) for s in workflow.states}
        kwargs.update(self.workflow_context(workflow, model), lines=model.lines)  # lines: loaded with the order
        return super(WorkflowSubjectView, self).render(template, **kwargs)


def register(admin) -> None:
    """Add the order views to the back office."""
    admin.add_view(OrderView(Order, db, name="Orders", endpoint="orders", category="Orders"))
