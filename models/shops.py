"""Shops (master and sub shops) and the assignment of customer accounts to them."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, enum_check, utcnow


class CustomerType(str, enum.Enum):
    B2B = "b2b"
    B2C = "b2c"
    B2E = "b2e"
    GUEST = "guest"


class AssignmentState(str, enum.Enum):
    ENABLED = "enabled"
    DISABLED = "disabled"


class Shop(db.Model):
    """A storefront. A master shop has sub shops; B2B customers live in a sub shop."""

    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Shop | None] = relationship(remote_side=[id], back_populates="sub_shops")
    sub_shops: Mapped[list[Shop]] = relationship(back_populates="parent", order_by="Shop.name")

    @property
    def is_master(self) -> bool:
        return self.parent_id is None and bool(self.sub_shops)

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ShopAssignment(db.Model):
    """A customer account's registration in one shop: enabled or disabled."""

    __tablename__ = "shop_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "shop_id", name="uq_shop_assignment_user_shop"),
        enum_check("state", AssignmentState, "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("company_users.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    state: Mapped[str] = mapped_column(String(16), default=AssignmentState.ENABLED.value)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped["CompanyUser"] = relationship(back_populates="shop_assignments")  # noqa: F821
    shop: Mapped[Shop] = relationship()

    @property
    def enabled(self) -> bool:
        return self.state == AssignmentState.ENABLED.value

    def __str__(self) -> str:
        return f"{self.shop} ({self.state})"
