"""The portal dashboard's blocks, the content staff write for it, and who sees which block.

The dashboard (``/``) shows blocks: Welcome, Overview, Customer service
representative, Assets, Files, Inquiries, Services, Promo. Each block shows
only what the user may see (its data comes through the scopes), and account
admins choose per role which blocks it shows (``DashboardHidden``: a block is
shown to a user unless every one of their roles hides it). Content blocks are
texts staff write in the back office under a key: ``promo``, and
``sales_rep:default``, the representative block shown when neither the user's
business unit nor the company has a representative.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.actors import Actor
from models.audit import record
from models.base import DomainError, UTCDateTime, utcnow
from models.operations import operation
from models.permissions import Perm, StaffPerm
from models.scoping import CompanyOwned

TITLE_LENGTH, BODY_LENGTH = 120, 4000


@dataclass(frozen=True)
class Block:
    key: str
    label: str
    permission: Perm | None = None  # what the block needs besides being shown to the role


BLOCKS = [Block("welcome", "Welcome"), Block("overview", "Overview"),
          Block("representative", "Customer service representative"), Block("assets", "Assets"),
          Block("files", "Files", Perm.VIEW_FILES), Block("inquiries", "Inquiries"), Block("services", "Services"),
          Block("promo", "Promo")]
BLOCK_KEYS = [b.key for b in BLOCKS]
CONTENT_KEYS = {"promo": "Promo on the dashboard",
                "sales_rep:default": "Representative block when no representative is assigned"}


class ContentBlock(db.Model):
    """A text staff write for the portal under a key."""

    __tablename__ = "content_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    link_url: Mapped[str] = mapped_column(String(300), default="")
    link_label: Mapped[str] = mapped_column(String(80), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __str__(self) -> str:
        return CONTENT_KEYS.get(self.key, self.key)


class DashboardHidden(CompanyOwned, db.Model):
    """A block a company's role does not show on the dashboard."""

    __tablename__ = "dashboard_hidden"
    __table_args__ = (UniqueConstraint("company_id", "role_id", "block", name="uq_dashboard_hidden"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), index=True)
    block: Mapped[str] = mapped_column(String(30))


def content(key: str) -> ContentBlock | None:
    """The active content block under ``key``, if staff wrote one."""
    return db.session.scalar(select(ContentBlock).where(ContentBlock.key == key, ContentBlock.active.is_(True)))


@operation(staff=StaffPerm.MANAGE_CONTENT)
def check_content_block(block: ContentBlock, *, actor: Actor) -> None:
    """Refuse a content block the portal could not show: an unknown key, too long a text, a bad link."""
    if block.key not in CONTENT_KEYS:
        raise DomainError(f"Choose what the text is for: {', '.join(CONTENT_KEYS)}.", "key")
    block.title = " ".join((block.title or "").split())
    if len(block.title) > TITLE_LENGTH or len(block.body or "") > BODY_LENGTH:
        raise DomainError(f"A title has at most {TITLE_LENGTH} characters and a text at most {BODY_LENGTH:,}.")
    link = (block.link_url or "").strip()
    if link and not (link.startswith("/") and not link.startswith("//")) and not link.startswith("https://"):
        raise DomainError("A link is a page of the portal (starting with /) or an https:// address.", "link_url")
    block.link_url = link


def hidden_blocks(company_id: int) -> dict[int, set[str]]:
    """role id → the blocks it hides, for a company."""
    found: dict[int, set[str]] = {}
    for role_id, block in db.session.execute(select(DashboardHidden.role_id, DashboardHidden.block)
                                             .where(DashboardHidden.company_id == company_id)):
        found.setdefault(role_id, set()).add(block)
    return found


def blocks_for(actor: Actor, role_ids: list[int]) -> list[Block]:
    """The blocks this user's dashboard shows: those one of their roles shows and their permissions allow;
    without "View dashboard blocks", only the welcome."""
    if not actor.can(Perm.VIEW_DASHBOARD):
        return [BLOCKS[0]]
    hidden = hidden_blocks(actor.company_id) if actor.company_id else {}
    shown = []
    for block in BLOCKS:
        if block.permission is not None and not actor.can(block.permission):
            continue
        if role_ids and all(block.key in hidden.get(role_id, set()) for role_id in role_ids):
            continue
        shown.append(block)
    return shown


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_COMPANIES, on="company")
def set_dashboard_blocks(company, shown: dict[int, set[str]], *, actor: Actor) -> None:
    """Account admins choose which blocks each role of the company shows: ``shown`` is role id → block keys."""
    from models.users import Role

    roles = {r.id: r for r in db.session.scalars(
        select(Role).where((Role.company_id == company.id) | Role.company_id.is_(None)))}
    if set(shown) - set(roles):
        raise DomainError("Choose roles of your company from the list.")
    unknown = {b for blocks in shown.values() for b in blocks} - set(BLOCK_KEYS)
    if unknown:
        raise DomainError("Choose blocks from the list.")
    db.session.execute(delete(DashboardHidden).where(DashboardHidden.company_id == company.id,
                                                     DashboardHidden.role_id.in_(list(shown))))
    rows = [{"company_id": company.id, "role_id": role_id, "block": block}
            for role_id, blocks in shown.items() for block in BLOCK_KEYS if block not in blocks]
    if rows:
        db.session.execute(insert(DashboardHidden), rows)
    record(actor, "company.dashboard_changed", company_id=company.id, target=company,
           roles=[roles[r].name for r in shown])
