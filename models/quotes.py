"""Quotes: a customer asks for prices, staff answer with prices and a validity date.

A quote request is made from the cart (its products move into the request) or
from quick order lines. Its states are the ``quote`` workflow: waiting for an
answer, answered, accepted, ordered, declined, not offered, expired, withdrawn.
Staff answer with a price per line and a "valid until" date
(``answer_quote``); the requester accepts (the quote's lines go into their cart
at the quoted prices, see ``models.checkout``) or declines. A quote past its
date cannot be accepted or ordered, and ``expire_quotes`` records that.

Quotes and recurring orders do not mix: a cart that is set to repeat cannot
take a quote, and a cart holding a quote cannot be set to repeat.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, false, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from extensions import db
from models.actors import SYSTEM, Actor
from models.audit import record
from models.base import DomainError, NotPermitted, UTCDateTime, utcnow
from models.carts import MAX_LINES, Cart, CartLine, LineStatus, check_holder, open_cart, resolve_lines
from models.catalog import Product
from models.money import Amount, Money, parse_amount
from models.operations import operation
from models.orders import Origin
from models.permissions import Perm, StaffPerm
from models.scopes import Owned, visible
from models.shops import Shop
from models.workflow_engine import start, transition, transition_all
from models.workflows import WorkflowSubject, guard, side_effect

COMMENT_LENGTH = 2000
LONGEST_VALIDITY_DAYS = 366
EXPIRE_BATCH = 500  # quotes a run of expire_quotes moves; the next run takes the rest


class Quote(Owned, WorkflowSubject, db.Model):
    __tablename__ = "quotes"
    __table_args__ = (Index("ix_quotes_company_requested", "company_id", "requested_at", "id"),
                      Index("ix_quotes_state_requested", "state", "requested_at", "id"),
                      Index("ix_quotes_state_valid", "state", "valid_until"))
    scope = "orders"  # who sees a quote is who sees the orders it would become
    subject_type = "quote"
    default_workflow = "quote"
    subject_noun = "quote"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    state: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20), default=Origin.CART.value)
    buyer_name: Mapped[str] = mapped_column(String(170))
    buyer_email: Mapped[str] = mapped_column(String(254), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    comment: Mapped[str] = mapped_column(Text, default="")  # the customer's request
    answer: Mapped[str] = mapped_column(Text, default="")  # staff's note with the prices
    valid_until: Mapped[date | None] = mapped_column(Date)
    net_total: Mapped[Decimal | None] = mapped_column(Amount)  # once answered
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))

    shop: Mapped[Shop] = relationship()
    company: Mapped["Company"] = relationship()  # noqa: F821
    lines: Mapped[list[QuoteLine]] = relationship(back_populates="quote", cascade="all, delete-orphan",
                                                  order_by="QuoteLine.position")

    @property
    def number(self) -> str:
        return quote_number(self.id)

    def money(self, amount: Decimal | None) -> Money | None:
        return None if amount is None else Money(amount, self.currency)

    def contact_emails(self) -> list[str]:
        return [self.buyer_email] if self.buyer_email else []

    def expired_on(self, today: date) -> bool:
        return self.valid_until is not None and today > self.valid_until

    def __str__(self) -> str:
        return f"Quote {self.number}"


class QuoteLine(db.Model):
    __tablename__ = "quote_lines"
    __table_args__ = (Index("ix_quote_lines_quote", "quote_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    list_price: Mapped[Decimal | None] = mapped_column(Amount)  # the customer's price when they asked
    quoted_price: Mapped[Decimal | None] = mapped_column(Amount)  # staff's answer, per unit

    quote: Mapped[Quote] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()


def quote_number(quote_id: int) -> str:
    return f"Q-{quote_id:05d}"


def id_from_number(text: str) -> int | None:
    """42 for "Q-00042", "q-42" or "42"; None if it is not a quote number."""
    raw = (text or "").strip().upper().removeprefix("Q-").removeprefix("Q")
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


def quote_list(actor: Actor, state: str = "", search: str = ""):
    """The quotes ``actor`` may see, newest first: in ``state`` if given, the one numbered ``search`` if given."""
    query = visible(Quote, actor).order_by(Quote.requested_at.desc(), Quote.id.desc())
    if state:
        query = query.where(Quote.state == state)
    if search:
        quote_id = id_from_number(search)
        query = query.where(Quote.id == quote_id if quote_id is not None else false())  # at most 9 digits
    return query


def load_quote(query) -> Quote | None:
    return db.session.scalar(query.options(selectinload(Quote.lines), selectinload(Quote.workflow)))


def today() -> date:
    return utcnow().date()


def _new_quote(actor: Actor, company, source: str, comment: str) -> Quote:
    from models.users import CompanyUser

    if not actor.acts_as_customer:
        raise NotPermitted("A quote is asked for by a customer.")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_LENGTH:
        raise DomainError(f"The message has at most {COMMENT_LENGTH:,} characters.", "comment")
    buyer = db.session.get(CompanyUser, actor.customer_id)
    quote = Quote(shop_id=company.shop_id, shop=company.shop, company_id=company.id,
                  business_unit_id=buyer.business_unit_id, owner_id=buyer.id, buyer_name=buyer.full_name,
                  buyer_email=buyer.email, currency=company.currency, source=source, comment=comment)
    start(quote)
    return quote


def _record_request(quote: Quote, actor: Actor) -> Quote:
    quote.line_count = len(quote.lines)
    db.session.add(quote)
    db.session.flush()
    record(actor, "quote.requested", company_id=quote.company_id, target=quote, number=quote.number,
           lines=quote.line_count)
    return quote


@operation(Perm.MANAGE_OWN_QUOTES, on="cart")
def request_quote(cart: Cart, *, actor: Actor, comment: str = "") -> Quote:
    """Ask for prices for the cart's products; they move from the cart into the request."""
    check_holder(cart, actor)
    if cart.repeats:
        raise DomainError("Your cart is set to repeat as a recurring order, and quotes and recurring orders do "
                          "not mix: make it a one-time order first.")
    if cart.quote_id is not None:
        raise DomainError("Your cart holds a quote already: order it, or empty the cart, first.")
    if not cart.lines:
        raise DomainError("Your cart is empty: add the products you want prices for first.")
    from models.companies import Company

    quote = _new_quote(actor, db.session.get(Company, cart.company_id), Origin.CART.value, comment)
    quote.lines = [QuoteLine(position=i, product_id=line.product_id, product=line.product, sku=line.product.sku,
                             name=line.product.name, quantity=line.quantity) for i, line in enumerate(cart.lines)]
    _set_list_prices(quote)
    cart.lines.clear()
    cart.source = Origin.CART.value
    return _record_request(quote, actor)


