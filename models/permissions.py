"""Every named permission of Atrium, declared once.

Company permissions are held through company roles; staff permissions through
staff roles. Views, templates, Flask-Admin ``is_accessible`` checks and the
operations in ``models/`` all use these names.
"""
from __future__ import annotations

import enum


class Perm(str, enum.Enum):
    """What a company user may do in the portal."""

    PURCHASE = "purchase"
    VIEW_BUSINESS_UNIT_ORDERS = "view_business_unit_orders"
    VIEW_COMPANY_ORDERS = "view_company_orders"
    APPROVE_ORDERS = "approve_orders"
    MANAGE_USERS = "manage_users"
    MANAGE_COMPANY = "manage_company"
    MANAGE_COST_CENTERS = "manage_cost_centers"
    MANAGE_OWN_QUOTES = "manage_own_quotes"
    CREATE_INQUIRIES = "create_inquiries"
    VIEW_BUSINESS_UNIT_INQUIRIES = "view_business_unit_inquiries"
    VIEW_COMPANY_INQUIRIES = "view_company_inquiries"
    VIEW_BUSINESS_UNIT_SERVICES = "view_business_unit_services"
    VIEW_COMPANY_SERVICES = "view_company_services"
    VIEW_BUSINESS_UNIT_ASSETS = "view_business_unit_assets"
    VIEW_COMPANY_ASSETS = "view_company_assets"
    MANAGE_ASSETS = "manage_assets"
    VIEW_FILES = "view_files"
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_AUDIT_LOG = "view_audit_log"


PERM_LABELS: dict[Perm, str] = {
    Perm.PURCHASE: "Purchase",
    Perm.VIEW_BUSINESS_UNIT_ORDERS: "View business unit orders",
    Perm.VIEW_COMPANY_ORDERS: "View company orders",
    Perm.APPROVE_ORDERS: "Approve orders",
    Perm.MANAGE_USERS: "Manage users and invitations",
    Perm.MANAGE_COMPANY: "Manage company details and addresses",
    Perm.MANAGE_COST_CENTERS: "Manage cost centers",
    Perm.MANAGE_OWN_QUOTES: "Manage own quotes",
    Perm.CREATE_INQUIRIES: "Create inquiries",
    Perm.VIEW_BUSINESS_UNIT_INQUIRIES: "View business unit inquiries",
    Perm.VIEW_COMPANY_INQUIRIES: "View company inquiries",
    Perm.VIEW_BUSINESS_UNIT_SERVICES: "View business unit services",
    Perm.VIEW_COMPANY_SERVICES: "View company services",
    Perm.VIEW_BUSINESS_UNIT_ASSETS: "View business unit assets",
    Perm.VIEW_COMPANY_ASSETS: "View company assets",
    Perm.MANAGE_ASSETS: "Manage assets",
    Perm.VIEW_FILES: "View files",
    Perm.VIEW_DASHBOARD: "View dashboard blocks",
    Perm.VIEW_AUDIT_LOG: "View the company audit log",
}


class BuiltinRole(str, enum.Enum):
    BUYER = "buyer"
    APPROVER = "approver"
    COST_CENTER_MANAGER = "cost_center_manager"
    ACCOUNT_ADMIN = "account_admin"


_BUYER = {
    Perm.PURCHASE,
    Perm.MANAGE_OWN_QUOTES,
    Perm.CREATE_INQUIRIES,
    Perm.VIEW_BUSINESS_UNIT_ASSETS,
    Perm.VIEW_FILES,
    Perm.VIEW_DASHBOARD,
}

#: name and default permissions of each built-in company role
BUILTIN_ROLES: dict[BuiltinRole, tuple[str, frozenset[Perm]]] = {
    BuiltinRole.BUYER: ("Buyer", frozenset(_BUYER)),
    BuiltinRole.APPROVER: (
        "Approver",
        frozenset({Perm.APPROVE_ORDERS, Perm.VIEW_BUSINESS_UNIT_ORDERS, Perm.VIEW_BUSINESS_UNIT_INQUIRIES}),
    ),
    BuiltinRole.COST_CENTER_MANAGER: (
        "Cost Center Manager",
        frozenset({Perm.MANAGE_COST_CENTERS, Perm.APPROVE_ORDERS}),
    ),
    BuiltinRole.ACCOUNT_ADMIN: ("Account Admin", frozenset(Perm)),
}


