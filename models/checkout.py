"""Checkout: ``place_order(cart, actor=...)`` turns a cart into an order.

It re-checks every line against the catalog and the customer's prices (the
cart may have been filled days ago), the addresses against the company's
address book (in its shop's mode), the company's checkout rules (blocked, or
blocked above an amount; held for staff approval, or held above an amount),
then draws the shop's next order number, copies lines, prices and addresses
into the order, empties the cart and queues the confirmation mail. Later
rules (budgets, approvals, services) register a ``placement_check``: each runs
with the new order before it is recorded, and may refuse it or hold it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from sqlalchemy import delete, select

from extensions import db
from models.actors import SYSTEM, Actor
from models.addresses import address_book_mode, format_address
from models.audit import record
from models.base import DomainError
from models.carts import Cart, CartLine, LineStatus, check_holder, resolve_lines
from models.companies import Address, AddressKind, Company
from models.mail import queue_mail
from models.money import Money, format_money, plain
from models.operations import operation, part_of_operation
from models.orders import Order, OrderLine, Origin, next_number
from models.permissions import Perm
from models.pricing import Totals
from models.shops import AddressBookMode, ShopAddress
from models.users import CompanyUser
from models.workflow_engine import start, transition

ADDRESS_CHOICES = 100  # addresses of each kind offered at checkout (defaults first)
PLACEMENT_CHECKS: list[Callable] = []


def placement_check(func: Callable) -> Callable:
    """Register ``func(order, cart, *, actor)`` to run before an order is recorded (raise to refuse); ``cart``
    is None for an order a recurring order places."""
    PLACEMENT_CHECKS.append(func)
    return func


@dataclass
class Priced:
    """A cart line with the price the customer pays now."""

    line: CartLine
    unit_price: Decimal | None
    line_total: Decimal | None


@dataclass
class Review:
    """The cart as checkout shows it: each line priced, the totals, and what stops an order."""

    lines: list[Priced]
    totals: Totals
    problems: list[str]
    offers: dict = field(default_factory=dict)  # product id → the service points offering it today

    def money(self, amount: Decimal | None) -> Money | None:
        return None if amount is None else Money(amount, self.totals.currency)


def review(cart: Cart) -> Review:
    """Price every line of ``cart`` (one statement for the products, one for their prices) and list what
    would stop it becoming an order."""
    from models.carts import pricing_for

    pricing = pricing_for(cart)
    reports = {r.product.id: r for r in resolve_lines(cart, [(line.product.sku, line.quantity) for line in cart.lines])
               if r.product is not None}
    offers = _service_offers(cart)
    priced, problems = [], []
    for line in cart.lines:
        report = reports.get(line.product_id)
        unit = line.quoted_price if line.quoted_price is not None else report.unit_price if report else None
        unit = _offer_price(line, offers, pricing.currency, unit)
        if report is not None and not report.ok and (line.quoted_price is None
                                                     or report.status is not LineStatus.NO_PRICE):
            problems.append(report.message + " Remove it from the cart to order the rest.")
            unit = None
        priced.append(Priced(line, unit, None if unit is None else pricing.line_total(unit, line.quantity)))
    totals = pricing.totals([p.line_total for p in priced if p.line_total is not None])
    if not cart.lines:
        problems.append("Your cart is empty.")
    if offers:
        from models.services import service_problems

        problems += service_problems(cart, offers)
    return Review(priced, totals, problems, offers)


def _service_offers(cart: Cart) -> dict:
    """The service points offering the cart's service products today (read only when it holds some)."""
    if not any(line.product.product_type.key == "service" for line in cart.lines):
        return {}
    from models.base import utcnow
    from models.services import current_offers

    return current_offers([line.product_id for line in cart.lines], utcnow().date())


def _offer_price(line: CartLine, offers: dict, currency: str, unit: Decimal | None) -> Decimal | None:
    """A service point's own price for a service line booked there (in the cart's currency), else ``unit``."""
    offer = next((o for o in offers.get(line.product_id, ()) if o.id == line.offer_id), None)
    if offer is not None and offer.price is not None and offer.currency == currency and line.quoted_price is None:
        return offer.price
    return unit


