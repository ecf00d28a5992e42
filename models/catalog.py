"""The catalog: products, their types and shipment types, and the shops that see them.

A product is orderable in a shop when it is active, has at least one allowed
shipment type, and is visible there: a product listed for no shop is visible
in every shop; one listed for shops is visible in those and in their sub shops.
Prices live in ``models.pricing``.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.actors import Actor
from models.audit import record
from models.base import DomainError, UTCDateTime, apply_changes, utcnow
from models.operations import operation
from models.permissions import StaffPerm
from models.search import contains
from models.shops import Shop

SKU_MAX = 64


class ProductTypeKey(str, enum.Enum):
    """The product types Atrium ships; staff may add more (CSV import or back office)."""

    STANDARD = "standard"
    SERVICE = "service"


product_shipment_types = Table(
    "product_shipment_types",
    db.metadata,
    Column("product_id", Integer, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("shipment_type_id", Integer, ForeignKey("shipment_types.id", ondelete="CASCADE"), primary_key=True),
)

product_shops = Table(
    "product_shops",
    db.metadata,
    Column("product_id", Integer, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("shop_id", Integer, ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_product_shops_shop", "shop_id", "product_id"),
)


class ProductType(db.Model):
    """What kind of product: standard goods, a service, or a type staff add."""

    __tablename__ = "product_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))

    def __str__(self) -> str:
        return self.name


class ShipmentType(db.Model):
    """How a customer receives a product: delivery, on-site service, in-store pickup ..."""

    __tablename__ = "shipment_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))

    def __str__(self) -> str:
        return self.name


class Product(db.Model):
    """Something a customer can order, identified by its SKU."""

    __tablename__ = "products"
    __table_args__ = (Index("ix_products_active_name", "active", "name", "id"),
                      Index("ix_products_type_name", "product_type_id", "name", "id"),  # a type's products by name
                      # holding the id on PostgreSQL: the back office's list by SKU pages through the index alone
                      UniqueConstraint("sku", name="uq_products_sku", postgresql_include=["id"]))

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(SKU_MAX))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    image: Mapped[str] = mapped_column(String(200), default="")  # a file under static/products/
    unit: Mapped[str] = mapped_column(String(20), default="piece")
    product_type_id: Mapped[int] = mapped_column(ForeignKey("product_types.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    service_date_required: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product_type: Mapped[ProductType] = relationship()
    shipment_types: Mapped[list[ShipmentType]] = relationship(secondary=product_shipment_types,
                                                              order_by=ShipmentType.name)
    shops: Mapped[list[Shop]] = relationship(secondary=product_shops, order_by=Shop.name)

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


def visible_in(shop: Shop | None):
    """The condition for products a customer of ``shop`` sees and may order."""
    if shop is None:
        return false()
    shop_ids = [shop.id] + ([shop.parent_id] if shop.parent_id else [])
    listed = select(product_shops.c.product_id).where(product_shops.c.product_id == Product.id)
    listed_here = listed.where(product_shops.c.shop_id.in_(shop_ids))
    shippable = select(product_shipment_types.c.product_id).where(
        product_shipment_types.c.product_id == Product.id)
    return and_(Product.active.is_(True), exists(shippable), or_(~exists(listed), exists(listed_here)))


def normal_sku(text) -> str:
    """A SKU as customers type it: trimmed, upper case (SKUs are stored upper case)."""
    return str(text or "").strip().upper()


def catalog_query(shop: Shop | None, search: str = "", product_type: str = ""):
    """The products a customer of ``shop`` may order, by name (search by SKU or name)."""
    query = select(Product).where(visible_in(shop))
    search = (search or "").strip()[:100]
    if search:
        query = query.where(or_(Product.sku == normal_sku(search), contains(Product.sku, search),
                                contains(Product.name, search)))
    if product_type:
        query = query.where(Product.product_type.has(ProductType.key == product_type))
    return query.order_by(Product.name, Product.id)


def visible_product(shop: Shop | None, product_id: int, *options) -> Product | None:
    """One product if customers of ``shop`` may see it, else None (as if it did not exist)."""
    return db.session.scalar(select(Product).where(Product.id == product_id, visible_in(shop)).options(*options))


def products_by_sku(skus, shop: Shop | None) -> dict[str, tuple[Product, bool]]:
    """The products of these SKUs in one statement, each with whether ``shop`` shows it."""
    wanted = sorted({normal_sku(s) for s in skus if normal_sku(s)})
    if not wanted:
        return {}
    rows = db.session.execute(select(Product, visible_in(shop).label("visible")).where(Product.sku.in_(wanted)))
    return {product.sku: (product, bool(visible)) for product, visible in rows}


def product_types() -> list[ProductType]:
    return db.session.scalars(select(ProductType).order_by(ProductType.name)).all()


def check_sku(text) -> str:
    sku = normal_sku(text)
    if not sku:
        raise DomainError("Give the product a SKU.", "sku")
    if len(sku) > SKU_MAX or any(c.isspace() for c in sku):
        raise DomainError(f"A SKU has at most {SKU_MAX} characters and no spaces: “{sku[:80]}”.", "sku")
    return sku


@operation(staff=StaffPerm.MANAGE_CATALOG)
def check_product(product: Product, *, actor: Actor) -> None:
    """Refuse a product the catalog cannot hold (the back office form saves through this)."""
    product.sku = check_sku(product.sku)
    product.name = (product.name or "").strip()
    if not product.name:
        raise DomainError("Give the product a name.", "name")
    clash = db.session.scalar(select(Product.id).where(func.upper(Product.sku) == product.sku,
                                                       Product.id != (product.id or 0)))
    if clash is not None:
        raise DomainError(f"Another product has the SKU {product.sku}.", "sku")
    if product.product_type_id is None and product.product_type is None:
        raise DomainError("Choose the product's type.", "product_type")


@operation(staff=StaffPerm.MANAGE_CATALOG)
def set_product_active(product: Product, active: bool, *, actor: Actor) -> None:
    """Offer a product again or take it out of the catalog (orders keep their lines)."""
    if apply_changes(product, {"active": active}):
        record(actor, "product.activated" if active else "product.deactivated", target=product)
