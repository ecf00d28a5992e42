"""The cart: add (from the catalog, a product page or the cart's quick add), change quantities, remove, empty.

Who orders: a company user holding ``Perm.PURCHASE`` (or an agent acting for
one), and a visitor of a shop that allows guest carts (``Shop.guest_carts``);
their cart joins the customer's cart when they sign in (``portal.cart_session``).
Other visitors are sent to sign in; staff use the back office (403).
``ordering_required`` says so for the cart and quick order pages.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional

from edge import attempt
from extensions import db
from models.actors import ActorKind
from models.base import utcnow
from models.carts import (
    MAX_QUANTITY,
    Cart,
    CartLine,
    add_to_cart,
    change_quantity,
    empty_cart,
    may_fill_a_cart,
    remove_line,
)
from models.catalog import Product
from models.checkout import review
from models.permissions import Perm
from models.pricing import Pricing
from models.recurring import CADENCE_LABELS, describe
from models.services import ProductOffer, set_line_service
from portal import bp
from portal.cart_session import current_cart
from portal.people_forms import ConfirmForm
from portal.services import read_service_time
from portal.signup import current_shop
from security import MAX_ID, can, current_actor, current_company, is_local_path

# --- who orders ---------------------------------------------------------------------


def is_visitor() -> bool:
    return current_actor().kind is ActorKind.VISITOR


def guest_shop() -> bool:
    """A visitor in a shop that lets visitors fill a cart."""
    return is_visitor() and may_fill_a_cart(current_actor(), current_shop())


def may_order() -> bool:
    """Whether this person may put products in a cart (the catalog shows its add forms then)."""
    return may_fill_a_cart(current_actor(), current_shop())


def current_pricing() -> Pricing | None:
    """The prices this person sees: a customer their own, a guest-cart visitor the shop's; others none."""
    if current_actor().acts_as_customer:
        return Pricing.for_company(current_company())
    if guest_shop():
        return Pricing.for_shop(current_shop())
    return None


def sign_in_url() -> str:
    """The sign-in page, coming back here afterwards (a POST comes back to the page it was sent from)."""
    if request.method == "GET":
        here = request.full_path.rstrip("?")
    else:
        here = back_to("portal.cart")
    return url_for("portal.login", next=here)


def ordering_required(view):
    """Ordering pages: customers with Purchase, visitors of guest-cart shops; other visitors sign in first."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        actor = current_actor()
        if actor.kind is ActorKind.VISITOR:
            if not guest_shop():
                shop = current_shop()
                flash(f"Please sign in to order{' in ' + shop.name if shop else ''}.", "info")
                return redirect(sign_in_url())
        elif not actor.acts_as_customer:
            abort(403, description="This page is for company users. Staff use the back office.")
        elif not can(Perm.PURCHASE):
            abort(403, description="Your roles do not allow ordering.")
        return view(*args, **kwargs)

    wrapper.required_permission = Perm.PURCHASE  # for the permission walk; visitors: see above
    return wrapper


def back_to(default_endpoint: str) -> str:
    """The local page a form asks to return to (``next``), else ``default_endpoint``."""
    target = request.form.get("next") or request.args.get("next") or ""
    return target if is_local_path(target) else url_for(default_endpoint)


# --- forms --------------------------------------------------------------------------

TOO_LONG_SKU = "That is not a SKU: a SKU has at most 64 characters."
NOT_A_QUANTITY = f"That is not a quantity; use a whole number from 1 to {MAX_QUANTITY:,}."


class AddForm(FlaskForm):
    """One product into the cart: by SKU (quick add) or by product id (catalog, product page)."""

    sku = StringField("SKU", validators=[Optional(), Length(max=100, message=TOO_LONG_SKU)])
    product_id = HiddenField()
    quantity = StringField("Quantity", validators=[Optional(), Length(max=20, message=NOT_A_QUANTITY)])
    next = HiddenField()


class QuantityForm(FlaskForm):
    quantity = StringField("Quantity", validators=[Length(max=20, message=NOT_A_QUANTITY)])


def form_errors(form) -> str:
    return " ".join(message for messages in form.errors.values() for message in messages)


def sku_of(product_id) -> str | None:
    """The SKU of a product named by id (add_to_cart then checks that this shop shows it)."""
    raw = str(product_id or "").strip()
    if not raw.isdigit() or int(raw) > MAX_ID:
        return None
    return db.session.scalar(select(Product.sku).where(Product.id == int(raw)))


def _line_or_404(line_id: int) -> tuple[Cart, CartLine]:
    """A line of this request's own cart; any other id (another cart's, another company's) is a 404."""
    cart = current_cart()
    line = next((line for line in cart.lines if line.id == line_id), None) if cart is not None else None
    if line is None:
        abort(404)
    return cart, line


