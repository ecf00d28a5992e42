"""The back office home: worklists with counts, each shown only to a role that may open its list."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import func, select

from extensions import db
from models.actors import Actor
from models.applications import CompanyApplication
from models.companies import Company, CompanyStatus
from models.mail import MailState, OutboxMessage
from models.permissions import StaffPerm
from models.shops import AssignmentState, ShopAssignment
from models.users import CompanyUser


@dataclass(frozen=True)
class Tile:
    title: str
    count: int
    note: str
    url: str
    urgent: bool = False  # work waiting for someone: drawn as such


def _count(statement) -> int:
    return db.session.scalar(statement) or 0


def _waiting_applications() -> Tile:
    count = _count(select(func.count(CompanyApplication.id)).where(CompanyApplication.awaiting_decision()))
    return Tile("Applications waiting", count, "company applications to decide",
                url_for("applications.index_view", flt0_open_equals="yes"), urgent=count > 0)


def _waiting_registrations() -> Tile:
    count = _count(select(func.count(CompanyUser.id)).where(ShopAssignment.to_enable_for(CompanyUser.id)))
    return Tile("Accounts waiting for approval", count, "with a shop access to enable",
                url_for("company_users.index_view", flt0_shop_access_equals=AssignmentState.DISABLED.value),
                urgent=count > 0)


def _companies() -> Tile:
    total = _count(select(func.count(Company.id)))
    active = _count(select(func.count(Company.id)).where(Company.status == CompanyStatus.ACTIVE.value))
    return Tile("Companies", total, f"{active} active", url_for("companies.index_view"))


def _customers() -> Tile:
    return Tile("Company users", _count(select(func.count(CompanyUser.id))), "across all companies",
                url_for("company_users.index_view"))


def _mail() -> Tile:
    count = _count(select(func.count(OutboxMessage.id)).where(OutboxMessage.state == MailState.PENDING.value))
    return Tile("Mail waiting", count, "in the outbox", url_for("outbox.index_view"))


TILES = (
    (StaffPerm.MANAGE_COMPANIES, _waiting_applications),
    (StaffPerm.MANAGE_CUSTOMERS, _waiting_registrations),
    (StaffPerm.MANAGE_COMPANIES, _companies),
    (StaffPerm.MANAGE_CUSTOMERS, _customers),
    (StaffPerm.VIEW_OUTBOX, _mail),
)


def home_tiles(actor: Actor) -> list[Tile]:
    """The tiles ``actor`` may follow: each links to a list their role opens."""
    return [make() for permission, make in TILES if actor.can(permission)]
