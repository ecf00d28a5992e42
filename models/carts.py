"""Carts: what a customer (or a visitor, where the shop allows) is about to order.

A signed-in customer has one cart per account; a visitor's cart lives in their
session and merges into the customer's cart when they sign in. Every cart has
a visible cart ID (``token``) a customer can read out to an agent. Lines are
added through ``add_to_cart``, which takes SKUs and quantities as people type
them (the product page, the cart's quick add, quick order rows, a CSV file):
it looks every SKU up in one statement and reports each line (added, unknown
SKU, not orderable, bad quantity) while the good lines go in.
"""
from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, delete, insert, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship, selectinload

from extensions import db
from models.actors import Actor, ActorKind
from models.base import DomainError, NotPermitted, UTCDateTime, utcnow
from models.catalog import Product, normal_sku, products_by_sku
from models.money import Amount
from models.operations import operation, part_of_operation
from models.permissions import Perm
from models.pricing import Pricing
from models.scoping import CompanyOwned
from models.shops import Shop

MAX_QUANTITY = 99_999
MAX_LINES = 1_000  # lines in one cart, and in one quick order
TOKEN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L: read out over the phone


class LineStatus(str, enum.Enum):
    ADDED = "added"
    UNKNOWN = "unknown"
    INACTIVE = "inactive"
    NOT_VISIBLE = "not_visible"
    NO_PRICE = "no_price"
    BAD_QUANTITY = "bad_quantity"
    CART_FULL = "cart_full"


@dataclass
class LineReport:
    """What became of one line someone asked to add."""

    number: int  # the row or CSV line it came from
    sku: str
    quantity_text: str
    status: LineStatus
    message: str
    product: Product | None = None
    quantity: int = 0
    unit_price: Decimal | None = None  # the customer's price at this quantity, once checked

    @property
    def ok(self) -> bool:
        return self.status is LineStatus.ADDED


class Cart(CompanyOwned, db.Model):
    """A customer's (or a visitor's) cart; ``company_id`` is empty for a visitor's."""

    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(9), unique=True)  # "K7M3-Q9TX"
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("company_users.id", ondelete="CASCADE"), unique=True)
    source: Mapped[str] = mapped_column(String(20), default="cart")  # how its first lines came: origin of the order
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id", ondelete="SET NULL"), index=True)
    # Set to repeat: checkout then sets up a recurring order (models.recurring) instead of one order.
    repeat_cadence: Mapped[str | None] = mapped_column(String(12))
    repeat_every: Mapped[int] = mapped_column(Integer, default=1)
    repeat_start: Mapped[date | None] = mapped_column(Date)
    repeat_end: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    shop: Mapped[Shop] = relationship()
    lines: Mapped[list[CartLine]] = relationship(back_populates="cart", cascade="all, delete-orphan",
                                                 order_by="CartLine.id")

    @property
    def is_guest(self) -> bool:
        return self.owner_id is None

    @property
    def repeats(self) -> bool:
        return self.repeat_cadence is not None

    def __str__(self) -> str:
        return f"Cart {self.token}"


