"""Companies, their business units (a tree) and their address book."""
from __future__ import annotations

import enum
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, and_, event, or_, select, update
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from extensions import db
from models.actors import Actor
from models.audit import record
from models.base import DomainError, UTCDateTime, apply_changes, enum_check, utcnow
from models.mail import queue_mail
from models.money import Amount, Money, check_limit
from models.operations import operation
from models.permissions import BuiltinRole, Perm, StaffPerm
from models.scoping import CompanyOwned, CompanyRow
from models.shops import Shop
from models.users import CompanyUser, Role


class CompanyStatus(str, enum.Enum):
    PENDING = "pending"
    ACTIVE = "active"
    INACTIVE = "inactive"


class AddressKind(str, enum.Enum):
    BILLING = "billing"
    SHIPPING = "shipping"


class Company(CompanyRow, db.Model):
    """A customer organisation."""

    __tablename__ = "companies"
    __table_args__ = (enum_check("status", CompanyStatus, "status"),)

    name: Mapped[str] = mapped_column(String(160))
    status: Mapped[str] = mapped_column(String(16), default=CompanyStatus.ACTIVE.value)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    customer_group: Mapped[str] = mapped_column(String(60), default="default")
    vat_id: Mapped[str | None] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))  # its shop's when it was created
    # Checkout attributes; enforced at checkout.
    require_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    require_approval_over: Mapped[Decimal | None] = mapped_column(Amount)
    block_checkout: Mapped[bool] = mapped_column(Boolean, default=False)
    block_checkout_over: Mapped[Decimal | None] = mapped_column(Amount)
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

    def money(self, amount: Decimal | None) -> Money | None:
        """An amount of this company (thresholds, budgets) with its currency."""
        return None if amount is None else Money(amount, self.currency)

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


@event.listens_for(Company, "before_insert")
def _company_currency(mapper, connection, company: Company) -> None:
    """A new company keeps amounts in its shop's currency."""
    if not company.currency:
        shop = company.__dict__.get("shop")
        company.currency = shop.currency if shop is not None and shop.currency else connection.scalar(
            select(Shop.currency).where(Shop.id == company.shop_id))


@event.listens_for(CompanyUser, "before_insert")
def _user_currency(mapper, connection, user: CompanyUser) -> None:
    """A new user's budget and spend limit are in their company's currency."""
    if not user.currency:
        company = user.__dict__.get("company")
        user.currency = company.currency if company is not None and company.currency else connection.scalar(
            select(Company.currency).where(Company.id == user.company_id))


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


def _billing_address_id(company_id):
    """The id of the company's default billing address, else of its first one (as SQL)."""
    billing = aliased(Address)
    return (select(billing.id).where(billing.company_id == company_id, billing.kind == AddressKind.BILLING.value)
            .order_by(billing.is_default.desc(), billing.id).limit(1).scalar_subquery())


# The company's billing address (default, else first); a page joins it to the company's own statement.
Company.billing_address = relationship(
    Address, viewonly=True, uselist=False,
    primaryjoin=lambda: and_(Address.company_id == Company.id, Address.id == _billing_address_id(Company.id)))


@operation(staff=StaffPerm.MANAGE_COMPANIES, on="company")
def set_company_status(company: Company, status: CompanyStatus, *, actor: Actor) -> None:
    """Staff activate or deactivate a company. Users of an inactive company cannot sign in and
    their sessions end for good (reactivation does not revive them); its account admins are told by mail."""
    if company.status == status.value:
        return
    before = company.status
    company.status = status.value
    if not company.is_active:
        db.session.execute(update(CompanyUser).where(CompanyUser.company_id == company.id)
                           .values(session_version=CompanyUser.session_version + 1)
                           .execution_options(unscoped=True))
    record(actor, "company.status_changed", company_id=company.id, target=company, before=before, after=status.value)
    subject = f"{company.name} is {'active in Atrium again' if company.is_active else 'deactivated in Atrium'}"
    for admin in account_admins(company.id):
        queue_mail(admin.email, "company_status", subject=subject, user=admin, company=company)


def lock_company(company_id: int) -> None:
    """Hold the company's row until commit, so a rule that counts its people holds under concurrency.

    On PostgreSQL a second caller waits here, then counts afresh; on SQLite
    every writing transaction already holds the database's write lock.
    """
    lock_companies([company_id])


def lock_companies(company_ids) -> None:
    """``lock_company`` for several companies in one statement, always in the same order (no deadlock)."""
    db.session.execute(select(Company.id).where(Company.id.in_(sorted(set(company_ids)))).order_by(Company.id)
                       .with_for_update().execution_options(unscoped=True))