# --- pages --------------------------------------------------------------------------


@bp.route("/cart")
@ordering_required
def cart():
    cart = current_cart()
    seen = review(cart) if cart is not None and cart.lines else None
    return render_template("portal/catalog/cart.html", cart=cart, review=seen,
                           max_quantity=MAX_QUANTITY, visitor=is_visitor(), cadences=CADENCE_LABELS,
                           repeat_label=describe(cart.repeat_cadence, cart.repeat_every) if cart and cart.repeats else "",
                           today_iso=utcnow().date().isoformat())


@bp.route("/cart/add", methods=["POST"])
@ordering_required
def cart_add():
    form, back = AddForm(), back_to("portal.cart")
    if not form.validate_on_submit():
        flash(form_errors(form) or "The form could not be read; try again.", "danger")
        return redirect(back)
    sku = (form.sku.data or "").strip() or sku_of(form.product_id.data)
    if not sku:
        flash("Enter the SKU of the product to add." if not form.product_id.data
              else "That product is not in the catalog.", "danger")
        return redirect(back)
    with attempt():
        report = add_to_cart(current_cart(create=True), [(sku, form.quantity.data)], actor=current_actor())[0]
        if report.ok:
            flash(f"Added {report.quantity:,} × {report.product.name} ({report.sku}) to your cart.", "success")
        else:
            flash(report.message, "danger")
    return redirect(back)


@bp.route("/cart/lines/<int:line_id>", methods=["POST"])
@ordering_required
def cart_line(line_id: int):
    cart, line = _line_or_404(line_id)
    form = QuantityForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "danger")
        return redirect(url_for("portal.cart"))
    with attempt():
        change_quantity(cart, line.id, form.quantity.data, actor=current_actor())
        flash(f"{line.product.name}: the quantity is now {line.quantity:,}.", "success")
    return redirect(url_for("portal.cart"))


@bp.route("/cart/lines/<int:line_id>/remove", methods=["POST"])
@ordering_required
def cart_line_remove(line_id: int):
    cart, line = _line_or_404(line_id)
    if ConfirmForm().validate_on_submit():
        with attempt():
            product = remove_line(cart, line.id, actor=current_actor())
            flash(f"{product.name} is out of your cart.", "success")
    return redirect(url_for("portal.cart"))


@bp.route("/cart/empty", methods=["POST"])
@ordering_required
def cart_empty():
    cart = current_cart()
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("portal.cart"))
    if cart is None or not cart.lines:
        flash("Your cart is empty already.", "info")
        return redirect(url_for("portal.cart"))
    with attempt():
        empty_cart(cart, actor=current_actor())
        flash("Your cart is empty now.", "success")
    return redirect(url_for("portal.cart"))


@bp.route("/cart/lines/<int:line_id>/service", methods=["POST"])
@ordering_required
def cart_line_service(line_id: int):
    """Choose the service point (an offer) and, where the product asks, the time of a service line (UTC)."""
    cart, line = _line_or_404(line_id)
    if not ConfirmForm().validate_on_submit():
        flash("The form could not be read; try again.", "danger")
        return redirect(url_for("portal.cart"))
    try:
        when = read_service_time(request.form.get("service_at"))
    except ValueError as error:
        flash(f"{line.product.name}: {error}", "danger")
        return redirect(url_for("portal.cart"))
    with attempt():
        set_line_service(cart, line.id, actor=current_actor(), offer_id=(request.form.get("offer_id") or "")[:20],
                         service_at=when)
        point = db.session.get(ProductOffer, line.offer_id).service_point.name  # loaded by the operation
        when = f" on {line.service_at:%d %b %Y at %H:%M} UTC" if line.service_at else ""
        flash(f"{line.product.name}: {point}{when}. It is booked when you place the order.", "success")
    return redirect(url_for("portal.cart"))
