"""reference data: the built-in roles with their permissions and the company application workflow

Until now they were created on first read (a GET wrote rows, and a permission
added later never reached an installation's built-in roles). From here on,
migrations ship them; an installation that has them keeps staff's edits and
gains what is missing.

Revision ID: b71e9a3c0d24
Revises: 8a2d41c7e5b3
Create Date: 2026-11-24 11:00:00

"""
from alembic import op

from migrations.reference import ensure_workflow, grant_builtin

revision = 'b71e9a3c0d24'
down_revision = '8a2d41c7e5b3'
branch_labels = None
depends_on = None

EVERY_PERMISSION = [
    "purchase", "approve_orders", "manage_users", "manage_company", "manage_cost_centers", "manage_own_quotes",
    "create_inquiries", "view_business_unit_inquiries", "view_company_inquiries", "view_business_unit_services",
    "view_company_services", "view_business_unit_assets", "view_company_assets", "manage_assets", "view_files",
    "view_dashboard", "view_audit_log",
]
BUILT_IN_ROLES = {
    "buyer": ("Buyer", ["purchase", "manage_own_quotes", "create_inquiries", "view_files", "view_dashboard"]),
    "approver": ("Approver", ["approve_orders", "view_business_unit_inquiries"]),
    "cost_center_manager": ("Cost Center Manager", ["manage_cost_centers", "approve_orders"]),
    "account_admin": ("Account Admin", EVERY_PERMISSION),
}
ACCEPT_GUARD = "application.contact_has_no_account"
COMPANY_APPLICATION = {
    "key": "company_application",
    "name": "Company application",
    "subject_type": "company_application",
    "states": [
        ("new", "New", "info", True, False),
        ("on_hold", "On hold", "warning", False, False),
        ("accepted", "Accepted", "success", False, True),
        ("rejected", "Rejected", "neutral", False, True),
    ],
    # key, label, from, to, permission, requires reason, guard, side effect, mail template, subject, mail to
    "transitions": [
        ("hold", "Put on hold", "new", "on_hold", "manage_companies", False, "", "", "application_on_hold",
         "Your Atrium application is on hold", "contact"),
        ("reopen", "Reopen", "on_hold", "new", "manage_companies", False, "", "", "", "", ""),
        ("accept", "Accept", "new", "accepted", "manage_companies", False, ACCEPT_GUARD, "application.accept",
         "", "", ""),
        ("accept", "Accept", "on_hold", "accepted", "manage_companies", False, ACCEPT_GUARD, "application.accept",
         "", "", ""),
        ("reject", "Reject", "new", "rejected", "manage_companies", True, "", "", "application_rejected",
         "Your Atrium application was not accepted", "contact"),
        ("reject", "Reject", "on_hold", "rejected", "manage_companies", True, "", "", "application_rejected",
         "Your Atrium application was not accepted", "contact"),
    ],
    "reasons": [
        "Company could not be verified",
        "Incomplete information",
        "Not a business customer",
        "Outside our sales regions",
        "Duplicate application",
    ],
}


def upgrade():
    for key, (name, permissions) in BUILT_IN_ROLES.items():
        grant_builtin(key, name, permissions)
    ensure_workflow(COMPANY_APPLICATION)
    # A workflow made on first read before this migration: give its shipped states their tones and its
    # accept steps their guard, where staff have not set them.
    for key, _, tone, _, _ in COMPANY_APPLICATION["states"]:
        op.execute(f"UPDATE workflow_states SET tone = '{tone}' WHERE tone = 'neutral' AND key = '{key}' AND "
                   "workflow_id = (SELECT id FROM workflows WHERE key = 'company_application')")
    op.execute(f"UPDATE workflow_transitions SET guard = '{ACCEPT_GUARD}' WHERE guard = '' "
               "AND side_effect = 'application.accept'")


def downgrade():
    """Reference data stays: older code created the same rows on first read."""
