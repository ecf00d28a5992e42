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
    """Staff activate or deactivate a company. Users of an inactive company cannot sign in;
    its account admins are told by mail."""
    from models.access import is_staff
    from models.audit import record
    from models.base import NotPermitted
    from models.mail import queue_mail

    if actor is not None and not is_staff(actor):
        raise NotPermitted("Companies are activated and deactivated by Atrium staff.")
    if company.status == status.value:
        return
    before = company.status
    company.status = status.value
    record(actor, "company.status_changed", company_id=company.id, target=company, before=before, after=status.value)
    subject = f"{company.name} is {'active in Atrium again' if company.is_active else 'deactivated in Atrium'}"
    for admin in account_admins(company.id):
        queue_mail(admin.email, "company_status", subject=subject, user=admin, company=company)


def account_admins(company_id: int) -> list:
    """The company's active Account Admins, by name."""
    from models.permissions import BuiltinRole
    from models.users import CompanyUser, Role

    return db.session.scalars(
        db.select(CompanyUser).join(CompanyUser.roles)
        .where(CompanyUser.company_id == company_id, CompanyUser.active.is_(True),
               Role.key == BuiltinRole.ACCOUNT_ADMIN.value)
        .order_by(CompanyUser.last_name, CompanyUser.first_name)
        .execution_options(unscoped=True)
    ).all()


COMPANY_FIELDS = ("name", "vat_id")
CHECKOUT_FIELDS = ("require_approval", "require_approval_over", "block_checkout", "block_checkout_over")


def update_company(company: Company, actor, data: dict) -> None:
    """Account admins (and staff) edit name and VAT id; checkout attributes are staff-only."""
    from models.access import is_staff, require
    from models.audit import record
    from models.base import DomainError, NotPermitted
    from models.members import parse_amount
    from models.permissions import Perm, StaffPerm

    require(actor, Perm.MANAGE_COMPANY, company.id, StaffPerm.MANAGE_COMPANIES)
    name = str(data.get("name") or "").strip()
    if not name:
        raise DomainError("The company needs a name.", "name")
    changes = {}
    for field, value in (("name", name), ("vat_id", str(data.get("vat_id") or "").strip() or None)):
        if getattr(company, field) != value:
            changes[field] = value
    if any(field in data for field in CHECKOUT_FIELDS):
        if not is_staff(actor) and actor is not None:
            raise NotPermitted("Checkout rules of a company are set by Atrium staff.")
        changes["require_approval"] = bool(data.get("require_approval"))
        changes["block_checkout"] = bool(data.get("block_checkout"))
        changes["require_approval_over"] = parse_amount(data.get("require_approval_over"), "Approval threshold")
        changes["block_checkout_over"] = parse_amount(data.get("block_checkout_over"), "Checkout block threshold")
    changed = {k: v for k, v in changes.items() if getattr(company, k) != v}
    for field, value in changed.items():
        setattr(company, field, value)
    if changed:
        record(actor, "company.updated", company_id=company.id, target=company, changed=sorted(changed))


def save_business_unit(company: Company, actor, *, name: str, parent=None, unit: BusinessUnit | None = None,
                       service_rep=None, set_rep: bool = False) -> BusinessUnit:
    """Add or rename a business unit; only staff assign a service representative."""
    from models.access import is_staff, require
    from models.audit import record
    from models.base import DomainError, NotPermitted
    from models.permissions import Perm, StaffPerm

    require(actor, Perm.MANAGE_COMPANY, company.id, StaffPerm.MANAGE_COMPANIES)
    if unit is not None and unit.company_id != company.id:
        raise NotPermitted("That business unit belongs to another company.")
    name = (name or "").strip()
    if not name:
        raise DomainError("The business unit needs a name.", "name")
    if any(u.name.lower() == name.lower() and u is not unit for u in company.business_units):
        raise DomainError(f"{company.name} already has a business unit named {name}.", "name")
    if parent is not None and (parent.company_id != company.id or parent is unit):
        raise DomainError("Choose a parent unit of the same company.", "parent")
    if unit is not None and parent is not None and _is_below(parent, unit):
        raise DomainError(f"{parent.name} is below {unit.name}; a unit cannot move under its own sub-unit.", "parent")
    if unit is None:
        unit = BusinessUnit(name=name, parent=parent)
        company.business_units.append(unit)
        action = "business_unit.added"
    else:
        unit.name, unit.parent = name, parent
        action = "business_unit.updated"
    if set_rep:
        if actor is not None and not is_staff(actor):
            raise NotPermitted("Service representatives are assigned by Atrium staff.")
        unit.service_rep = service_rep
    db.session.flush()
    record(actor, action, company_id=company.id, target=unit)
    return unit


def _is_below(candidate: BusinessUnit, unit: BusinessUnit) -> bool:
    """Whether ``candidate`` lies somewhere under ``unit`` in the tree."""
    node = candidate.parent
    while node is not None:
        if node is unit:
            return True
        node = node.parent
    return False


def delete_business_unit(unit: BusinessUnit, actor) -> None:
    from models.access import require
    from models.audit import record
    from models.base import DomainError
    from models.permissions import Perm, StaffPerm
    from models.users import CompanyUser

    require(actor, Perm.MANAGE_COMPANY, unit.company_id, StaffPerm.MANAGE_COMPANIES)
    members = db.session.scalar(
        db.select(db.func.count(CompanyUser.id)).where(CompanyUser.business_unit_id == unit.id)
    )
    if members or unit.children:
        raise DomainError(f"{unit.name} still has users or sub-units; move them first.")
    record(actor, "business_unit.deleted", company_id=unit.company_id, target=unit)
    unit.company.business_units.remove(unit)
    db.session.delete(unit)


def set_default_service_rep(company: Company, actor, rep) -> None:
    """Staff choose the company's default service representative (None clears it)."""
    from models.access import is_staff
    from models.audit import record
    from models.base import DomainError, NotPermitted

    if actor is not None and not is_staff(actor):
        raise NotPermitted("Service representatives are assigned by Atrium staff.")
    if rep is not None and not rep.active:
        raise DomainError(f"{rep.name} is not an active staff member.")
    if company.default_service_rep is rep:
        return
    company.default_service_rep = rep
    record(actor, "company.service_rep_changed", company_id=company.id, target=company,
           rep=rep.name if rep is not None else "")


def set_customer_group(company: Company, actor, group: str) -> None:
    """Staff put a company in a customer group (its pricing policy)."""
    from models.access import is_staff
    from models.audit import record
    from models.base import DomainError, NotPermitted

    if actor is not None and not is_staff(actor):
        raise NotPermitted("Customer groups are set by Atrium staff.")
    group = (group or "").strip()
    if not group or len(group) > 60:
        raise DomainError("The customer group needs a name of at most 60 characters.", "customer_group")
    if company.customer_group != group:
        before, company.customer_group = company.customer_group, group
        record(actor, "company.group_changed", company_id=company.id, target=company, before=before, after=group)