def _book(company: Company):
    """The address book an order of ``company`` draws on: its own, or its shop's shared one."""
    if address_book_mode(company) is AddressBookMode.SHARED:
        return ShopAddress, ShopAddress.shop_id == company.shop_id, [ShopAddress.id]
    return Address, Address.company_id == company.id, [Address.is_default.desc(), Address.id]


def checkout_addresses(company: Company) -> tuple[list, list]:
    """The shipping and billing addresses an order of ``company`` may go to (defaults first)."""
    model, owner, order = _book(company)
    found = {}
    for kind in AddressKind:
        found[kind.value] = db.session.scalars(
            select(model).where(owner, model.kind == kind.value).order_by(*order).limit(ADDRESS_CHOICES)).all()
    return found[AddressKind.SHIPPING.value], found[AddressKind.BILLING.value]


def _address(company: Company, address_id, kind: str) -> list[str]:
    model, owner, _ = _book(company)
    try:
        wanted = int(address_id)
    except (TypeError, ValueError):
        wanted = None
    address = None if wanted is None else db.session.scalar(
        select(model).where(owner, model.id == wanted, model.kind == kind))
    if address is None:
        raise DomainError(f"Choose a {kind} address from your company's address book.", f"{kind}_address")
    return format_address(address, company.shop.address_format)


def check_rules(company: Company, gross: Decimal) -> bool:
    """Refuse an order the company's checkout rules block; whether they hold it for staff approval."""
    if not company.is_active:
        raise DomainError("Your company's account is not active, so it cannot order; contact your representative.")
    if company.block_checkout:
        raise DomainError("Ordering is blocked for your company; contact your representative.")
    if company.block_checkout_over is not None and gross > company.block_checkout_over:
        limit, total = (format_money(company.money(a), company.shop.locale) for a in (company.block_checkout_over, gross))
        raise DomainError(f"Your company can order up to {limit} at a time; this order is {total}. "
                          "Split it, or contact your representative.")
    over = company.require_approval_over
    return company.require_approval or (over is not None and gross > over)


@part_of_operation
def prepare(cart: Cart, actor: Actor, shipping_address_id, billing_address_id, expected_total: Decimal | None):
    """What every checkout checks (placing an order, setting up a recurring one): the cart's lines and prices,
    the total the person saw, the company's rules and the two addresses."""
    check_holder(cart, actor)
    company = db.session.get(Company, cart.company_id)
    seen = review(cart)
    if seen.problems:
        raise DomainError(" ".join(seen.problems))
    if expected_total is not None and expected_total != seen.totals.gross:
        raise DomainError(f"Prices changed while you were ordering: the total is now "
                          f"{format_money(seen.totals.money('gross'), company.shop.locale)}. Check the order "
                          "and place it again.")
    held = check_rules(company, seen.totals.gross)
    shipping = _address(company, shipping_address_id, AddressKind.SHIPPING.value)
    billing = _address(company, billing_address_id, AddressKind.BILLING.value)
    return Prepared(company, db.session.get(CompanyUser, cart.owner_id), seen, held, shipping, billing)


@dataclass
class Prepared:
    company: Company
    buyer: CompanyUser
    seen: Review
    held: bool
    shipping: list[str]
    billing: list[str]

    ship_to: dict[int, list[str]] = field(default_factory=dict)  # cart line id → its own delivery address

    def drafts(self) -> list[Draft]:
        return [Draft(p.line.product_id, p.line.product.sku, p.line.product.name, p.line.quantity, p.unit_price,
                      p.line_total, "\n".join(self.ship_to[p.line.id]) if p.line.id in self.ship_to else None)
                for p in self.seen.lines]


@dataclass
class Draft:
    """A line of an order about to be recorded."""

    product_id: int | None
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    shipping_address: str | None = None  # None: the order's


