"""Quotes in the back office: the worklist, a quote's page with the answer form and the other steps.

The list is newest first and pages by previous / next (no count of every quote). Its search reads indexes
only: the quote number ("Q-00042", "q42" or "42"), the buyer's whole e-mail address, the company's name.
The details page shows the lines and, while the quote waits for an answer, a form with a price per line
(written as the quote's shop writes amounts), the last day they hold and a note: ``answer_quote`` checks
them and sends the offer, with the state the page showed (of two clerks the second is told it is answered).
The workflow's other steps (declining to offer, with a reason) come from ``WorkflowSubjectView``.
"""
from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy import false, or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import HiddenField, StringField, TextAreaField

from backoffice.filters import ValueInFilter, in_subquery, live_options, shop_choices
from backoffice.orders import amount_column, buyer_column, company_link_column, number_link_column, text_lines_column
from backoffice.pages import form_id
from backoffice.workflow import WorkflowSubjectView, state_badge, state_choices
from edge import attempt
from extensions import db
from models.companies import Company
from models.money import example
from models.orders import ORIGIN_LABELS
from models.permissions import StaffPerm
from models.quotes import LONGEST_VALIDITY_DAYS, Quote, answer_quote, id_from_number, today
from models.search import contains
from models.workflow_engine import workflow_of
from security import MAX_ID, current_actor, load_or_404

SUGGESTED_VALIDITY = timedelta(days=30)  # what the answer form proposes as the last day
LONGEST_VALIDITY = timedelta(days=LONGEST_VALIDITY_DAYS)


class AnswerForm(FlaskForm):
    """The offer: a price per line (fields ``price-<line id>``, added per quote), the last day, a note."""

    valid_until = StringField("Valid until (the last day the prices hold)")
    answer = TextAreaField("Note for the customer (optional; it goes into the mail)")
    state = HiddenField()


def answer_form(quote: Quote) -> AnswerForm:
    """The answer form of ``quote``, read from the request when it was posted."""

    class QuoteAnswerForm(AnswerForm):
        pass

    for line in quote.lines:
        setattr(QuoteAnswerForm, f"price-{line.id}", StringField(f"Price of {line.sku} per unit"))
    return QuoteAnswerForm(valid_until=(today() + SUGGESTED_VALIDITY).isoformat(), state=quote.state)


def _order_link(view, context, model, name):
    if model.order_id is None:
        return "—"
    return Markup(f'<a href="{escape(url_for("orders.details_view", id=model.order_id))}">Open the order</a>')


def _day(view, context, model, name):
    value = getattr(model, name)
    return value.isoformat() if value else "—"


def _moment(view, context, model, name):
    value = getattr(model, name)
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _companies_named(text: str):
    return select(Company.id).where(contains(Company.name, text[:100]))


