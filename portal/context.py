"""What every portal template gets: the navigation, filtered by permission."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from models.permissions import Perm
from portal import bp
from security import can, is_company_user


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    permission: Perm | None = None
    section: str = "Account"


#: The portal navigation. Later features add their entries here.
NAV: list[NavItem] = [
    NavItem("Dashboard", "portal.home", None, "Overview"),
    NavItem("My account", "portal.account", None, "Account"),
    NavItem("Profile", "portal.profile", None, "Account"),
    NavItem("Company", "portal.company", Perm.MANAGE_COMPANY, "Company"),
    NavItem("Addresses", "portal.addresses", None, "Account"),
    NavItem("Users", "portal.users", Perm.MANAGE_USERS, "Company"),
    NavItem("Invitations", "portal.invitations", Perm.MANAGE_USERS, "Company"),
    NavItem("Roles", "portal.roles", Perm.MANAGE_USERS, "Company"),
    NavItem("Audit log", "portal.audit", Perm.VIEW_AUDIT_LOG, "Company"),
]


def visible_nav() -> list[tuple[str, list[dict]]]:
    """Navigation grouped by section, showing only what the user may open."""
    sections: dict[str, list[dict]] = {}
    for item in NAV:
        if item.permission is not None and not can(item.permission):
            continue
        url = url_for(item.endpoint)
        active = request.endpoint == item.endpoint
        sections.setdefault(item.section, []).append({"label": item.label, "url": url, "active": active})
    return list(sections.items())


@bp.app_context_processor
def portal_context() -> dict:
    return {"can": can, "Perm": Perm, "nav_sections": visible_nav if is_company_user() else lambda: []}
