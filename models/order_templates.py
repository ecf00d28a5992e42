"""Order templates: a customer's named lists of products to order again.

A template belongs to the person who made it (customers do not share them).
Products go in by SKU and quantity, checked like cart lines
(``models.carts.resolve_lines``); adding a product always names a template,
or makes a new one. A whole template goes into the cart in one step, and the
cart can be saved as a new template.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from extensions import db
from models.actors import Actor
from models.audit import record
from models.base import DomainError, NotPermitted, UTCDateTime, utcnow
from models.carts import (
    MAX_LINES,
    MAX_QUANTITY,
    Cart,
    LineReport,
    LineStatus,
    check_holder,
    parse_quantity,
    put_lines,
    resolve_lines,
)
from models.catalog import Product
from models.operations import operation
from models.orders import Origin
from models.permissions import Perm
from models.scoping import CompanyOwned
from models.search import contains
from models.shops import Shop

MAX_TEMPLATES = 200  # per person
NAME_LENGTH = 80


class OrderTemplate(CompanyOwned, db.Model):
    __tablename__ = "order_templates"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_order_template_name"),)  # also the list's order

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("company_users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    shop: Mapped[Shop] = relationship()
    lines: Mapped[list[TemplateLine]] = relationship(back_populates="template", cascade="all, delete-orphan",
                                                     order_by="TemplateLine.id")

    def __str__(self) -> str:
        return f"Order template “{self.name}”"


class TemplateLine(db.Model):
    __tablename__ = "order_template_lines"
    __table_args__ = (UniqueConstraint("template_id", "product_id", name="uq_template_line_product"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("order_templates.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)

    template: Mapped[OrderTemplate] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()


def templates_of(actor: Actor, search: str = ""):
    """A query for the templates ``actor``'s customer made, by name; those whose name contains ``search``."""
    query = select(OrderTemplate).where(OrderTemplate.owner_id == actor.customer_id)
    search = search.strip()[:100]
    if search:
        query = query.where(contains(OrderTemplate.name, search))
    return query.order_by(OrderTemplate.name, OrderTemplate.id)


def template_of(actor: Actor, template_id: int) -> OrderTemplate | None:
    """One of the actor's templates with its lines and products; None if it is not theirs."""
    return db.session.scalar(templates_of(actor).where(OrderTemplate.id == template_id).options(
        selectinload(OrderTemplate.lines).joinedload(TemplateLine.product)))


def _check_owner(template: OrderTemplate, actor: Actor) -> None:
    if not actor.is_system and not (actor.acts_as_customer and template.owner_id == actor.customer_id):
        raise NotPermitted("That order template is someone else's.")


def clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Give the template a name.", "name")
    if len(name) > NAME_LENGTH:
        raise DomainError(f"A template name has at most {NAME_LENGTH} characters.", "name")
    return name


def _check_free(actor: Actor, name: str, template_id: int | None = None) -> None:
    taken = db.session.scalar(select(OrderTemplate.id).where(
        OrderTemplate.owner_id == actor.customer_id, func.lower(OrderTemplate.name) == name.lower(),
        OrderTemplate.id != (template_id or 0)))
    if taken is not None:
        raise DomainError(f"You already have a template called “{name}”.", "name")


@operation(Perm.PURCHASE, on="company")
def create_template(company, *, actor: Actor, name: str) -> OrderTemplate:
    """A new, empty template for the actor's customer (of ``company``)."""
    if not actor.acts_as_customer:
        raise NotPermitted("Order templates belong to a customer.")
    name = clean_name(name)
    _check_free(actor, name)
    count = db.session.scalar(select(func.count()).where(OrderTemplate.owner_id == actor.customer_id))
    if count >= MAX_TEMPLATES:
        raise DomainError(f"You can keep at most {MAX_TEMPLATES} order templates; delete one you no longer use.")
    template = OrderTemplate(shop_id=company.shop_id, shop=company.shop, company_id=company.id,
                             owner_id=actor.customer_id, name=name)
    db.session.add(template)
    db.session.flush()
    record(actor, "order_template.created", company_id=company.id, target=template, name=name)
    return template


