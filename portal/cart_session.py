"""Which cart a request works on: the signed-in customer's (or, for an agent, their customer's), or the
visitor's, whose ID the session holds. A visitor's cart joins the customer's cart when they sign in."""
from __future__ import annotations

from flask import flash, session
from flask_login import user_logged_in

from extensions import db
from models.actors import Actor
from models.carts import Cart, cart_of, guest_cart, merge_guest_cart, new_guest_cart, open_cart
from models.permissions import Perm
from models.users import CompanyUser
from portal import bp
from portal.signup import current_shop
from security import current_actor, current_company

GUEST_CART_KEY = "guest_cart"


def current_cart(create: bool = False) -> Cart | None:
    """This request's cart; made on the first addition (``create``), never on a page view."""
    actor = current_actor()
    if actor.acts_as_customer:
        cart = cart_of(actor.customer_id)
        if cart is None and create:
            cart = open_cart(_customer(actor), current_company().shop)
        return cart
    cart = guest_cart(session.get(GUEST_CART_KEY))
    if cart is None and create:
        cart = new_guest_cart(current_shop())
        session[GUEST_CART_KEY] = cart.token
    return cart


def _customer(actor: Actor) -> CompanyUser:
    return db.session.get(CompanyUser, actor.customer_id)


@bp.record_once
def _connect(state) -> None:
    user_logged_in.connect(_merge_on_sign_in, state.app)


def _merge_on_sign_in(sender, user, **extra) -> None:
    """The visitor's cart joins the customer's cart (their lines added to what it holds)."""
    token = session.pop(GUEST_CART_KEY, None)
    if not isinstance(user, CompanyUser) or not token:
        return
    guest = guest_cart(token)
    if guest is None or not guest.lines:
        return
    actor = Actor.for_company_user(user)
    if not actor.can(Perm.PURCHASE):
        return
    moved = merge_guest_cart(open_cart(user, user.company.shop), guest, actor=actor)
    if moved:
        flash(f"The {moved} product(s) you picked before signing in are in your cart.", "info")