class CartLine(db.Model):
    __tablename__ = "cart_lines"
    __table_args__ = (UniqueConstraint("cart_id", "product_id", name="uq_cart_line_product"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    quoted_price: Mapped[Decimal | None] = mapped_column(Amount)  # a quote's price, which then applies
    # a service line: the offer (service point) chosen and when (``models.services``)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("product_offers.id", ondelete="SET NULL"))
    service_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # a service for one of the company's assets: its booking joins the asset's service history
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"), index=True)

    cart: Mapped[Cart] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    asset: Mapped["Asset | None"] = relationship()  # noqa: F821


def new_token() -> str:
    raw = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def load_cart(query):
    """A cart with its lines and their products (for the cart page, checkout and totals)."""
    return db.session.scalar(query.options(
        selectinload(Cart.lines).options(joinedload(CartLine.product).joinedload(Product.product_type),
                                         joinedload(CartLine.asset)),
        joinedload(Cart.shop)))


def cart_of(user_id: int) -> Cart | None:
    """The signed-in customer's cart, if they have one."""
    return load_cart(select(Cart).where(Cart.owner_id == user_id))


def guest_cart(token: str | None) -> Cart | None:
    """A visitor's cart by the ID their session holds."""
    if not token:
        return None
    return load_cart(select(Cart).where(Cart.token == token, Cart.owner_id.is_(None))
                     .execution_options(unscoped=True))


def open_cart(user, shop: Shop) -> Cart:
    """The customer's cart, made when they first add something (a part of adding)."""
    cart = cart_of(user.id)
    if cart is None:
        cart = Cart(token=new_token(), shop_id=shop.id, shop=shop, company_id=user.company_id, owner_id=user.id)
        db.session.add(cart)
        db.session.flush()
    return cart


def new_guest_cart(shop: Shop) -> Cart:
    """A visitor's cart, in a shop that allows them."""
    if not shop.guest_carts:
        raise DomainError(f"Please sign in to order in {shop.name}.")
    cart = Cart(token=new_token(), shop_id=shop.id, shop=shop)
    db.session.add(cart)
    db.session.flush()
    return cart


def may_fill_a_cart(actor: Actor, shop: Shop | None) -> bool:
    """Whether ``actor`` may put products in a cart in ``shop``: a customer (or an agent for one) with
    Purchase, a visitor where the shop allows guest carts; not staff in the back office."""
    if actor.is_system:
        return True
    if actor.kind is ActorKind.VISITOR:
        return shop is not None and bool(shop.guest_carts)
    return actor.acts_as_customer and actor.can(Perm.PURCHASE)


def check_holder(cart: Cart, actor: Actor) -> None:
    """Only the cart's own customer (or an agent for them), or the visitor whose cart it is, changes a cart."""
    if actor.is_system:
        return
    if actor.kind is ActorKind.VISITOR:
        if not cart.is_guest or not may_fill_a_cart(actor, cart.shop):
            raise NotPermitted("Please sign in first.")
        return
    if actor.acts_as_customer and cart.owner_id == actor.customer_id:
        return
    raise NotPermitted("That cart is someone else's.")


def parse_quantity(text) -> int | None:
    """A quantity as typed: a whole number from 1 to MAX_QUANTITY, else None."""
    raw = str(text if text is not None else "").strip().replace("\u00a0", "").replace(" ", "")
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        return None
    quantity = int(raw)
    return quantity if 1 <= quantity <= MAX_QUANTITY else None


def pricing_for(cart) -> Pricing:
    """The prices this cart's (template's, quote's) customer pays (a visitor: the shop's base prices)."""
    if cart.company_id is None:
        return Pricing.for_shop(cart.shop)
    from models.companies import Company

    return Pricing.for_company(db.session.get(Company, cart.company_id))


def resolve_lines(cart, rows) -> list[LineReport]:
    """Check each (sku, quantity text) row: one statement for the products, one for their prices.

    ``cart`` is what the lines are for: a cart, or anything with a ``shop`` and a ``company_id`` (an order
    template, a quote, a recurring order)."""
    rows = list(rows)
    found = products_by_sku([sku for sku, _ in rows], cart.shop)
    reports = []
    for number, (raw_sku, raw_quantity) in enumerate(rows, start=1):
        sku, quantity = normal_sku(raw_sku), parse_quantity(raw_quantity)
        product, visible = found.get(sku, (None, False))
        report = LineReport(number, sku, str(raw_quantity if raw_quantity is not None else "").strip(),
                            LineStatus.ADDED, "added", product, quantity or 0)
        if not sku:
            report.status, report.message = LineStatus.UNKNOWN, "A line has a quantity but no SKU."
        elif product is None or (not visible and product.active):  # another shop's product reads as unknown
            report.status, report.message = LineStatus.UNKNOWN, f"{sku[:64]}: there is no product with this SKU."
        elif not visible:
            report.status, report.message = LineStatus.INACTIVE, f"{sku}: {product.name} is no longer sold."
        elif quantity is None:
            report.status = LineStatus.BAD_QUANTITY
            report.message = (f"{sku}: “{report.quantity_text[:20]}” is not a quantity; "
                              f"use a whole number from 1 to {MAX_QUANTITY:,}.")
        reports.append(report)
    _check_prices(cart, [r for r in reports if r.ok])
    return reports


def _check_prices(cart: Cart, reports: list[LineReport]) -> None:
    prices = pricing_for(cart).unit_prices({r.product.id: r.quantity for r in reports})
    for report in reports:
        report.unit_price = prices.get(report.product.id)
        if report.unit_price is None:
            report.status = LineStatus.NO_PRICE
            report.message = f"{report.sku}: {report.product.name} has no price for you yet; ask for a quote."


@part_of_operation
def put_lines(cart: Cart, reports: list[LineReport], *, replace: bool = False) -> None:
    """Add the good lines to the cart (summing quantities of a product already there), within MAX_LINES.

    Products new to the cart go in with one INSERT, whatever their number."""
    by_product = {line.product_id: line for line in cart.lines}
    new: dict[int, int] = {}  # product id -> quantity, for products not in the cart yet
    for report in (r for r in reports if r.ok):
        line, pid = by_product.get(report.product.id), report.product.id
        if line is None and pid not in new and len(by_product) + len(new) >= MAX_LINES:
            report.status = LineStatus.CART_FULL
            report.message = f"{report.sku}: a cart holds at most {MAX_LINES:,} products."
            continue
        held = line.quantity if line is not None else new.get(pid, 0)
        quantity = report.quantity if replace else held + report.quantity
        if quantity > MAX_QUANTITY:
            report.status = LineStatus.BAD_QUANTITY
            report.message = f"{report.sku}: the cart would hold {quantity:,}; at most {MAX_QUANTITY:,} of a product."
            continue
        if line is None:
            new[pid] = quantity
        else:
            line.quantity = quantity
    cart.updated_at = utcnow()
    db.session.flush()
    if new:
        db.session.execute(insert(CartLine), [{"cart_id": cart.id, "product_id": pid, "quantity": quantity}
                                              for pid, quantity in new.items()])
        db.session.expire(cart, ["lines"])


@operation(Perm.PURCHASE, on="cart", guest=True)
def add_to_cart(cart: Cart, rows, *, actor: Actor, source: str = "cart") -> list[LineReport]:
    """Add (sku, quantity text) rows to ``cart``; each row's report says what became of it."""
    check_holder(cart, actor)
    rows = list(rows)
    if len(rows) > MAX_LINES:
        raise DomainError(f"Add at most {MAX_LINES:,} lines at once; this had {len(rows):,}.")
    if not cart.lines:
        cart.source = source
    reports = resolve_lines(cart, rows)
    put_lines(cart, reports)
    return reports


def _line(cart: Cart, line_id: int) -> CartLine:
    line = next((line for line in cart.lines if line.id == line_id), None)
    if line is None:
        raise DomainError("That product is no longer in the cart.")
    return line


@operation(Perm.PURCHASE, on="cart", guest=True)
def change_quantity(cart: Cart, line_id: int, quantity_text, *, actor: Actor) -> CartLine:
    """Set a line's quantity (as typed)."""
    check_holder(cart, actor)
    line = _line(cart, line_id)
    quantity = parse_quantity(quantity_text)
    if quantity is None:
        raise DomainError(f"“{str(quantity_text)[:20]}” is not a quantity for {line.product.name}; "
                          f"use a whole number from 1 to {MAX_QUANTITY:,}.", "quantity")
    if line.quoted_price is not None and quantity != line.quantity:
        raise DomainError(f"The price of {line.product.name} is quoted for {line.quantity:,}, so its quantity "
                          "stays; empty the cart to order other quantities at today's prices.", "quantity")
    line.quantity = quantity
    cart.updated_at = utcnow()
    return line


@operation(Perm.PURCHASE, on="cart", guest=True)
def remove_line(cart: Cart, line_id: int, *, actor: Actor) -> Product:
    """Take a product out of the cart."""
    check_holder(cart, actor)
    line = _line(cart, line_id)
    if line.quoted_price is not None:
        raise DomainError(f"{line.product.name} is part of a quote, whose products are ordered together; empty "
                          "the cart to take the quote out (you can put it back from Quotes while it is valid).")
    cart.lines.remove(line)
    cart.updated_at = utcnow()
    return line.product


@operation(Perm.PURCHASE, on="cart", guest=True)
def empty_cart(cart: Cart, *, actor: Actor) -> None:
    """Take every product out of the cart."""
    check_holder(cart, actor)
    db.session.execute(delete(CartLine).where(CartLine.cart_id == cart.id))
    db.session.expire(cart, ["lines"])
    cart.source, cart.quote_id, cart.repeat_cadence = "cart", None, None


@operation(Perm.PURCHASE, on="cart")
def merge_guest_cart(cart: Cart, guest: Cart, *, actor: Actor) -> int:
    """Move a visitor's cart into the customer's own cart when they sign in; how many lines moved."""
    check_holder(cart, actor)
    if not guest.is_guest:
        raise NotPermitted("That cart is someone else's.")
    reports = resolve_lines(cart, [(line.product.sku, line.quantity) for line in guest.lines])
    put_lines(cart, reports)
    db.session.delete(guest)
    db.session.flush()
    return sum(1 for r in reports if r.ok)
