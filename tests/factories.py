"""Small helpers that load demo rows and build test data inside an app context."""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.actors import Actor
from models.companies import Company
from models.shops import Shop
from models.staff import StaffUser
from models.users import CompanyUser, Role


def user(email: str) -> CompanyUser:
    return db.session.scalar(select(CompanyUser).where(CompanyUser.email == email))


def staff(email: str) -> StaffUser:
    return db.session.scalar(select(StaffUser).where(StaffUser.email == email))


def company(name: str) -> Company:
    return db.session.scalar(select(Company).where(Company.name == name))


def shop(code: str) -> Shop:
    return db.session.scalar(select(Shop).where(Shop.code == code))


def role(key_or_name: str) -> Role:
    return db.session.scalar(select(Role).where((Role.key == key_or_name) | (Role.name == key_or_name)))


def actor(who) -> Actor:
    """The actor for a company user, a staff user, or an e-mail of either."""
    if isinstance(who, Actor):
        return who
    if isinstance(who, str):
        who = staff(who) if who.endswith("@atrium.example") else user(who)
    if isinstance(who, StaffUser):
        return Actor.for_staff(who)
    return Actor.for_company_user(who)


def attribute(key: str):
    from models.attributes import AttributeDefinition

    return db.session.scalar(select(AttributeDefinition).where(AttributeDefinition.key == key))


def shop_attribute():
    from models.attributes import ShopAttribute

    return db.session.scalar(select(ShopAttribute).order_by(ShopAttribute.id))
