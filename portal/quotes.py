"""Quotes in the portal: the list, a quote's page with its steps, and asking for one.

A quote is asked for from the cart (``portal.request_quote``: the cart's products move into the request) or
from a quick order's rows or file (``portal.quick_order``, each line reported). Its page offers the steps the
``quote`` workflow gives its requester (accept, decline, withdraw) and, for an accepted quote still valid,
"Put in cart again". Who sees which quotes follows the orders triad (``models.scopes``); only the person who
asked moves a quote (the workflow's guards say so to anyone else).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from edge import attempt
from models.permissions import Perm
from models.quotes import (
    Quote,
    load_quote,
    quote_list,
    quote_to_cart,
    request_quote,
    today,
)
from models.scopes import visible
from models.workflow_engine import available_transitions, get_workflow, history_of, transition, workflow_of
from paging import keyset_page
from portal import bp
from portal.cart_session import current_cart
from portal.people_forms import ConfirmForm
from security import MAX_ID, can, current_actor, permission_required

PER_PAGE = 25
CUSTOMER_STEPS = ("accept", "decline", "withdraw")  # the steps the requester takes on the quote's page
DONE = {"accept": "Quote {number} is accepted: its products are in your cart at the quoted prices.",
        "decline": "You declined quote {number}.",
        "withdraw": "You withdrew your request {number}."}


class QuoteRequestForm(FlaskForm):
    """Ask for prices for the cart's products; the message is checked by ``request_quote``."""

    comment = TextAreaField("Message for us (optional)")


def _scope_label() -> str:
    if can(Perm.VIEW_COMPANY_ORDERS):
        return "your company's quotes"
    if can(Perm.VIEW_BUSINESS_UNIT_ORDERS):
        return "your quotes and those of your business unit"
    return "your quotes"


@bp.route("/quotes")
@permission_required(Perm.MANAGE_OWN_QUOTES)
def quotes():
    workflow = get_workflow("quote")
    state = (request.args.get("state") or "")[:40]
    state = state if workflow.state(state) is not None else ""
    search = (request.args.get("q") or "").strip()[:20]
    page = keyset_page(quote_list(current_actor(), state, search), Quote, PER_PAGE, at="requested_at")
    args = {key: value for key, value in (("q", search), ("state", state)) if value}
    return render_template("portal/quotes/list.html", page=page, workflow=workflow, args=args, search=search,
                           state=state, scope=_scope_label())


def _quote(quote_id: int) -> Quote:
    """A quote the actor may see, with its lines; any other id (another company's) is a 404."""
    if quote_id > MAX_ID:
        abort(404)
    quote = load_quote(visible(Quote, current_actor()).where(Quote.id == quote_id))
    if quote is None:
        abort(404)
    return quote


@bp.route("/quotes/<int:quote_id>")
@permission_required(Perm.MANAGE_OWN_QUOTES)
def quote(quote_id: int):
    quote, actor = _quote(quote_id), current_actor()
    mine, expired = quote.owner_id == actor.customer_id, quote.expired_on(today())
    moves = [t for t in available_transitions(quote, actor=actor) if t.key in CUSTOMER_STEPS] if mine else []
    if expired:  # the date has passed, though the nightly job may not have run yet
        moves = [t for t in moves if t.key != "accept"]
    return render_template("portal/quotes/details.html", quote=quote, workflow=workflow_of(quote),
                           history=history_of(quote), moves=moves, mine=mine, expired=expired,
                           again=mine and quote.state == "accepted" and not expired)


@bp.route("/quotes/<int:quote_id>/move", methods=["POST"])
@permission_required(Perm.MANAGE_OWN_QUOTES)
def quote_move(quote_id: int):
    quote = _quote(quote_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with attempt():
        move = transition(quote, (request.form.get("step") or "")[:40], actor=current_actor(),
                          expected_state=(request.form.get("expected_state") or "")[:40] or None)
        flash(DONE[move.key].format(number=quote.number) if move.key in DONE else quote.move_summary(move),
              "success")
        if move.key == "accept":
            return redirect(url_for("portal.cart"))
    return redirect(url_for("portal.quote", quote_id=quote.id))


@bp.route("/quotes/<int:quote_id>/cart", methods=["POST"], endpoint="quote_to_cart")
@permission_required(Perm.MANAGE_OWN_QUOTES)
def quote_into_cart(quote_id: int):
    quote = _quote(quote_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with attempt():
        quote_to_cart(quote, actor=current_actor())
        flash(f"The products of quote {quote.number} are in your cart at the quoted prices.", "success")
        return redirect(url_for("portal.cart"))
    return redirect(url_for("portal.quote", quote_id=quote.id))


@bp.route("/cart/quote", methods=["POST"], endpoint="request_quote")
@permission_required(Perm.MANAGE_OWN_QUOTES)
def quote_from_cart():
    form = QuoteRequestForm()
    if not form.validate_on_submit():
        flash("The form could not be read; try again.", "danger")
        return redirect(url_for("portal.cart"))
    with attempt():
        quote = request_quote(current_cart(create=True), actor=current_actor(), comment=form.comment.data or "")
        flash(f"Quote {quote.number} is requested: we answer with prices soon, and mail you when we do.",
              "success")
        return redirect(url_for("portal.quote", quote_id=quote.id))
    return redirect(url_for("portal.cart"))
