"""Companies, their business units (a tree) and their address book."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import Money, UTCDateTime, enum_check, utcnow
from models.scoping import CompanyOwned


class CompanyStatus(str, enum.Enum):
    PENDING = "pending"
    ACTIVE = "active"
    INACTIVE = "inactive"


class AddressKind(str, enum.Enum):
    BILLING = "billing"
    SHIPPING = "shipping"


class Company(db.Model):
    """A customer organisation."""

    __tablename__ = "companies"
    __table_args__ = (enum_check("status", CompanyStatus, "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    status: Mapped[str] = mapped_column(String(16), default=CompanyStatus.ACTIVE.value)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    customer_group: Mapped[str] = mapped_column(String(60), default="default")
    vat_id: Mapped[str | None] = mapped_column(String(40))
    # Checkout attributes; enforced at checkout.
    require_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    require_approval_over: Mapped[Decimal | None] = mapped_column(Money)
    block_checkout: Mapped[bool] = mapped_column(Boolean, default=False)
    block_checkout_over: Mapped[Decimal | None] = mapped_column(Money)
    default_service_rep_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shop: Mapped["Shop"] = relationship()  # noqa: F821
    business_units: Mapped[list[BusinessUnit]] = relationship(
        back_populates="company", order_by="BusinessUnit.name", cascade="all, delete-orphan"
    )
    addresses: Mapped[list[Address]] = relationship(
        back_populates="company", order_by="Address.id", cascade="all, delete-orphan"
    )
    users: Mapped[list["CompanyUser"]] = relationship(  # noqa: F821
        back_populates="company", order_by="CompanyUser.last_name"
    )
    default_service_rep: Mapped["StaffUser | None"] = relationship()  # noqa: F821

    @property
    def is_active(self) -> bool:
        return self.status == CompanyStatus.ACTIVE.value

    def __str__(self) -> str:
        return self.name


class BusinessUnit(CompanyOwned, db.Model):
    """A department or site of a company; units form a tree."""

    __tablename__ = "business_units"
    __table_args__ = (UniqueConstraint("company_id", "name", name="uq_business_unit_company_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("business_units.id"))
    name: Mapped[str] = mapped_column(String(120))
    service_rep_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    company: Mapped[Company] = relationship(back_populates="business_units")
    parent: Mapped[BusinessUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[BusinessUnit]] = relationship(back_populates="parent")
    service_rep: Mapped["StaffUser | None"] = relationship()  # noqa: F821

    def __str__(self) -> str:
        return self.name


class Address(CompanyOwned, db.Model):
    """A billing or shipping address in a company's address book."""

    __tablename__ = "addresses"
    __table_args__ = (enum_check("kind", AddressKind, "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(80), default="")
    line1: Mapped[str] = mapped_column(String(160))
    line2: Mapped[str] = mapped_column(String(160), default="")
    postal_code: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(String(2))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    company: Mapped[Company] = relationship(back_populates="addresses")

    @property
    def lines(self) -> list[str]:
        parts = [self.label, self.line1, self.line2, f"{self.postal_code} {self.city}", self.country]
        return [p for p in parts if p]

    def __str__(self) -> str:
        return ", ".join(self.lines)


def set_company_status(company: Company, status: CompanyStatus, actor) -> None:
    """Activate or deactivate a company. Users of an inactive company cannot sign in."""
    from models.audit import record

    if company.status == status.value:
        return
    before = company.status
    company.status = status.value
    record(actor, "company.status_changed", company_id=company.id, target=company, before=before, after=status.value)