class QuoteView(WorkflowSubjectView):
    """Every company's quotes, newest first; the details page answers a request or declines to offer."""

    required_permission = StaffPerm.MANAGE_ORDERS
    can_create = can_edit = can_delete = False  # quotes are asked for in the portal; they move by steps
    details_template = "backoffice/quotes/details.html"
    simple_list_pager = True  # previous / next: no count of every quote on each page
    named_filter_urls = True
    column_list = ("requested_at", "number", "company", "buyer_name", "state", "valid_until", "net_total")
    column_labels = {"requested_at": "Requested", "number": "Quote number", "buyer_name": "Buyer",
                     "buyer_email": "Buyer e-mail", "company.name": "Company", "net_total": "Net total",
                     "valid_until": "Valid until", "comment": "Customer's message", "answer": "Our note",
                     "answered_at": "Answered", "source": "Asked from", "order_id": "Order"}
    column_searchable_list = ("buyer_email", "company.name")  # and the quote number: see _apply_search
    column_filters = (
        FilterEqual(Quote.state, "State", options=live_options(lambda: state_choices(Quote.subject_type))),
        IntEqualFilter(Quote.shop_id, "Shop", options=live_options(shop_choices)),
        ValueInFilter(Quote.company_id, "Company", _companies_named),
        IntEqualFilter(Quote.company_id, "Company id"),
    )
    column_sortable_list = ("requested_at",)
    column_default_sort = [("requested_at", True), ("id", True)]
    column_formatters = {"number": number_link_column, "company": company_link_column, "buyer_name": buyer_column,
                         "net_total": amount_column, "state": state_badge, "valid_until": _day}
    column_details_list = ("number", "state", "requested_at", "company", "buyer_name", "shop", "source",
                           "comment", "valid_until", "net_total", "answer", "answered_at", "order_id")
    column_formatters_detail = {
        "state": state_badge, "company": company_link_column, "buyer_name": buyer_column, "net_total": amount_column,
        "comment": text_lines_column, "answer": text_lines_column, "order_id": _order_link, "valid_until": _day,
        "answered_at": _moment,
        "source": lambda v, c, m, n: ORIGIN_LABELS.get(m.source, m.source),
    }
    # the company, the shop and the lines with the quote
    one_loads = (joinedload(Quote.company), joinedload(Quote.shop), selectinload(Quote.lines))

    def get_query(self):
        return super().get_query().options(joinedload(Quote.company))

    def search_placeholder(self) -> str:
        return "Search quote number, buyer e-mail, company"

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Each word finds the quote number, the buyer's whole e-mail address, or part of the company's name."""
        for term in search.split(" ")[:5]:
            if not term:
                continue
            quote_id = id_from_number(term)
            companies = select(Company.id).where(contains(Company.name, term[:100]))
            found = or_(Quote.id == quote_id if quote_id is not None and quote_id <= MAX_ID else false(),
                        Quote.buyer_email == term.lower()[:254], in_subquery(Quote.company_id, companies))
            query = query.filter(found)
            count_query = count_query.filter(found) if count_query is not None else None
        return query, count_query, joins, count_joins

    def workflow_context(self, workflow, model) -> dict:
        """The steps of the workflow panel, but the answer: it is the form with the prices."""
        context = super().workflow_context(workflow, model)
        context["answerable"] = any(t.key == "answer" for t in context["transitions"])
        context["transitions"] = [t for t in context["transitions"] if t.key != "answer"]
        return context

    def render(self, template, **kwargs):
        """The details page reads the quote's workflow once, for its badge, steps and history."""
        model = kwargs.get("model")
        if template != self.details_template or model is None:
            return super().render(template, **kwargs)
        workflow = workflow_of(model)
        self._state_looks = {(workflow.id, s.key): (s.label, s.tone) for s in workflow.states}
        kwargs.update(self.workflow_context(workflow, model), lines=model.lines,
                      amount_example=example(model.shop.locale), shop_name=model.shop.name,
                      first_day=today().isoformat(), last_day=(today() + LONGEST_VALIDITY).isoformat())
        if kwargs["answerable"] and "answer_form" not in kwargs:
            kwargs["answer_form"] = answer_form(model)
        return super(WorkflowSubjectView, self).render(template, **kwargs)

    @expose("/answer/", methods=("POST",))
    def answer_view(self):
        """Send the offer; a refusal shows beside its field (or above the form) and nothing changes."""
        quote = load_or_404(Quote, form_id(), *self.one_loads)
        form = answer_form(quote)
        if form.validate_on_submit():
            with attempt(form):
                answer_quote(quote, actor=current_actor(), valid_until=form.valid_until.data,
                             prices={line.id: form[f"price-{line.id}"].data for line in quote.lines},
                             answer=form.answer.data or "", expected_state=form.state.data or None)
                flash(f"Quote {quote.number} is answered: {quote.buyer_name} gets the offer by mail.", "success")
                return redirect(url_for(".details_view", id=quote.id))
        else:
            flash("The form could not be read (it may have been open too long); try again.", "error")
        model = self.get_one(str(quote.id))  # as it is now: the refused answer changed nothing
        return self.render(self.details_template, model=model, details_columns=self._details_columns,
                           get_value=self.get_detail_value, return_url=self.get_url(".index_view"),
                           answer_form=form), 400


def register(admin) -> None:
    """Add the quotes worklist to the back office, beside the orders."""
    admin.add_view(QuoteView(Quote, db, name="Quotes", endpoint="quotes", category="Orders"))