@operation(Perm.MANAGE_OWN_QUOTES, on="company")
def request_quote_for_lines(company, rows, *, actor: Actor, comment: str = ""):
    """Ask for prices for quick order lines (sku, quantity text) as a customer of ``company``; returns the
    quote (None when no line was good) and a report per line. Products without a price yet are welcome."""
    if not actor.acts_as_customer:
        raise NotPermitted("A quote is asked for by a customer.")
    rows = list(rows)
    if len(rows) > MAX_LINES:
        raise DomainError(f"Ask for at most {MAX_LINES:,} lines at once; this had {len(rows):,}.")
    quote = _new_quote(actor, company, Origin.QUICK_ORDER.value, comment)
    reports = resolve_lines(quote, rows)
    merged: dict[int, QuoteLine] = {}
    for report in reports:
        if report.status is LineStatus.NO_PRICE:
            report.status, report.message = LineStatus.ADDED, "added"
        if report.ok:
            line = merged.get(report.product.id)
            if line is None:
                line = merged[report.product.id] = QuoteLine(
                    position=len(merged), product_id=report.product.id, product=report.product,
                    sku=report.product.sku, name=report.product.name, quantity=0, list_price=report.unit_price)
            line.quantity = min(line.quantity + report.quantity, 99_999)
    if not merged:
        return None, reports
    quote.lines = list(merged.values())
    _set_list_prices(quote)
    return _record_request(quote, actor), reports


def _set_list_prices(quote: Quote) -> None:
    from models.carts import pricing_for

    prices = pricing_for(quote).unit_prices({line.product_id: line.quantity for line in quote.lines})
    for line in quote.lines:
        line.list_price = prices.get(line.product_id)


@operation(staff=StaffPerm.MANAGE_ORDERS)
def answer_quote(quote: Quote, *, actor: Actor, prices: dict, valid_until, answer: str = "",
                 expected_state: str | None = None) -> None:
    """Staff's offer: a unit price for every line (as typed, keyed by line id) and the last day it holds."""
    locale = quote.shop.locale
    for line in quote.lines:
        price = parse_amount(prices.get(line.id, prices.get(str(line.id))), locale=locale, currency=quote.currency,
                             label=f"The price of {line.sku}", field=f"price-{line.id}")
        if price is None:
            raise DomainError(f"Give a price for {line.sku} ({line.name}).", f"price-{line.id}")
        line.quoted_price = price
    quote.valid_until = _validity(valid_until)
    answer = (answer or "").strip()
    if len(answer) > COMMENT_LENGTH:
        raise DomainError(f"The note has at most {COMMENT_LENGTH:,} characters.", "answer")
    quote.answer = answer
    quote.net_total = sum((line.quoted_price * line.quantity for line in quote.lines), Decimal(0))
    quote.answered_at = utcnow()
    transition(quote, "answer", actor=actor, expected_state=expected_state)


def _validity(value) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip()) if value.strip() else None
        except ValueError:
            raise DomainError(f"“{value[:20]}” is not a date; pick the last day the prices hold.",
                              "valid_until") from None
    if not isinstance(value, date):
        raise DomainError("Pick the last day the prices hold.", "valid_until")
    if value < today():
        raise DomainError("The last day the prices hold cannot be in the past.", "valid_until")
    if (value - today()).days > LONGEST_VALIDITY_DAYS:
        raise DomainError("A quote holds for at most a year.", "valid_until")
    return value


