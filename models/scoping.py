"""Company scoping: portal queries can only see the signed-in user's company.

``scope_to_company(session, company_id)`` marks a session; from then on every ORM
SELECT through it gets criteria that limit ``CompanyOwned`` rows (and companies
and company roles) to that company, relationship loads included. A view cannot
forget the filter. Model operations that must look across companies (an e-mail
that may belong to another company) opt out with
``execution_options(unscoped=True)``.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, event, or_
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    with_loader_criteria,
)

SCOPE_KEY = "company_scope"


class CompanyOwned:
    """Mixin for rows that belong to exactly one company (``company_id``)."""

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)


class CompanyRow:
    """Mixin for the company table itself: a scoped session sees its own company only."""

    id: Mapped[int] = mapped_column(primary_key=True)


class SharedOrCompanyOwned:
    """Mixin for rows that are shared (``company_id`` NULL, e.g. built-in roles) or one company's."""

    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)


def scope_to_company(session, company_id: int | None) -> None:
    """Limit what ``session`` can read to one company (None lifts the limit)."""
    if company_id is None:
        session.info.pop(SCOPE_KEY, None)
    else:
        session.info[SCOPE_KEY] = company_id


def current_scope(session) -> int | None:
    return session.info.get(SCOPE_KEY)


@event.listens_for(Session, "do_orm_execute")
def _limit_to_company(state: ORMExecuteState) -> None:
    company_id = state.session.info.get(SCOPE_KEY)
    if company_id is None or not state.is_select:
        return
    if state.execution_options.get("unscoped"):
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            CompanyOwned, lambda cls: cls.company_id == company_id, include_aliases=True
        ),
        with_loader_criteria(CompanyRow, lambda cls: cls.id == company_id, include_aliases=True),
        with_loader_criteria(
            SharedOrCompanyOwned,
            lambda cls: or_(cls.company_id == company_id, cls.company_id.is_(None)),
            include_aliases=True,
        ),
    )
