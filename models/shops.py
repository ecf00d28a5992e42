"""Shops (master and sub shops), their per-customer-type settings, and the
assignment of customer accounts to shops (enabled / disabled)."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, distinct, false, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.actors import Actor
from models.audit import record, record_many
from models.base import DomainError, UTCDateTime, enum_check, utcnow
from models.mail import Mail, queue_mails
from models.money import Amount, check_currency, check_locale
from models.operations import operation, part_of_operation
from models.permissions import StaffPerm


class CustomerType(str, enum.Enum):
    B2B = "b2b"
    B2C = "b2c"
    B2E = "b2e"
    GUEST = "guest"


class AssignmentState(str, enum.Enum):
    ENABLED = "enabled"
    DISABLED = "disabled"


# A disabled shop access is one staff have yet to enable: that is what it reads as, in both faces.
ASSIGNMENT_STATE_LABELS = {"enabled": ("enabled", "success"), "disabled": ("waiting for approval", "warning")}


class RegistrationMode(str, enum.Enum):
    """What organisation sign-up (/register) does in a shop."""

    CREATE_COMPANY = "create_company"
    APPLICATION = "application"


class AddressBookMode(str, enum.Enum):
    DEFAULT = "default"  # customers edit billing and shipping addresses
    READ_ONLY = "read_only"  # only staff edit
    BILLING_READ_ONLY = "billing_read_only"  # customers edit shipping addresses only
    SHARED = "shared"  # the sub shop's shared address book, kept by staff


# How registration modes, customer types and address book modes read, in the portal, the back office and mail.
REGISTRATION_MODE_LABELS = {RegistrationMode.CREATE_COMPANY.value: "Sign-up creates the company at once",
                            RegistrationMode.APPLICATION.value: "Sign-up files a company application"}
CUSTOMER_TYPE_LABELS = {CustomerType.B2B.value: "B2B", CustomerType.B2C.value: "B2C", CustomerType.B2E.value: "B2E",
                        CustomerType.GUEST.value: "Guest"}
BOOK_MODE_LABELS = {
    AddressBookMode.DEFAULT.value: "Default: customers edit all addresses",
    AddressBookMode.READ_ONLY.value: "Read-only: only staff edit",
    AddressBookMode.BILLING_READ_ONLY.value: "Billing read-only: customers edit shipping addresses",
    AddressBookMode.SHARED.value: "Shared: the sub shop's address book, kept by staff",
}


class Shop(db.Model):
    """A storefront. A master shop has sub shops; B2B customers live in a sub shop."""

    __tablename__ = "shops"
    __table_args__ = (enum_check("registration_mode", RegistrationMode, "registration_mode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    registration_mode: Mapped[str] = mapped_column(String(20), default=RegistrationMode.CREATE_COMPANY.value)
    address_format: Mapped[str] = mapped_column(String(20), default="eu")
    locale: Mapped[str] = mapped_column(String(16), default="en_GB")  # how amounts are written and read
    currency: Mapped[str] = mapped_column(String(3), default="EUR")  # of its companies' budgets and prices
    tax_rate: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0), server_default="0")  # percent, on net prices
    guest_carts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # visitors fill carts
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Shop | None] = relationship(remote_side=[id], back_populates="sub_shops")
    sub_shops: Mapped[list[Shop]] = relationship(back_populates="parent", order_by="Shop.name")
    customer_settings: Mapped[list[ShopCustomerSetting]] = relationship(
        back_populates="shop", cascade="all, delete-orphan"
    )  # loaded where needed (the signed-in customer's shops load theirs): a shop list does not drag them
    shared_addresses: Mapped[list[ShopAddress]] = relationship(
        back_populates="shop", cascade="all, delete-orphan", order_by="ShopAddress.id"
    )

    @property
    def is_master(self) -> bool:
        return self.parent_id is None and bool(self.sub_shops)

    @property
    def is_sub_shop(self) -> bool:
        return self.parent_id is not None

    def settings_for(self, customer_type: str) -> ShopCustomerSetting:
        """This shop's settings for a customer type (defaults when none are stored)."""
        for setting in self.customer_settings:
            if setting.customer_type == customer_type:
                return setting
        return ShopCustomerSetting(
            customer_type=customer_type, requires_approval=False, address_book_mode=AddressBookMode.DEFAULT.value
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ShopCustomerSetting(db.Model):
    """Per shop and customer type: does registration need approval, address book mode."""

    __tablename__ = "shop_customer_settings"
    __table_args__ = (
        UniqueConstraint("shop_id", "customer_type", name="uq_shop_customer_setting"),
        enum_check("customer_type", CustomerType, "customer_type"),
        enum_check("address_book_mode", AddressBookMode, "address_book_mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_type: Mapped[str] = mapped_column(String(8))
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    address_book_mode: Mapped[str] = mapped_column(String(20), default=AddressBookMode.DEFAULT.value)

    shop: Mapped[Shop] = relationship(back_populates="customer_settings")

    def __str__(self) -> str:
        approval = "approval required" if self.requires_approval else "no approval"
        return (f"{CUSTOMER_TYPE_LABELS.get(self.customer_type, self.customer_type)}: {approval}, "
                f"{BOOK_MODE_LABELS.get(self.address_book_mode, self.address_book_mode).split(':')[0].lower()} address book")


class ShopAddress(db.Model):
    """An address of a sub shop's shared address book (read-only for customers)."""

    __tablename__ = "shop_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(80), default="")
    line1: Mapped[str] = mapped_column(String(160))
    line2: Mapped[str] = mapped_column(String(160), default="")
    postal_code: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(String(2))

    shop: Mapped[Shop] = relationship(back_populates="shared_addresses")

    @property
    def lines(self) -> list[str]:
        parts = [self.label, self.line1, self.line2, f"{self.postal_code} {self.city}", self.country]
        return [p for p in parts if p]

    def __str__(self) -> str:
        return ", ".join(self.lines)


class ShopAssignment(db.Model):
    """A customer account's registration in one shop: enabled or disabled."""

    __tablename__ = "shop_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "shop_id", name="uq_shop_assignment_user_shop"),
        Index("ix_shop_assignments_state", "state", "user_id"),  # the accounts waiting for approval
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

    @classmethod
    def waiting_accounts(cls):
        """How many accounts have a shop access waiting for staff to enable it (read from the state's index)."""
        return select(func.count(distinct(cls.user_id))).where(cls.state == AssignmentState.DISABLED.value)

    @property
    def status(self) -> tuple[str, str]:
        """How this access reads wherever it shows (``"atrium-de: waiting for approval"``), and its tone."""
        label, tone = ASSIGNMENT_STATE_LABELS[self.state]
        return f"{self.shop.code}: {label}", tone

    def __str__(self) -> str:
        return f"{self.shop} ({ASSIGNMENT_STATE_LABELS[self.state][0]})"


@operation(staff=StaffPerm.MANAGE_SHOPS)
def check_shop(shop: Shop, *, actor: Actor) -> None:
    """Normalise and check a shop staff save: code and name, one level of sub shops,
    one settings row per customer type, complete shared addresses."""
    shop.code = (shop.code or "").strip().lower()
    if not shop.code or not (shop.name or "").strip():
        raise DomainError("A shop needs a code and a name.")
    if shop.parent is not None and (shop.parent is shop or shop.parent.parent_id is not None):
        raise DomainError("A master shop must be a top-level shop (sub shops have no sub shops).")
    if shop.parent is not None and shop.sub_shops:
        raise DomainError(f"{shop.name} has sub shops, so it cannot be a sub shop itself.")
    types = [s.customer_type for s in shop.customer_settings]
    repeated = {t for t in types if types.count(t) > 1}
    if repeated:
        raise DomainError(f"The customer type {sorted(repeated)[0].upper()} has two settings rows; keep one.")
    shop.locale = check_locale(shop.locale or "en_GB")
    shop.currency = check_currency(shop.currency or "EUR")
    for address in shop.shared_addresses:
        address.country = (address.country or "").strip().upper()
        if len(address.country) != 2 or not address.country.isalpha():
            raise DomainError("Use the two-letter country code for shared addresses, e.g. DE or US.")
        if not all((value or "").strip() for value in (address.line1, address.postal_code, address.city)):
            raise DomainError("Shared addresses need a street, a postal code and a city.")


@operation(staff=StaffPerm.MANAGE_CUSTOMERS, on="user")
def assign_shop(user, shop: Shop, *, actor: Actor, enabled: bool = True) -> ShopAssignment:
    """Staff register ``user`` in one more ``shop``."""
    return add_shop_assignment(user, shop, actor=actor, enabled=enabled)


@part_of_operation
def add_shop_assignment(user, shop: Shop, *, actor: Actor, enabled: bool = True) -> ShopAssignment:
    """Register ``user`` in ``shop`` for an operation that checked its own rule (sign-up, new users).

    In master/sub mode a B2B customer belongs to exactly one sub shop; outside it
    an account may be assigned to several shops.
    """
    if any(a.shop_id == shop.id for a in user.shop_assignments):
        raise DomainError(f"{user.email} is already assigned to {shop.name}.")
    if shop.is_sub_shop and user.customer_type == CustomerType.B2B.value:
        other = next((a for a in user.shop_assignments if a.shop.parent_id == shop.parent_id), None)
        if other is not None:
            raise DomainError(
                f"A B2B customer belongs to one sub shop; {user.email} is already in {other.shop.name}."
            )
    state = AssignmentState.ENABLED if enabled else AssignmentState.DISABLED
    assignment = ShopAssignment(shop=shop, state=state.value)
    user.shop_assignments.append(assignment)
    record(actor, "shop.assigned", company_id=user.company_id, target=user, shop=shop.code, state=state.value)
    return assignment


@operation(staff=StaffPerm.MANAGE_CUSTOMERS)
def set_assignment_state(assignment: ShopAssignment, enabled: bool, *, actor: Actor) -> bool:
    """Enable or disable a shop assignment and mail the customer; False if unchanged."""
    return bool(set_assignment_states([assignment], enabled, actor=actor))


@operation(staff=StaffPerm.MANAGE_CUSTOMERS)
def set_assignment_states(assignments: list[ShopAssignment], enabled: bool, *, actor: Actor) -> int:
    """Enable or disable shop assignments, one or many (a bulk action) in a fixed number of statements, and
    mail each customer; a customer left with no enabled shop is signed out. Load the assignments with their
    shop, user and the user's other assignments. How many changed."""
    state = AssignmentState.ENABLED if enabled else AssignmentState.DISABLED
    changing = [a for a in assignments if a.state != state.value]
    for assignment in changing:
        assignment.state = state.value
    if not enabled:
        for user in {a.user for a in changing}:
            if not any(a.enabled for a in user.shop_assignments):
                user.end_sessions()
    record_many(actor, f"shop.{state.value}", targets=[a.user for a in changing],
                each=[{"shop": a.shop.code} for a in changing])
    verb = "active" if enabled else "disabled"
    queue_mails([Mail(a.user.email, f"shop_{state.value}", f"Your account for {a.shop.name} is {verb}",
                      {"user": a.user, "shop": a.shop}) for a in changing])
    return len(changing)


def shops_to_visit(limit: int = 50) -> list[Shop]:
    """The storefronts a visitor may switch between: master shops first, then by name."""
    return list(db.session.scalars(select(Shop).order_by(Shop.parent_id.is_not(None), Shop.name).limit(limit)))


def find_shop(code: str, known_id: int | None = None) -> Shop | None:
    """The shop with ``code``; ``known_id`` (remembered with the code) finds it without a query when the
    shop is loaded already, as the signed-in customer's shops are."""
    if known_id is not None:
        shop = db.session.get(Shop, known_id)
        if shop is not None and shop.code == code:
            return shop
    return db.session.scalar(select(Shop).where(Shop.code == code))


def landing_shop(user, visited: Shop | None) -> Shop:
    """The shop ``user`` signs in to when visiting ``visited``.

    That shop if their assignment there is enabled; on a master shop, their
    enabled sub shop of it; a shop they are not assigned to lands them in one of
    their enabled shops. A disabled assignment means no sign-in to that shop.
    """
    assignments = list(user.shop_assignments)
    enabled = [a.shop for a in assignments if a.enabled]
    if visited is not None:
        here = next((a for a in assignments if a.shop_id == visited.id), None)
        if here is not None and not here.enabled:
            raise DomainError(
                f"Your account is waiting for approval or has been disabled in {visited.name}. "
                "You will receive an e-mail when it is enabled."
            )
        if here is not None:
            return visited
        sub = next((s for s in enabled if s.parent_id == visited.id), None)
        if sub is not None:
            return sub
        if any(a.shop.parent_id == visited.id for a in assignments):
            raise DomainError(
                f"Your account is waiting for approval or has been disabled in {visited.name}. "
                "You will receive an e-mail when it is enabled."
            )
    if enabled:
        return enabled[0]
    if assignments:
        raise DomainError(
            "Your account is waiting for approval or has been disabled for this shop. "
            "You will receive an e-mail when it is enabled."
        )
    return user.company.shop