def account_admins(company_id: int, *, limit: int | None = None) -> list[CompanyUser]:
    """The company's active Account Admins, by name (the first ``limit`` of them)."""
    return account_admins_and_role(company_id, limit=limit)[0]


def account_admins_and_role(company_id: int, *, limit: int | None = None) -> tuple[list[CompanyUser], int | None]:
    """``account_admins``, and the Account Admin role's id (None when the company has none), in one statement."""
    rows = db.session.execute(
        db.select(CompanyUser, Role.id).join(CompanyUser.roles)
        .where(CompanyUser.company_id == company_id, CompanyUser.active.is_(True),
               Role.key == BuiltinRole.ACCOUNT_ADMIN.value)
        .order_by(CompanyUser.last_name, CompanyUser.first_name, CompanyUser.id).limit(limit)
        .execution_options(unscoped=True)
    ).all()
    return [user for user, _ in rows], (rows[0][1] if rows else None)


@operation(Perm.MANAGE_COMPANY, staff=StaffPerm.MANAGE_COMPANIES, on="company")
def update_company(company: Company, *, actor: Actor, name: str, vat_id: str | None) -> None:
    """Account admins (and staff) edit the company's name and VAT id."""
    name = str(name or "").strip()
    if not name:
        raise DomainError("The company needs a name.", "name")
    changed = apply_changes(company, {"name": name, "vat_id": str(vat_id or "").strip() or None})
    if changed:
        record(actor, "company.updated", company_id=company.id, target=company, changed=changed)


@operation(staff=StaffPerm.MANAGE_COMPANIES, on="company")
def set_checkout_rules(company: Company, *, actor: Actor, require_approval: bool,
                       require_approval_over: Decimal | None, block_checkout: bool,
                       block_checkout_over: Decimal | None) -> None:
    """Staff set when the company's orders need approval or are blocked (in the company's currency)."""
    changed = apply_changes(company, {
        "require_approval": bool(require_approval),
        "require_approval_over": check_limit(require_approval_over, company.currency, "The approval threshold",
                                             "require_approval_over"),
        "block_checkout": bool(block_checkout),
        "block_checkout_over": check_limit(block_checkout_over, company.currency, "The checkout block threshold",
                                           "block_checkout_over"),
    })
    if changed:
        record(actor, "company.updated", company_id=company.id, target=company, changed=changed)


@operation(Perm.MANAGE_COMPANY, staff=StaffPerm.MANAGE_COMPANIES, on="company")
def save_business_unit(company: Company, *, actor: Actor, name: str, parent: BusinessUnit | None = None,
                       unit: BusinessUnit | None = None) -> BusinessUnit:
    """Add a business unit, or rename / move ``unit`` within the company's tree."""
    if unit is not None and unit.company_id != company.id:
        raise DomainError("That business unit belongs to another company.", "business_unit")
    name = (name or "").strip()
    if not name:
        raise DomainError("The business unit needs a name.", "name")
    if any(u.name.lower() == name.lower() and u is not unit for u in company.business_units):
        raise DomainError(f"{company.name} already has a business unit named {name}.", "name")
    if parent is not None and (parent.company_id != company.id or parent is unit):
        raise DomainError("Choose a parent unit of the same company.", "parent")
    if unit is not None and parent is not None and parent.id in descendant_ids(company.business_units, unit.id):
        raise DomainError(f"{parent.name} is below {unit.name}; a unit cannot move under its own sub-unit.", "parent")
    if unit is None:
        unit = BusinessUnit(name=name, parent=parent)
        company.business_units.append(unit)
        action = "business_unit.added"
    else:
        unit.name, unit.parent = name, parent
        action = "business_unit.updated"
    db.session.flush()
    record(actor, action, company_id=company.id, target=unit)
    return unit


@operation(staff=StaffPerm.MANAGE_COMPANIES, on="unit")
def set_unit_service_rep(unit: BusinessUnit, rep, *, actor: Actor) -> None:
    """Staff assign the service representative of a business unit (None clears it)."""
    _check_rep(rep)
    if unit.service_rep is rep:
        return
    unit.service_rep = rep
    record(actor, "business_unit.service_rep_changed", company_id=unit.company_id, target=unit,
           rep=rep.name if rep is not None else "")


def _check_rep(rep) -> None:
    """A service representative is an active staff member (or nobody)."""
    if rep is not None and not rep.active:
        raise DomainError(f"{rep.name} is not an active staff member.")


UNITS_OFFERED = 25  # a form lists at most this many of a company's units, and those already chosen


