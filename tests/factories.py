"""Small helpers that load demo rows and build test data inside an app context."""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
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
