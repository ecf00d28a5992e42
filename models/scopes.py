"""What a company user sees of rows that belong to someone: their own, their business unit's, their company's.

Rows that belong to someone (orders, inquiries, booked services, assets, files)
carry ``company_id``, ``business_unit_id`` and ``owner_id`` (the ``Owned``
mixin) and name their kind in ``scope``. Each kind has a permission triad
(``TRIADS``): a user always sees their own rows; with the business-unit
permission also those of their business unit and every unit below it; with the
company permission all of the company's. ``visible`` builds the query for lists
and ``get_visible`` loads one row (the portal's ``get_visible_or_404``). Staff
and the system see every row; staff views check their own staff permissions.
Underneath, the company scoping of portal sessions (``models.scoping``) still
keeps every other company's rows out.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ForeignKey, and_, false, or_, select, true
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from extensions import db
from models.actors import Actor
from models.companies import BusinessUnit
from models.permissions import Perm
from models.scoping import CompanyOwned

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL: a larger one names no row


@dataclass(frozen=True)
class Triad:
    """The permissions that widen what a user sees beyond their own rows."""

    business_unit: Perm | None
    company: Perm


TRIADS: dict[str, Triad] = {
    "orders": Triad(Perm.VIEW_BUSINESS_UNIT_ORDERS, Perm.VIEW_COMPANY_ORDERS),
    "inquiries": Triad(Perm.VIEW_BUSINESS_UNIT_INQUIRIES, Perm.VIEW_COMPANY_INQUIRIES),
    "services": Triad(Perm.VIEW_BUSINESS_UNIT_SERVICES, Perm.VIEW_COMPANY_SERVICES),
    "assets": Triad(Perm.VIEW_BUSINESS_UNIT_ASSETS, Perm.VIEW_COMPANY_ASSETS),
    "files": Triad(None, Perm.VIEW_FILES),
}


class Owned(CompanyOwned):
    """Mixin for rows that belong to a person of a company, filed under a business unit."""

    scope: str = ""  # a key of TRIADS

    @declared_attr
    def business_unit_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("business_units.id", ondelete="SET NULL"), index=True)

    @declared_attr
    def owner_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("company_users.id", ondelete="SET NULL"), index=True)

    @classmethod
    def in_units(cls, units):
        """Filed under one of ``units`` (a sub-query of unit ids); rows assigned to several units widen it."""
        return cls.business_unit_id.in_(units)


def unit_and_below(unit_id: int, name: str = "unit_tree"):
    """The ids of a business unit and of every unit under it, as a sub-query (a recursive CTE named ``name``:
    one statement that asks this for several kinds of row gives each its own name)."""
    tree = select(BusinessUnit.id).where(BusinessUnit.id == unit_id).cte(name, recursive=True)
    tree = tree.union_all(select(BusinessUnit.id).where(BusinessUnit.parent_id == tree.c.id))
    return select(tree.c.id)


def at_or_below(unit_id: int, among) -> set[int]:
    """Which of the units ``among`` (ids) are ``unit_id`` or lie below it. Each is walked up to the top of its
    tree (one recursive statement), so the cost follows the number asked about and the tree's depth, not the
    size of the unit's subtree: a form that lists some units asks only about those."""
    ids = list(among)
    if not ids:
        return set()
    climb = select(BusinessUnit.id.label("start"), BusinessUnit.id.label("at"), BusinessUnit.parent_id.label("up")) \
        .where(BusinessUnit.id.in_(ids)).cte("climb", recursive=True)
    climb = climb.union_all(select(climb.c.start, BusinessUnit.id, BusinessUnit.parent_id)
                            .where(BusinessUnit.id == climb.c.up))
    return set(db.session.scalars(select(climb.c.start).where(climb.c.at == unit_id)))


def visible_clause(model, actor: Actor):
    """The condition on ``model``'s rows that ``actor`` may see."""
    if actor.is_system or actor.acts_as_staff:
        return true()
    if not actor.acts_as_customer:
        return false()
    triad = TRIADS[model.scope]
    in_company = model.company_id == actor.company_id
    if actor.can(triad.company):
        return in_company
    own = model.owner_id == actor.customer_id
    if triad.business_unit is not None and actor.can(triad.business_unit) and actor.business_unit_id:
        units = unit_and_below(actor.business_unit_id, f"unit_tree_{model.__tablename__}")
        return and_(in_company, or_(own, model.in_units(units)))
    return and_(in_company, own)


def visible(model, actor: Actor):
    """A query for the rows of ``model`` that ``actor`` may see (add filters and order to it)."""
    return select(model).where(visible_clause(model, actor))


def get_visible(model, row_id: int, actor: Actor):
    """The row if ``actor`` may see it, else None (as if it did not exist)."""
    return db.session.scalar(visible(model, actor).where(model.id == row_id))


def row_id(value) -> int | None:
    """An id as a form or URL sends it (text), or None for anything that names no row."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and int(text) <= MAX_ID else None


def get_chosen(model, value, actor: Actor):
    """The row a form names by its id if ``actor`` may see it; None for anything else (no number, a number no
    row can have, another's row)."""
    found = row_id(value)
    return get_visible(model, found, actor) if found is not None else None
