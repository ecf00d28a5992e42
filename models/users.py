"""Company users, company roles and the permissions roles carry."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    false,
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, joinedload, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash

from extensions import db
from models.base import UTCDateTime, enum_check, utcnow
from models.money import Amount, Money
from models.permissions import BUILTIN_ROLES, BuiltinRole, Perm
from models.scoping import CompanyOwned, SharedOrCompanyOwned
from models.shops import CustomerType


class BudgetPeriod(str, enum.Enum):
    YEARLY = "yearly"
    HALF_YEARLY = "half_yearly"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"
    WEEKLY = "weekly"


# How a budget period reads, in the portal, the back office and mail.
PERIOD_LABELS = {BudgetPeriod.YEARLY.value: "yearly", BudgetPeriod.HALF_YEARLY.value: "half-yearly",
                 BudgetPeriod.QUARTERLY.value: "quarterly", BudgetPeriod.MONTHLY.value: "monthly",
                 BudgetPeriod.WEEKLY.value: "weekly"}


user_roles = Table(
    "user_roles",
    db.metadata,
    Column("user_id", Integer, ForeignKey("company_users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", Integer, ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_user_roles_role", "role_id", "user_id"),  # who holds a role (filters, role counts, deletion)
)


class RolePermission(db.Model):
    __tablename__ = "role_permissions"
    __table_args__ = (enum_check("permission", Perm, "permission"),)

    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(40), primary_key=True)


class Role(SharedOrCompanyOwned, db.Model):
    """A company role. Built-in roles have no company; custom roles belong to one."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("company_id", "name", name="uq_role_company_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))

    grants: Mapped[list[RolePermission]] = relationship(
        cascade="all, delete-orphan"
    )  # loaded where permissions are shown, compared or changed
    # The same permissions as one text ("a,b,c") in the role's own row, for the signed-in user's roles on every
    # request: one row per role to load, where joining the grants gives one per role and permission (34 for an
    # Account Admin). Deferred: ``roles_joined`` asks for it.
    grant_keys: Mapped[str | None] = column_property(
        select(func.aggregate_strings(RolePermission.permission, ","))
        .where(RolePermission.role_id == id).correlate_except(RolePermission).scalar_subquery(),
        deferred=True,
    )

    @property
    def builtin(self) -> bool:
        return self.key is not None

    @property
    def permissions(self) -> frozenset[Perm]:
        loaded = self.__dict__
        if "grants" not in loaded and "grant_keys" in loaded:  # the grants, once loaded, may have changed since
            return frozenset(Perm(key) for key in (loaded["grant_keys"] or "").split(",") if key)
        return frozenset(Perm(g.permission) for g in self.grants)

    def __str__(self) -> str:
        return self.name


class UserRole(db.Model):
    """A row of ``user_roles`` as an object. Loading a user's roles through it joins flat
    (``company_users → user_roles → roles``) where ``roles`` with its ``secondary`` joins a
    nested ``(user_roles JOIN roles)``, which SQLite evaluates for every holder of every role."""

    __table__ = user_roles
    role: Mapped[Role] = relationship(viewonly=True)


class CompanyUser(CompanyOwned, db.Model):
    """A person who signs in to the portal on behalf of their company."""

    __tablename__ = "company_users"
    __table_args__ = (
        enum_check("customer_type", CustomerType, "customer_type"),
        enum_check("budget_period", BudgetPeriod, "budget_period"),
        Index("ix_company_users_company_name", "company_id", "last_name", "first_name", "id"),  # users lists
        Index("ix_company_users_business_unit", "business_unit_id"),
        # Its index holds the id on PostgreSQL, so the back office's list by e-mail pages through the index alone.
        UniqueConstraint("email", name="uq_company_users_email", postgresql_include=["id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(40), default="")
    business_unit_id: Mapped[int | None] = mapped_column(ForeignKey("business_units.id"))
    customer_type: Mapped[str] = mapped_column(String(8), default=CustomerType.B2B.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Self-registered until the link mailed to the address is opened (a password link confirms it too).
    confirmation_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    currency: Mapped[str] = mapped_column(String(3))  # the company's, for budget and spend limit
    order_spend_limit: Mapped[Decimal | None] = mapped_column(Amount)
    budget_amount: Mapped[Decimal | None] = mapped_column(Amount)
    budget_period: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    company: Mapped["Company"] = relationship(back_populates="users")  # noqa: F821
    business_unit: Mapped["BusinessUnit | None"] = relationship()  # noqa: F821
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, order_by=Role.id)
    role_links: Mapped[list[UserRole]] = relationship(viewonly=True, order_by=user_roles.c.role_id)
    shop_assignments: Mapped[list["ShopAssignment"]] = relationship(  # noqa: F821
        back_populates="user", cascade="all, delete-orphan", order_by="ShopAssignment.id"
    )
    attribute_values: Mapped[list["AttributeValue"]] = relationship(  # noqa: F821
        cascade="all, delete-orphan"
    )

    kind = "company"

    # Flask-Login protocol -------------------------------------------------
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """The session token: kind, id and session version (bumped on logout)."""
        return f"company:{self.id}:{self.session_version}"

    # ----------------------------------------------------------------------
    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def access_status(self) -> tuple[str, str]:
        """How the account's status reads wherever it shows, and its tone: an account whose every shop
        access is disabled cannot sign in, so it is waiting for approval, not "active"."""
        if not self.active:
            return "Inactive", "secondary"
        if self.shop_assignments and not any(a.enabled for a in self.shop_assignments):
            return "Waiting for approval", "warning"
        return "Active", "success"

    @property
    def budget(self) -> Money | None:
        return None if self.budget_amount is None else Money(self.budget_amount, self.currency)

    @property
    def spend_limit(self) -> Money | None:
        return None if self.order_spend_limit is None else Money(self.order_spend_limit, self.currency)

    @property
    def permissions(self) -> frozenset[Perm]:
        held: set[Perm] = set()
        for role in self.roles:
            held |= role.permissions
        return frozenset(held)

    def can(self, perm: Perm) -> bool:
        """True when one of the user's roles grants ``perm``."""
        return perm in self.permissions

    def has_role(self, key: BuiltinRole) -> bool:
        return any(role.key == key.value for role in self.roles)

    def end_sessions(self) -> None:
        """Invalidate every session of this account on the server: copied cookies stop working."""
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"


def builtin_roles() -> dict[str, Role]:
    """The built-in roles by key; the migrations ship them with their permissions."""
    found = {r.key: r for r in db.session.scalars(db.select(Role).where(Role.key.is_not(None)))}
    missing = sorted(key.value for key in BUILTIN_ROLES if key.value not in found)
    if missing:
        raise RuntimeError(f"built-in roles {missing} are missing: run `flask db upgrade`")
    return found


def roles_joined(*, grants: bool = True):
    """A loader option: each user's roles (and their permissions, as ``Role.grant_keys``) in the user's own
    statement, joined flat through ``UserRole``. Pass the loaded users to ``adopt_roles`` to fill ``user.roles``."""
    option = joinedload(CompanyUser.role_links).joinedload(UserRole.role)
    return option.undefer(Role.grant_keys) if grants else option


def adopt_roles(users) -> None:
    """Set ``user.roles`` from the roles ``roles_joined`` loaded, as if loaded itself."""
    for user in users:
        set_committed_value(user, "roles", [link.role for link in user.role_links])