@guard("quote.priced")
def _priced(quote: Quote, *, actor: Actor) -> None:
    """An answer carries a price for every line and a validity date (``answer_quote`` sets them)."""
    if quote.valid_until is None or any(line.quoted_price is None for line in quote.lines):
        raise DomainError("Answer a quote with a price for every line and the last day they hold.")


@guard("quote.requester")
def _requester(quote: Quote, *, actor: Actor) -> None:
    """Only the person who asked for a quote accepts, declines or withdraws it (or Atrium itself)."""
    if actor.is_system:
        return
    if not actor.acts_as_customer or actor.customer_id != quote.owner_id:
        raise DomainError("Only the person who asked for this quote can do that; ask them, or your "
                          "representative.")


@guard("quote.acceptable")
def _acceptable(quote: Quote, *, actor: Actor) -> None:
    _requester(quote, actor=actor)
    if quote.expired_on(today()):
        raise DomainError(f"This quote was valid until {quote.valid_until:%-d %B %Y}; ask for a new one.")


@guard("quote.by_atrium", atrium_only=True)
def _by_atrium(quote: Quote, *, actor: Actor) -> None:
    """Steps Atrium takes itself: ordering a quote's lines, a quote's date passing."""
    if not actor.is_system:
        raise DomainError("Atrium takes this step itself.")


@side_effect("quote.to_cart")
def _accepted(quote: Quote, *, actor: Actor, reason=None, comment: str = "") -> None:
    _fill_cart(quote, actor)


def _fill_cart(quote: Quote, actor: Actor) -> Cart:
    """Put the quote's lines into its requester's cart at the quoted prices (a part of accepting)."""
    from models.users import CompanyUser

    cart = open_cart(db.session.get(CompanyUser, quote.owner_id), quote.shop)
    if cart.repeats:
        raise DomainError("Your cart is set to repeat as a recurring order, and quotes and recurring orders do "
                          "not mix: make the cart a one-time order first.")
    if cart.quote_id not in (None, quote.id):
        raise DomainError(f"Your cart holds quote {quote_number(cart.quote_id)} already: order it, or empty the "
                          "cart, first.")
    missing = [line.sku for line in quote.lines if line.product_id is None]
    if missing:
        raise DomainError(f"{', '.join(missing)} is no longer in the catalog; ask for a new quote.")
    by_product = {line.product_id: line for line in cart.lines}
    for line in quote.lines:
        target = by_product.get(line.product_id)
        if target is None:
            target = CartLine(product_id=line.product_id, product=line.product, quantity=0)
            cart.lines.append(target)
        target.quantity, target.quoted_price = line.quantity, line.quoted_price
    cart.quote_id, cart.source = quote.id, Origin.QUOTE.value
    cart.updated_at = utcnow()
    db.session.flush()
    return cart


@operation(Perm.MANAGE_OWN_QUOTES, on="quote")
def quote_to_cart(quote: Quote, *, actor: Actor) -> Cart:
    """Put an accepted quote (still valid) back into the cart, e.g. after emptying it."""
    _acceptable(quote, actor=actor)
    if quote.state != "accepted":
        raise DomainError("Only an accepted quote goes into the cart; accept it first.")
    return _fill_cart(quote, actor)


def check_quote_in_cart(cart: Cart) -> Quote | None:
    """The accepted, still valid quote the cart holds (checkout orders it), or a refusal; None if none."""
    if cart.quote_id is None:
        return None
    quote = db.session.get(Quote, cart.quote_id)
    if quote is None or quote.state != "accepted":
        raise DomainError("The quote in your cart can no longer be ordered; empty the cart and start again.")
    if quote.expired_on(today()):
        raise DomainError(f"Quote {quote.number} was valid until {quote.valid_until:%-d %B %Y}: empty the "
                          "cart, or ask for a new quote.")
    return quote


def quote_ordered(quote: Quote, order) -> None:
    """Record that the quote became ``order`` (a part of placing it)."""
    quote.order_id = order.id
    transition(quote, "order", actor=SYSTEM, comment=f"Ordered as {order.number}.")


def expire_quotes(on: date | None = None) -> int:
    """Move answered and accepted quotes past their date to expired (a job; ``on`` is the day it runs)."""
    on = on or today()
    due = db.session.scalars(select(Quote).where(Quote.state.in_(("answered", "accepted")),
                                                 Quote.valid_until < on)
                             .order_by(Quote.valid_until, Quote.id).limit(EXPIRE_BATCH)).all()
    expired = [quote.id for quote in transition_all(
        due, "expire", actor=SYSTEM, comment=lambda quote: f"Valid until {quote.valid_until:%-d %B %Y}.")]
    if expired:  # a cart holding one keeps its products, at today's prices
        carts = select(Cart.id).where(Cart.quote_id.in_(expired)).scalar_subquery()
        db.session.execute(update(CartLine).where(CartLine.cart_id.in_(carts)).values(quoted_price=None))
        db.session.execute(update(Cart).where(Cart.quote_id.in_(expired)).values(quote_id=None, source=Origin.CART.value))
    return len(expired)
