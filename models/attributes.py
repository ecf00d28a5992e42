"""Custom customer attributes: defined by staff, shown where a shop configures them."""
from __future__ import annotations

import enum
import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.actors import Actor
from models.audit import record
from models.base import DomainError, enum_check
from models.operations import operation
from models.permissions import Perm, StaffPerm


class AttributeType(str, enum.Enum):
    TEXT = "text"
    BOOLEAN = "boolean"
    NUMBER = "number"


class AttributeDefinition(db.Model):
    __tablename__ = "attribute_definitions"
    __table_args__ = (enum_check("type", AttributeType, "type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(12), default=AttributeType.TEXT.value)
    required: Mapped[bool] = mapped_column(Boolean, default=False)

    def __str__(self) -> str:
        return self.label


class ShopAttribute(db.Model):
    """Which attributes a shop's registration and profile forms show."""

    __tablename__ = "shop_attributes"
    __table_args__ = (UniqueConstraint("shop_id", "definition_id", name="uq_shop_attribute"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    definition_id: Mapped[int] = mapped_column(ForeignKey("attribute_definitions.id", ondelete="CASCADE"))
    on_registration: Mapped[bool] = mapped_column(Boolean, default=True)
    on_profile: Mapped[bool] = mapped_column(Boolean, default=True)

    shop: Mapped["Shop"] = relationship()  # noqa: F821
    definition: Mapped[AttributeDefinition] = relationship(lazy="joined")


class AttributeValue(db.Model):
    __tablename__ = "attribute_values"
    __table_args__ = (UniqueConstraint("user_id", "definition_id", name="uq_attribute_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("company_users.id", ondelete="CASCADE"), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("attribute_definitions.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(Text, default="")

    definition: Mapped[AttributeDefinition] = relationship(lazy="joined")


KEY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,59}$")


@operation(staff=StaffPerm.MANAGE_SHOPS)
def check_definition(definition: AttributeDefinition, *, actor: Actor) -> None:
    """Normalise and check a definition staff save: a unique KEY of letters, digits and underscores, a label."""
    definition.key = (definition.key or "").strip().upper()
    definition.label = (definition.label or "").strip()
    if not KEY_PATTERN.match(definition.key):
        raise DomainError("The key takes letters, digits and underscores and starts with a letter.", "key")
    if not definition.label:
        raise DomainError("The attribute needs a label.", "label")
    with db.session.no_autoflush:
        clash = db.session.scalar(select(AttributeDefinition.id).where(
            AttributeDefinition.key == definition.key, AttributeDefinition.id != definition.id))
    if clash is not None:
        raise DomainError(f"An attribute with the key {definition.key} exists already.", "key")


@operation(staff=StaffPerm.MANAGE_SHOPS)
def check_definition_deletable(definition: AttributeDefinition, *, actor: Actor) -> None:
    """A definition customers have values for stays; shops stop showing it instead."""
    in_use = db.session.scalar(select(func.count(AttributeValue.id)).where(AttributeValue.definition_id == definition.id))
    if in_use:
        raise DomainError(
            f"{in_use} customer(s) have a value for {definition.label}; remove it from the shops' forms instead."
        )


@operation(staff=StaffPerm.MANAGE_SHOPS)
def check_shop_attribute(shop_attribute: ShopAttribute, *, actor: Actor) -> None:
    """A shop shows each attribute once."""
    if shop_attribute.shop is None or shop_attribute.definition is None:
        raise DomainError("Choose a shop and an attribute.")
    with db.session.no_autoflush:
        clash = db.session.scalar(select(ShopAttribute.id).where(
            ShopAttribute.shop_id == shop_attribute.shop.id, ShopAttribute.definition_id == shop_attribute.definition.id,
            ShopAttribute.id != shop_attribute.id))
    if clash is not None:
        raise DomainError(f"{shop_attribute.shop.name} already shows {shop_attribute.definition.label}.")


# Attributes that repeat a field every account has. Forms show the field itself (required where the shop
# requires the attribute), and the attribute keeps the field's value, so searches by attribute still find it.
PROFILE_FIELDS = {"CUSTOMER_PHONE": "phone"}


def own_field(definition: AttributeDefinition) -> str | None:
    """The account field ``definition`` repeats, if any (see PROFILE_FIELDS)."""
    return PROFILE_FIELDS.get(definition.key)


def mirror_own_fields(user) -> None:
    """Give the attributes that repeat an account field the field's current value."""
    for row in user.attribute_values:
        field = own_field(row.definition)
        if field:
            row.value = getattr(user, field) or ""


def shop_attributes(shop_id: int, *, form: str) -> list[AttributeDefinition]:
    """The attribute definitions a shop shows on its ``registration`` or ``profile`` form."""
    column = ShopAttribute.on_registration if form == "registration" else ShopAttribute.on_profile
    query = (select(AttributeDefinition)
             .join(ShopAttribute, ShopAttribute.definition_id == AttributeDefinition.id)
             .where(ShopAttribute.shop_id == shop_id, column.is_(True))
             .order_by(AttributeDefinition.label))
    return db.session.scalars(query).all()


def clean_value(definition: AttributeDefinition, raw) -> str:
    text = "" if raw is None else str(raw).strip()
    where = own_field(definition) or definition.key
    if definition.type == AttributeType.BOOLEAN.value:
        return "yes" if text.lower() in {"1", "true", "yes", "on", "y"} else "no"
    if not text:
        if definition.required:
            raise DomainError(f"{definition.label} is required.", where)
        return ""
    if len(text) > 500:
        raise DomainError(f"{definition.label} is too long (500 characters at most).", where)
    if definition.type == AttributeType.NUMBER.value:
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise DomainError(f"{definition.label} must be a number.", where)
    return text


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="user", self_service=True)
def set_attribute_values(user, definitions, values: dict, *, actor: Actor) -> None:
    """Store the given attribute values for ``user`` (only the listed definitions; one that repeats an
    account field takes the field's value)."""
    current = {v.definition_id: v for v in user.attribute_values}
    changed = []
    for definition in definitions:
        field = own_field(definition)
        value = clean_value(definition, getattr(user, field) if field else values.get(definition.key))
        row = current.get(definition.id)
        if row is None:
            user.attribute_values.append(AttributeValue(definition=definition, value=value))
            changed.append(definition)
        elif row.value != value:
            row.value = value
            changed.append(definition)
    if changed:
        record(actor, "user.attributes_changed", company_id=user.company_id, target=user,
               changed=[d.key for d in changed], names=[d.label for d in changed])


DEFAULT_ATTRIBUTES = [
    ("CUSTOMER_PHONE", "Contact phone", AttributeType.TEXT),
    ("MARKETING_OPT_IN", "Marketing e-mails", AttributeType.BOOLEAN),
    ("CUSTOMER_B2B_REF", "B2B reference", AttributeType.TEXT),
    ("CUSTOMER_B2B_EMPLOYEE_ID", "Employee ID", AttributeType.TEXT),
    ("CUSTOMER_B2B_CHARGE_ID", "Charge ID", AttributeType.TEXT),
]
