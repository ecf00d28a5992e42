"""The portal home: the dashboard of a signed-in company user.

The dashboard shows the blocks ``models.dashboard.blocks_for`` gives the user (their roles and permissions
decide). Each block's data comes through the visible queries of its model (``asset_list``,
``inquiry_list``, ``booked_list``, ``company_documents``, ``order_history``), so a block shows only what
the user may see, and every list is bounded: the page costs the same few statements however much data
the company has. The Overview counts are one statement; features add their counts to ``OVERVIEW``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from extensions import db
from models.actors import Actor
from models.assets import asset_list
from models.dashboard import blocks_for, content
from models.files import company_documents
from models.inquiries import Inquiry, inquiry_list
from models.orders import OrderFilters, Period, order_history
from models.permissions import Perm
from models.quotes import today
from models.services import booked_list
from models.workflows import Workflow
from paging import COUNT_CAP, capped_counts
from portal import bp
from security import can, company_login_required, current_actor

ROWS = 5  # rows each list block shows; the block links to the full, paged list
OVERVIEW_CAP = COUNT_CAP  # the most rows an Overview count reads


@dataclass(frozen=True)
class OverviewItem:
    """One count on the Overview block: what is counted (a visible query), and the list it links to."""

    key: str
    label: str
    query: Callable[[Actor], object]  # actor → the Select of the rows counted
    endpoint: str
    args: dict = field(default_factory=dict)

    def url(self) -> str:
        return url_for(self.endpoint, **self.args)


#: The Overview's counts. Later features (e.g. spend control's pending approvals) append theirs here.
OVERVIEW: list[OverviewItem] = [
    OverviewItem("assets", "Assets", asset_list, "portal.assets"),
    OverviewItem("inquiries", "Pending inquiries", lambda actor: inquiry_list(actor, state="pending"),
                 "portal.inquiries", {"state": "pending"}),
    OverviewItem("services", "Upcoming services", lambda actor: booked_list(actor, upcoming=True),
                 "portal.services"),
    OverviewItem("orders", "Orders in the last month",
                 lambda actor: order_history(actor, OrderFilters(period=Period.MONTH.value)),
                 "portal.orders"),
]


def overview_counts(actor: Actor) -> list[tuple[OverviewItem, str]]:
    """Each Overview item with its count as shown, all counted in one statement. A count stops after
    ``OVERVIEW_CAP`` rows and shows as "1,000+" (the item links to the list, which counts them all), so the
    home page reads a bounded number of rows however many assets or orders the company has."""
    return list(zip(OVERVIEW, capped_counts([item.query(actor) for item in OVERVIEW], OVERVIEW_CAP)))


def representative(user) -> dict:
    """Who the user's customer service representative is: their business unit's, else their company's,
    else the ``sales_rep:default`` text staff wrote (``staff`` None)."""
    unit = user.business_unit
    staff = (unit.service_rep if unit is not None else None) or user.company.default_service_rep
    return {"staff": staff, "text": None if staff else content("sales_rep:default")}


def _latest(query) -> list:
    return db.session.scalars(query.limit(ROWS)).all()


LOADERS: dict[str, Callable[[Actor], object]] = {
    "overview": overview_counts,
    "representative": lambda actor: representative(current_user),
    "assets": lambda actor: _latest(asset_list(actor)),
    "files": lambda actor: _latest(company_documents(actor)),
    "inquiries": lambda actor: _latest(inquiry_list(actor).options(
        joinedload(Inquiry.workflow).selectinload(Workflow.states))),
    "services": lambda actor: _latest(booked_list(actor, upcoming=True)),
    "promo": lambda actor: content("promo"),
}


def safe_link(url: str | None) -> str:
    """A content block's link if it is one the portal may show (a portal page or https), else ""."""
    url = (url or "").strip()
    return url if (url.startswith("/") and not url.startswith("//")) or url.startswith("https://") else ""


def initials(name: str) -> str:
    return "".join(part[0] for part in name.split()[:2]).upper()


@bp.route("/")
@company_login_required
def home():
    actor = current_actor()
    blocks = blocks_for(actor, [role.id for role in current_user.roles])
    data = {block.key: LOADERS[block.key](actor) for block in blocks if block.key in LOADERS}
    blocks = [block for block in blocks if block.key != "promo" or data["promo"] is not None]  # none written
    return render_template("portal/home.html", user=current_user, blocks=blocks, data=data, today=today(),
                           safe_link=safe_link, initials=initials,
                           may_choose=can(Perm.MANAGE_USERS))
