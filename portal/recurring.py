"""Recurring orders: set the cart to repeat, then list, look at, pause, resume, cancel and review them.

The cart page sets the cart to repeat (``cart_repeat``); checkout then sets up
the recurring order (``portal.checkout``). Everyone sees the recurring orders
the orders triad lets them see; only the person who set one up changes it.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import Optional

from edge import attempt
from extensions import db
from models.orders import Order
from models.permissions import Perm
from models.recurring import (
    CADENCE_LABELS,
    MAX_WEEKS,
    STATE_LABELS,
    STATE_TONES,
    RecurringOrder,
    accept_review,
    cancel_recurring,
    clear_cart_repeat,
    load_recurring,
    pause_recurring,
    recurring_of,
    resume_recurring,
    set_cart_repeat,
)
from paging import paginate
from portal import bp
from portal.cart_session import current_cart
from portal.people_forms import ConfirmForm
from security import MAX_ID, current_actor, permission_required

PER_PAGE = 25
RECENT_ORDERS = 10


class RepeatForm(FlaskForm):
    cadence = SelectField("How often", choices=list(CADENCE_LABELS.items()), validate_choice=False)
    every = IntegerField(f"Every how many weeks (2 to {MAX_WEEKS})", validators=[Optional()], default=2)
    start = DateField("First order on", validators=[Optional()])
    end = DateField("Last order on (optional)", validators=[Optional()])


@bp.route("/cart/repeat", methods=["POST"])
@permission_required(Perm.PURCHASE)
def cart_repeat():
    form, cart = RepeatForm(), current_cart()
    if cart is None or not cart.lines:
        flash("Your cart is empty: add products before setting it to repeat.", "warning")
        return redirect(url_for("portal.cart"))
    if not form.validate_on_submit():
        flash(_form_problem(form), "warning")
        return redirect(url_for("portal.cart"))
    with attempt():
        set_cart_repeat(cart, actor=current_actor(), cadence=form.cadence.data, every=form.every.data,
                        start=form.start.data, end=form.end.data)
        flash("Your cart is set to repeat: check out to set up the recurring order.", "success")
        return redirect(url_for("portal.checkout"))
    return redirect(url_for("portal.cart"))


def _form_problem(form: FlaskForm) -> str:
    labels = {"start": "The first order date", "end": "The last order date", "every": "The number of weeks"}
    for name in form.errors:
        if name in labels:
            return f"{labels[name]} is not valid: pick a date, or type a whole number of weeks."
    return "The form expired; please try again."


@bp.route("/cart/repeat/clear", methods=["POST"])
@permission_required(Perm.PURCHASE)
def cart_repeat_clear():
    cart = current_cart()
    if cart is not None and ConfirmForm().validate_on_submit():
        with attempt():
            clear_cart_repeat(cart, actor=current_actor())
            flash("Your cart is a one-time order again.", "success")
    return redirect(url_for("portal.cart"))


@bp.route("/recurring-orders")
@permission_required(Perm.PURCHASE)
def recurring_orders():
    state = request.args.get("state") or ""
    query = recurring_of(current_actor())
    if state in STATE_LABELS:
        query = query.where(RecurringOrder.state == state)
    else:
        state = ""
    page = paginate(query, PER_PAGE)
    return render_template("portal/recurring/list.html", page=page, state=state, states=STATE_LABELS,
                           tones=STATE_TONES)


def _recurring(recurring_id: int) -> RecurringOrder:
    if recurring_id > MAX_ID:
        abort(404)
    found = load_recurring(recurring_of(current_actor()).where(RecurringOrder.id == recurring_id))
    if found is None:
        abort(404)
    return found


@bp.route("/recurring-orders/<int:recurring_id>")
@permission_required(Perm.PURCHASE)
def recurring_order(recurring_id: int):
    recurring = _recurring(recurring_id)
    orders = db.session.scalars(select(Order).where(Order.recurring_order_id == recurring.id)
                                .order_by(Order.placed_at.desc(), Order.id.desc()).limit(RECENT_ORDERS)).all()
    return render_template("portal/recurring/details.html", recurring=recurring, orders=orders,
                           tones=STATE_TONES, mine=recurring.owner_id == current_actor().customer_id,
                           confirm=ConfirmForm())


STEPS = {
    "pause": (pause_recurring, "{} is paused: it places no orders until you resume it."),
    "resume": (resume_recurring, "{} is active again."),
    "cancel": (cancel_recurring, "{} is cancelled: it places no more orders."),
}


def _step(recurring_id: int, step: str):
    recurring = _recurring(recurring_id)
    if ConfirmForm().validate_on_submit():
        func, message = STEPS[step]
        with attempt():
            func(recurring, actor=current_actor())
            flash(message.format(recurring.number), "success")
    return redirect(url_for("portal.recurring_order", recurring_id=recurring.id))


@bp.route("/recurring-orders/<int:recurring_id>/pause", methods=["POST"])
@permission_required(Perm.PURCHASE)
def recurring_pause(recurring_id: int):
    return _step(recurring_id, "pause")


@bp.route("/recurring-orders/<int:recurring_id>/resume", methods=["POST"])
@permission_required(Perm.PURCHASE)
def recurring_resume(recurring_id: int):
    return _step(recurring_id, "resume")


@bp.route("/recurring-orders/<int:recurring_id>/cancel", methods=["POST"])
@permission_required(Perm.PURCHASE)
def recurring_cancel(recurring_id: int):
    return _step(recurring_id, "cancel")


@bp.route("/recurring-orders/<int:recurring_id>/review", methods=["POST"])
@permission_required(Perm.PURCHASE)
def recurring_review(recurring_id: int):
    recurring = _recurring(recurring_id)
    if ConfirmForm().validate_on_submit():
        with attempt():
            notes = accept_review(recurring, actor=current_actor())
            flash(" ".join([*notes, f"{recurring.number} orders again from {recurring.next_run:%-d %B %Y}."])
                  if recurring.next_run else f"{recurring.number} has no more order dates.", "success")
    return redirect(url_for("portal.recurring_order", recurring_id=recurring.id))
