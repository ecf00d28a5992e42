"""The back office home: worklists with counts, each shown only to a role that may open its list."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import func, select

from extensions import db
from models.actors import Actor
from models.applications import CompanyApplication
from models.base import utcnow
from models.companies import Company, CompanyStatus
from models.mail import MailState, OutboxMessage
from models.orders import Order, day_start
from models.permissions import StaffPerm
from models.shops import AssignmentState, ShopAssignment
from models.users import CompanyUser

ON_HOLD = "on_hold"  # the order workflow's state for orders staff check before they go ahead


@dataclass(frozen=True)
class Tile:
    title: str
    count: int
    note: str
    url: str
    urgent: bool = False  # work waiting for someone: drawn as such


def _count(statement) -> int:
    return db.session.scalar(statement) or 0


def _counts(*statements) -> tuple[int, ...]:
    """Several counts in one statement (each a subquery of it)."""
    row = db.session.execute(select(*(statement.scalar_subquery() for statement in statements))).one()
    return tuple(value or 0 for value in row)


def _waiting_applications() -> Tile:
    count = _count(select(func.count(CompanyApplication.id)).where(CompanyApplication.awaiting_decision()))
    return Tile("Applications waiting", count, "company applications to decide",
                url_for("applications.index_view", flt0_open_equals="yes"), urgent=count > 0)


def _waiting_registrations() -> Tile:
    count = _count(ShopAssignment.waiting_accounts())
    return Tile("Accounts waiting for approval", count, "with a shop access to enable",
                url_for("company_users.index_view", flt0_shop_access_equals=AssignmentState.DISABLED.value),
                urgent=count > 0)


def _companies() -> Tile:
    total, active = _counts(select(func.count(Company.id)),
                            select(func.count(Company.id)).where(Company.status == CompanyStatus.ACTIVE.value))
    return Tile("Companies", total, f"{active} active", url_for("companies.index_view"))


def _orders() -> list[Tile]:
    """Orders held for a check, and orders placed since midnight (UTC, as the list's date filter reads)."""
    today = utcnow().date()
    waiting, placed = _counts(select(func.count(Order.id)).where(Order.state == ON_HOLD),
                              select(func.count(Order.id)).where(Order.placed_at >= day_start(today)))
    return [Tile("Orders waiting", waiting, "held for a check before they go ahead",
                 url_for("orders.index_view", flt0_state_equals=ON_HOLD), urgent=waiting > 0),
            Tile("Orders today", placed, "placed since midnight (UTC)",
                 url_for("orders.index_view", flt0_placed_from=today.isoformat()))]


def _inquiries() -> Tile:
    """Inquiries waiting for support: sent (Pending) or being looked at (In Review)."""
    from models.inquiries import Inquiry

    pending, in_review = _counts(select(func.count(Inquiry.id)).where(Inquiry.state == "pending"),
                                 select(func.count(Inquiry.id)).where(Inquiry.state == "in_review"))
    return Tile("Inquiries waiting", pending + in_review, f"{pending} pending, {in_review} in review",
                url_for("inquiries.index_view", flt0_status_equals="pending"), urgent=pending + in_review > 0)


def _customers() -> Tile:
    return Tile("Company users", _count(select(func.count(CompanyUser.id))), "across all companies",
                url_for("company_users.index_view"))


def _mail() -> Tile:
    count = _count(select(func.count(OutboxMessage.id)).where(OutboxMessage.state == MailState.PENDING.value))
    return Tile("Mail waiting", count, "in the outbox", url_for("outbox.index_view"))


TILES = (
    (StaffPerm.MANAGE_COMPANIES, _waiting_applications),
    (StaffPerm.MANAGE_CUSTOMERS, _waiting_registrations),
    (StaffPerm.MANAGE_ORDERS, _orders),
    (StaffPerm.WORK_INQUIRIES, _inquiries),
    (StaffPerm.MANAGE_COMPANIES, _companies),
    (StaffPerm.MANAGE_CUSTOMERS, _customers),
    (StaffPerm.VIEW_OUTBOX, _mail),
)


def home_tiles(actor: Actor) -> list[Tile]:
    """The tiles ``actor`` may follow: each links to a list their role opens."""
    tiles = []
    for permission, make in TILES:
        if actor.can(permission):
            made = make()
            tiles += made if isinstance(made, list) else [made]
    return tiles