def units_to_offer(company_id: int, *, chosen=(), typed: str = "") -> tuple[list[BusinessUnit], bool]:
    """The business units a form lists to choose from, by name: the first ``UNITS_OFFERED`` of the company's
    units with the ``chosen`` ones (ids as a form sends them) wherever they stand, or for the finder the first
    of those whose name holds ``typed``; and whether more units are left out. Another company's ids are left
    out. One statement, whatever the number of units: a big company's form finds the others by name."""
    from models.scopes import row_id
    from models.search import contains

    limit, typed = UNITS_OFFERED, (typed or "").strip()[:120]
    order = (BusinessUnit.name, BusinessUnit.id)
    own = BusinessUnit.company_id == company_id
    first = select(BusinessUnit.id).where(own, *([contains(BusinessUnit.name, typed)] if typed else []))
    wanted = set() if typed else {found for found in map(row_id, list(chosen)[:1000]) if found is not None}
    rows = db.session.scalars(select(BusinessUnit).where(own, or_(
        BusinessUnit.id.in_(first.order_by(*order).limit(limit + 1)), BusinessUnit.id.in_(wanted)))
        .order_by(*order)).all()
    # The first limit + 1 rows by name are the sub-query's (any other row is chosen and comes after them all).
    return [unit for place, unit in enumerate(rows) if place < limit or unit.id in wanted], len(rows) > limit


def unit_finder_answer(company_id: int, typed: str) -> dict:
    """What the unit finder (templates/shared/unit_finder.html) is told: the company's units whose name holds
    ``typed``, by name, and whether there are more."""
    units, more = units_to_offer(company_id, typed=typed or "")
    return {"units": [{"id": unit.id, "name": unit.name} for unit in units], "more": more}


def units_to_offer_from(units, *, chosen=()) -> tuple[list[BusinessUnit], bool]:
    """``units_to_offer`` for a page that has loaded all of the company's ``units`` already (for its tree): the
    first ``UNITS_OFFERED`` by name and the ``chosen`` ids, and whether more are left out; no statement."""
    ranked = sorted(units, key=lambda unit: (unit.name, unit.id))
    wanted = set(chosen)
    return ([unit for place, unit in enumerate(ranked) if place < UNITS_OFFERED or unit.id in wanted],
            len(ranked) > UNITS_OFFERED)


def unit_tree(units) -> list[tuple]:
    """The units in tree order with their depth: ``[(unit, depth), ...]``."""
    children = defaultdict(list)
    for unit in units:
        children[unit.parent_id].append(unit)
    ordered: list[tuple] = []

    def walk(parent_id, depth):
        for unit in sorted(children[parent_id], key=lambda u: u.name.lower()):
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return ordered


def descendant_ids(units, unit_id: int) -> set[int]:
    """The ids of every unit below ``unit_id`` among ``units`` (a unit cannot move under one of these)."""
    children = defaultdict(list)
    for unit in units:
        children[unit.parent_id].append(unit.id)
    found, stack = set(), list(children[unit_id])
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children[current])
    return found


@operation(Perm.MANAGE_COMPANY, staff=StaffPerm.MANAGE_COMPANIES, on="unit")
def delete_business_unit(unit: BusinessUnit, *, actor: Actor) -> None:
    members = db.session.scalar(
        db.select(db.func.count(CompanyUser.id)).where(CompanyUser.business_unit_id == unit.id)
    )
    if members or unit.children:
        raise DomainError(f"{unit.name} still has users or sub-units; move them first.")
    record(actor, "business_unit.deleted", company_id=unit.company_id, target=unit)
    unit.company.business_units.remove(unit)
    db.session.delete(unit)


@operation(staff=StaffPerm.MANAGE_COMPANIES, on="company")
def set_default_service_rep(company: Company, rep, *, actor: Actor) -> None:
    """Staff choose the company's default service representative (None clears it)."""
    _check_rep(rep)
    if company.default_service_rep is rep:
        return
    company.default_service_rep = rep
    record(actor, "company.service_rep_changed", company_id=company.id, target=company,
           rep=rep.name if rep is not None else "")


@operation(staff=StaffPerm.MANAGE_COMPANIES, on="company")
def set_customer_group(company: Company, group: str, *, actor: Actor) -> None:
    """Staff put a company in a customer group (its pricing policy)."""
    group = (group or "").strip()
    if not group or len(group) > 60:
        raise DomainError("The customer group needs a name of at most 60 characters.", "customer_group")
    if company.customer_group != group:
        before, company.customer_group = company.customer_group, group
        record(actor, "company.group_changed", company_id=company.id, target=company, before=before, after=group)
