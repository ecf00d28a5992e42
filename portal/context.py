"""What every portal template gets: the navigation, filtered by permission."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from models.permissions import Perm
from portal import bp
from security import can, current_actor, is_company_user


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    permission: Perm | None = None
    section: str = "Account"


#: The portal navigation. Later features add their entries here.
NAV: list[NavItem] = [
    NavItem("Dashboard", "portal.home", None, "Overview"),
    NavItem("Catalog", "portal.catalog", Perm.PURCHASE, "Ordering"),
    NavItem("Cart", "portal.cart", Perm.PURCHASE, "Ordering"),
    NavItem("Quick order", "portal.quick_order", Perm.PURCHASE, "Ordering"),
    NavItem("Orders", "portal.orders", None, "Ordering"),
    NavItem("Order templates", "portal.order_templates", Perm.PURCHASE, "Ordering"),
    NavItem("Quotes", "portal.quotes", Perm.MANAGE_OWN_QUOTES, "Ordering"),
    NavItem("Recurring orders", "portal.recurring_orders", Perm.PURCHASE, "Ordering"),
    NavItem("Assets", "portal.assets", None, "Service"),
    NavItem("Inquiries", "portal.inquiries", None, "Service"),
    NavItem("Services", "portal.services", None, "Service"),
    NavItem("Files", "portal.files", Perm.VIEW_FILES, "Service"),
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
    """Navigation grouped by section, showing only what the user may open.

    The active entry is the one whose URL is the longest prefix of the page's
    path, so /account/users/7 keeps "Users" lit.
    """
    items = [(item, url_for(item.endpoint)) for item in NAV
             if item.permission is None or can(item.permission)]
    under = [url for _, url in items if request.path == url or request.path.startswith(url.rstrip("/") + "/")]
    current = max(under, key=len, default=None)
    sections: dict[str, list[dict]] = {}
    for item, url in items:
        sections.setdefault(item.section, []).append({"label": item.label, "url": url, "active": url == current})
    return list(sections.items())


@bp.app_context_processor
def portal_context() -> dict:
    return {"can": can, "Perm": Perm, "nav_sections": visible_nav if is_company_user() else lambda: [],
            "may_change": lambda user: current_actor().may_act_on(user)}
