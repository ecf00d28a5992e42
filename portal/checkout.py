"""Checkout: review the cart with current prices, choose addresses, place the order on account."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from edge import attempt
from models.addresses import format_address
from models.checkout import checkout_addresses, place_order, review
from models.permissions import Perm
from models.recurring import describe, set_up_recurring_order
from portal import bp
from portal.cart_session import current_cart
from security import current_actor, current_company, permission_required


class CheckoutForm(FlaskForm):
    shipping_address = SelectField("Ship to", coerce=str, validate_choice=False)
    billing_address = SelectField("Bill to", coerce=str, validate_choice=False)
    reference = StringField("Your reference (purchase order number)", validators=[Optional(), Length(max=60)])
    comment = TextAreaField("Comment for us", validators=[Optional(), Length(max=2000)])
    expected_total = HiddenField()


def _choices(addresses, address_format: str) -> list[tuple[str, str]]:
    return [(str(a.id), ", ".join(format_address(a, address_format))) for a in addresses]


def _expected(raw) -> Decimal | None:
    try:
        return Decimal(raw) if raw else None
    except InvalidOperation:
        return None


@bp.route("/checkout", methods=["GET", "POST"])
@permission_required(Perm.PURCHASE)
def checkout():
    cart, company = current_cart(), current_company()
    if cart is None or not cart.lines:
        flash("Your cart is empty: add products before checking out.", "info")
        return redirect(url_for("portal.cart"))
    seen = review(cart)
    shipping, billing = checkout_addresses(company)
    form = CheckoutForm()
    form.shipping_address.choices = _choices(shipping, company.shop.address_format)
    form.billing_address.choices = _choices(billing, company.shop.address_format)
    if form.validate_on_submit():
        with attempt(form):
            if cart.repeats:
                return _set_up(cart, form)
            order = place_order(cart, actor=current_actor(), shipping_address_id=form.shipping_address.data,
                                billing_address_id=form.billing_address.data, reference=form.reference.data,
                                comment=form.comment.data, expected_total=_expected(form.expected_total.data),
                                line_addresses=_line_addresses(cart))
            flash(f"Thank you: your order {order.number} is placed. We sent a confirmation to "
                  f"{order.buyer_email}.", "success")
            return redirect(url_for("portal.order", order_id=order.id))
        seen = review(cart)
    form.expected_total.data = str(seen.totals.gross)
    return render_template("portal/checkout.html", form=form, cart=cart, review=seen,
                           ship_to={line.id: request.form.get(f"ship_to-{line.id}", "") for line in cart.lines},
                           repeat_label=describe(cart.repeat_cadence, cart.repeat_every) if cart.repeats else "",
                           no_addresses=not shipping or not billing), 400 if form.is_submitted() else 200


def _line_addresses(cart) -> dict[int, str]:
    """The items the customer sends elsewhere (``ship_to-<line id>``); empty: the order's address."""
    return {line.id: request.form.get(f"ship_to-{line.id}", "")[:12] for line in cart.lines
            if request.form.get(f"ship_to-{line.id}")}


def _set_up(cart, form: CheckoutForm):
    recurring = set_up_recurring_order(
        cart, actor=current_actor(), shipping_address_id=form.shipping_address.data,
        billing_address_id=form.billing_address.data, reference=form.reference.data, comment=form.comment.data,
        expected_total=_expected(form.expected_total.data))
    flash(f"Recurring order {recurring.number} is set up: {recurring.cadence_label.lower()}, the first order on "
          f"{recurring.start_date:%-d %B %Y}.", "success")
    return redirect(url_for("portal.recurring_order", recurring_id=recurring.id))