class StaffPerm(str, enum.Enum):
    """What a back office user may do."""

    MANAGE_SHOPS = "manage_shops"
    MANAGE_COMPANIES = "manage_companies"
    MANAGE_CUSTOMERS = "manage_customers"
    MANAGE_STAFF = "manage_staff"
    MANAGE_CATALOG = "manage_catalog"
    MANAGE_ORDERS = "manage_orders"
    MANAGE_WORKFLOWS = "manage_workflows"
    WORK_INQUIRIES = "work_inquiries"
    MANAGE_AFTER_SALES = "manage_after_sales"
    MANAGE_CONTENT = "manage_content"
    VIEW_OUTBOX = "view_outbox"
    OPEN_MAIL_LINKS = "open_mail_links"  # only without SMTP: the Outbox is then the demo's mailbox
    ACT_AS_AGENT = "act_as_agent"


STAFF_PERM_LABELS: dict[StaffPerm, str] = {
    StaffPerm.MANAGE_SHOPS: "Manage shops",
    StaffPerm.MANAGE_COMPANIES: "Manage companies and applications",
    StaffPerm.MANAGE_CUSTOMERS: "Manage company users",
    StaffPerm.MANAGE_STAFF: "Manage staff accounts",
    StaffPerm.MANAGE_CATALOG: "Manage the catalog",
    StaffPerm.MANAGE_ORDERS: "Manage orders and answer quotes",
    StaffPerm.MANAGE_WORKFLOWS: "Edit workflows",
    StaffPerm.WORK_INQUIRIES: "Work inquiries",
    StaffPerm.MANAGE_AFTER_SALES: "Manage customers' assets and files",
    StaffPerm.MANAGE_CONTENT: "Write the portal's texts (promo, default representative)",
    StaffPerm.VIEW_OUTBOX: "Read the outbox",
    StaffPerm.OPEN_MAIL_LINKS: "Open links in outbox mail",
    StaffPerm.ACT_AS_AGENT: "Act for customers as an agent",
}


class StaffRole(str, enum.Enum):
    ADMINISTRATOR = "administrator"
    SUPPORT = "support"
    SALES_REP = "sales_rep"
    CATALOG_MANAGER = "catalog_manager"


STAFF_ROLES: dict[StaffRole, tuple[str, frozenset[StaffPerm]]] = {
    StaffRole.ADMINISTRATOR: ("Administrator", frozenset(StaffPerm)),
    StaffRole.SUPPORT: (
        "Support",
        frozenset(
            {
                StaffPerm.MANAGE_COMPANIES,
                StaffPerm.MANAGE_CUSTOMERS,
                StaffPerm.MANAGE_ORDERS,
                StaffPerm.WORK_INQUIRIES,
                StaffPerm.MANAGE_AFTER_SALES,
                StaffPerm.VIEW_OUTBOX,
            }
        ),
    ),
    StaffRole.SALES_REP: (
        "Sales representative",
        frozenset(
            {
                StaffPerm.MANAGE_COMPANIES,
                StaffPerm.MANAGE_CUSTOMERS,
                StaffPerm.MANAGE_ORDERS,
                StaffPerm.ACT_AS_AGENT,
            }
        ),
    ),
    StaffRole.CATALOG_MANAGER: ("Catalog manager", frozenset({StaffPerm.MANAGE_CATALOG, StaffPerm.MANAGE_CONTENT})),
}


def staff_permissions(roles) -> frozenset[StaffPerm]:
    """The union of the permissions of the given staff roles (enum values or keys)."""
    held: set[StaffPerm] = set()
    for role in roles:
        held |= STAFF_ROLES[StaffRole(role)][1]
    return frozenset(held)