@operation(Perm.PURCHASE, on="template")
def rename_template(template: OrderTemplate, *, actor: Actor, name: str) -> None:
    _check_owner(template, actor)
    name = clean_name(name)
    _check_free(actor, name, template.id)
    template.name = name


@operation(Perm.PURCHASE, on="template")
def delete_template(template: OrderTemplate, *, actor: Actor) -> None:
    _check_owner(template, actor)
    record(actor, "order_template.deleted", company_id=template.company_id, target=template, name=template.name)
    db.session.delete(template)


@operation(Perm.PURCHASE, on="template")
def add_to_template(template: OrderTemplate, rows, *, actor: Actor) -> list[LineReport]:
    """Put (sku, quantity text) rows into ``template``, each checked like a cart line; a product already in
    it has its quantity raised."""
    _check_owner(template, actor)
    rows = list(rows)
    if len(rows) > MAX_LINES:
        raise DomainError(f"Add at most {MAX_LINES:,} lines at once; this had {len(rows):,}.")
    reports = resolve_lines(template, rows)
    by_product = {line.product_id: line for line in template.lines}
    for report in (r for r in reports if r.ok):
        line = by_product.get(report.product.id)
        if line is None:
            if len(by_product) >= MAX_LINES:
                report.status, report.message = LineStatus.CART_FULL, \
                    f"{report.sku}: a template holds at most {MAX_LINES:,} products."
                continue
            line = by_product[report.product.id] = TemplateLine(product=report.product, quantity=0)
            template.lines.append(line)
        line.quantity = min(line.quantity + report.quantity, MAX_QUANTITY)
    template.line_count = len(by_product)
    template.updated_at = utcnow()
    db.session.flush()
    return reports


def _line(template: OrderTemplate, line_id: int) -> TemplateLine:
    line = next((line for line in template.lines if line.id == line_id), None)
    if line is None:
        raise DomainError("That product is no longer in the template.")
    return line


@operation(Perm.PURCHASE, on="template")
def change_template_quantity(template: OrderTemplate, line_id: int, quantity_text, *, actor: Actor) -> None:
    _check_owner(template, actor)
    line = _line(template, line_id)
    quantity = parse_quantity(quantity_text)
    if quantity is None:
        raise DomainError(f"“{str(quantity_text)[:20]}” is not a quantity for {line.product.name}; "
                          f"use a whole number from 1 to {MAX_QUANTITY:,}.", "quantity")
    line.quantity = quantity
    template.updated_at = utcnow()


@operation(Perm.PURCHASE, on="template")
def remove_template_line(template: OrderTemplate, line_id: int, *, actor: Actor) -> Product:
    _check_owner(template, actor)
    line = _line(template, line_id)
    template.lines.remove(line)
    template.line_count = len(template.lines)
    return line.product


@operation(Perm.PURCHASE, on="template")
def template_to_cart(template: OrderTemplate, cart: Cart, *, actor: Actor) -> list[LineReport]:
    """Add every product of the template to the cart, at today's prices; lines no longer sold are reported."""
    _check_owner(template, actor)
    check_holder(cart, actor)
    if not cart.lines:
        cart.source = Origin.TEMPLATE.value
    reports = resolve_lines(cart, [(line.product.sku, line.quantity) for line in template.lines])
    put_lines(cart, reports)
    return reports


@operation(Perm.PURCHASE, on="cart")
def save_cart_as_template(cart: Cart, *, actor: Actor, name: str) -> OrderTemplate:
    """A new template holding the cart's products and quantities (the cart stays as it is)."""
    check_holder(cart, actor)
    if not cart.lines:
        raise DomainError("Your cart is empty: add products before saving it as a template.")
    from models.companies import Company

    template = create_template(db.session.get(Company, cart.company_id), actor=actor, name=name)
    template.lines = [TemplateLine(product_id=line.product_id, product=line.product, quantity=line.quantity)
                      for line in cart.lines]
    template.line_count = len(template.lines)
    db.session.flush()
    return template

