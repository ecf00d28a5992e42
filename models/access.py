"""The one check every company operation makes about its actor.

Company users act inside their own company and need the named permission;
staff act on any company with the staff permission the operation names; the
system (``actor=None``: jobs, CLI) may do anything.
"""
from __future__ import annotations

from models.base import NotPermitted
from models.permissions import Perm, StaffPerm


def require(actor, perm: Perm, company_id: int | None, staff_perm: StaffPerm = StaffPerm.MANAGE_CUSTOMERS) -> None:
    if actor is None:
        return
    if actor.kind == "staff":
        if not actor.can(staff_perm):
            raise NotPermitted("Your staff roles do not allow this.")
        return
    if company_id is not None and actor.company_id != company_id:
        raise NotPermitted("That belongs to another company.")
    if not actor.can(perm):
        raise NotPermitted("Your roles do not allow this.")


def is_staff(actor) -> bool:
    return actor is not None and actor.kind == "staff"