@operation(Perm.PURCHASE, on="cart")
def place_order(cart: Cart, *, actor: Actor, shipping_address_id=None, billing_address_id=None,
                reference: str = "", comment: str = "", expected_total: Decimal | None = None,
                line_addresses: dict | None = None) -> Order:
    """Turn ``cart`` into an order (see the module docstring); the cart is then empty. ``line_addresses``
    sends delivered items elsewhere than the order's shipping address: cart line id → address id."""
    from models.quotes import check_quote_in_cart, quote_ordered

    check_holder(cart, actor)
    if cart.repeats:
        raise DomainError("Your cart is set to repeat: set up the recurring order, or make the cart a one-time "
                          "order first.")
    quote = check_quote_in_cart(cart)
    ready = prepare(cart, actor, shipping_address_id, billing_address_id, expected_total)
    ready.ship_to = _line_addresses(cart, ready, line_addresses or {})
    origin = Origin.AGENT.value if actor.on_behalf_of is not None else (cart.source or Origin.CART.value)
    order = record_order(ready, actor=actor, origin=origin, drafts=ready.drafts(), reference=reference,
                         comment=comment, cart=cart)
    if quote is not None:
        quote_ordered(quote, order)
    clear_cart(cart)
    return order


def _line_addresses(cart: Cart, ready: Prepared, wanted: dict) -> dict[int, list[str]]:
    """Each delivered line's own shipping address, checked against the address book (services go to their
    service point, so they take none)."""
    lines = {line.id: line for line in cart.lines}
    found = {}
    for line_id, address_id in wanted.items():
        if not address_id:
            continue
        line = lines.get(int(line_id)) if str(line_id).isdigit() else None
        if line is None:
            raise DomainError("An item to send elsewhere is no longer in your cart; check the order again.")
        if line.offer_id is not None:
            raise DomainError(f"{line.product.name} is given at its service point; it has no delivery address.")
        found[line.id] = _address(ready.company, address_id, AddressKind.SHIPPING.value)
    return {line_id: address for line_id, address in found.items() if address != ready.shipping}


def clear_cart(cart: Cart) -> None:
    """Empty the cart once its lines became an order (or a recurring order)."""
    db.session.execute(delete(CartLine).where(CartLine.cart_id == cart.id))
    db.session.expire(cart, ["lines"])
    cart.source, cart.quote_id, cart.repeat_cadence = Origin.CART.value, None, None


@part_of_operation
def record_order(ready: Prepared, *, actor: Actor, origin: str, drafts: list[Draft], reference: str = "",
                 comment: str = "", cart: Cart | None = None, totals: Totals | None = None, **columns) -> Order:
    """Record an order of ``ready.buyer`` with ``drafts`` as its lines: numbered, checked by the placement
    checks, audited, held where the company's rules say so, and confirmed by mail. ``columns`` are further
    order columns (a recurring order's link)."""
    totals = totals or ready.seen.totals
    order = Order(
        shop_id=ready.company.shop_id, number=next_number(ready.company.shop), company_id=ready.company.id,
        business_unit_id=ready.buyer.business_unit_id, owner_id=ready.buyer.id, origin=origin,
        buyer_name=ready.buyer.full_name, buyer_email=ready.buyer.email, currency=totals.currency,
        tax_rate=totals.tax_rate, net_total=totals.net, tax_total=totals.tax, gross_total=totals.gross,
        line_count=len(drafts), shipping_address="\n".join(ready.shipping), billing_address="\n".join(ready.billing),
        reference=_clean(reference, 60, "Your reference"), comment=_clean(comment, 2000, "Comment"), **columns,
    )
    order.lines = [OrderLine(position=i, product_id=d.product_id, sku=d.sku, name=d.name, quantity=d.quantity,
                             unit_price=d.unit_price, line_total=d.line_total, shipping_address=d.shipping_address)
                   for i, d in enumerate(drafts)]
    start(order)
    db.session.add(order)
    db.session.flush()
    for check in PLACEMENT_CHECKS:
        check(order, cart, actor=actor)
    record(actor, "order.placed", company_id=ready.company.id, target=order, number=order.number,
           total=plain(order.gross_total, order.currency), lines=order.line_count)
    if ready.held:
        transition(order, "hold", actor=SYSTEM, comment="The company's orders are checked by staff.")
    queue_mail(order.buyer_email, "order_placed", subject=f"Your order {order.number}", order=order,
               held=ready.held)
    return order


def _clean(text: str, limit: int, label: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise DomainError(f"{label} has at most {limit:,} characters.", label.lower().replace(" ", "_"))
    return text
