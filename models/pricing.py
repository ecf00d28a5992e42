"""Prices: price lists per currency and customer group, volume tiers, tax and totals.

Each currency has a base price list (customer group ``default``); a company
whose customer group (its pricing policy) has a list of its own pays that
list's prices, and the base price where its list has none. A price has a
minimum quantity: the tier with the largest minimum at or below the quantity
ordered applies. Prices are net; the shop's tax rate gives tax and gross.
``Pricing`` looks up the prices of many products in one statement.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.money import Amount, Money
from models.shops import Shop

BASE_GROUP = "default"


class PriceList(db.Model):
    """The prices of one customer group in one currency (``default``: the base prices)."""

    __tablename__ = "price_lists"
    __table_args__ = (UniqueConstraint("currency", "customer_group", name="uq_price_list_currency_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3))
    customer_group: Mapped[str] = mapped_column(String(60), default=BASE_GROUP)

    prices: Mapped[list[Price]] = relationship(back_populates="price_list", cascade="all, delete-orphan",
                                               order_by="(Price.product_id, Price.min_quantity)")

    @property
    def is_base(self) -> bool:
        return self.customer_group == BASE_GROUP

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class Price(db.Model):
    """A product's net unit price in a list, from a minimum quantity on (a volume tier)."""

    __tablename__ = "prices"
    __table_args__ = (
        UniqueConstraint("price_list_id", "product_id", "min_quantity", name="uq_price_tier",
                         postgresql_include=["id"]),  # the back office's list of prices pages through it alone
        Index("ix_prices_product", "product_id", "price_list_id", "min_quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    min_quantity: Mapped[int] = mapped_column(Integer, default=1)
    amount: Mapped[Decimal] = mapped_column(Amount)

    price_list: Mapped[PriceList] = relationship(back_populates="prices")
    product: Mapped["Product"] = relationship()  # noqa: F821

    def __str__(self) -> str:
        return f"from {self.min_quantity}: {self.amount}"


@dataclass(frozen=True)
class Tier:
    min_quantity: int
    amount: Decimal
    own_list: bool  # from the customer group's list, not the base list


def round_money(amount: Decimal, currency: str) -> Decimal:
    return Money(amount, currency).rounded().amount


def percent_of(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    return round_money((amount * rate / 100).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP), currency)


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax: Decimal
    gross: Decimal
    currency: str
    tax_rate: Decimal

    def money(self, which: str) -> Money:
        return Money(getattr(self, which), self.currency)


class Pricing:
    """The prices one customer (a company, or a visitor of a shop) pays, in its currency."""

    def __init__(self, shop: Shop, currency: str, customer_group: str = BASE_GROUP):
        self.shop, self.currency, self.customer_group = shop, currency, customer_group or BASE_GROUP
        self.tax_rate = shop.tax_rate or Decimal(0)

    @classmethod
    def for_company(cls, company) -> Pricing:
        return cls(company.shop, company.currency, company.customer_group)

    @classmethod
    def for_shop(cls, shop: Shop) -> Pricing:
        return cls(shop, shop.currency)

    def tiers(self, product_ids) -> dict[int, list[Tier]]:
        """Every tier of these products that applies to this customer, in one statement, largest first."""
        ids = sorted(set(product_ids))
        found: dict[int, list[Tier]] = {i: [] for i in ids}
        if not ids:
            return found
        groups = {self.customer_group, BASE_GROUP}
        rows = db.session.execute(
            select(Price.product_id, Price.min_quantity, Price.amount, PriceList.customer_group)
            .join(PriceList, PriceList.id == Price.price_list_id)
            .where(Price.product_id.in_(ids), PriceList.currency == self.currency,
                   PriceList.customer_group.in_(groups))
            .order_by(Price.product_id, Price.min_quantity.desc())
        )
        for product_id, min_quantity, amount, group in rows:
            own = group == self.customer_group and group != BASE_GROUP
            found[product_id].append(Tier(min_quantity, amount, own))
        return found

    @staticmethod
    def pick(tiers: list[Tier], quantity: int) -> Decimal | None:
        """The unit price for ``quantity``: the group's own tiers first, the base tiers else; None: no price."""
        for own in (True, False):
            for tier in tiers:  # largest minimum first
                if tier.own_list is own and tier.min_quantity <= max(quantity, 1):
                    return tier.amount
        return None

    def unit_prices(self, quantities: dict[int, int]) -> dict[int, Decimal | None]:
        """The unit price of each product at its quantity (None where it has no price)."""
        tiers = self.tiers(quantities)
        return {pid: self.pick(tiers[pid], qty) for pid, qty in quantities.items()}

    def line_total(self, unit_price: Decimal, quantity: int) -> Decimal:
        return round_money(unit_price * quantity, self.currency)

    def totals(self, line_totals) -> Totals:
        net = sum(line_totals, Decimal(0))
        tax = percent_of(net, self.tax_rate, self.currency)
        return Totals(net, tax, net + tax, self.currency, self.tax_rate)

    def money(self, amount: Decimal | None) -> Money | None:
        return None if amount is None else Money(amount, self.currency)


def own_tiers_view(tiers: list[Tier]) -> list[Tier]:
    """The tiers a product page shows: the customer's own list where it has one, smallest quantity first."""
    own = [t for t in tiers if t.own_list]
    return sorted(own or tiers, key=lambda t: t.min_quantity)


def price_lists() -> list[PriceList]:
    return db.session.scalars(select(PriceList).order_by(PriceList.currency, PriceList.customer_group)).all()
