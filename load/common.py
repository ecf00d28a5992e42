"""What the parts of run.py share: the folders, the accounts and pages of the mix, and ``say``."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

LOAD = Path(__file__).resolve().parent
ROOT = LOAD.parent
WORK = LOAD / "work"
CAPTURED = LOAD / "captured"
RESULTS = LOAD / "results"
VENV = ROOT / ".venv"
LOCUST = ROOT / ".venv-load" / "bin" / "locust"

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1/atrium_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
PASSWORD = "atrium-demo"  # demo.DEMO_PASSWORD: every seeded account's
STAFF = ["admin@atrium.example", "support@atrium.example"]
PROFILE_USERS = 20_000  # company users profile L adds (on top of the five demo users)
PORTAL_PAGES = [("home", "/"), ("account", "/account"), ("users", "/account/users"),
                ("users_search", "/account/users?q=anna"), ("user_detail", None), ("audit", "/account/audit"),
                ("invitations", "/account/invitations"), ("addresses", "/account/addresses"),
                ("company", "/account/company"), ("roles", "/account/roles")]
STAFF_PAGES = [("admin_home", "/admin/"), ("admin_users", "/admin/company_users/"),
               ("admin_users_search", "/admin/company_users/?search=anna"), ("admin_user_edit", None),
               ("admin_companies", "/admin/companies/"), ("admin_company_details", None),
               ("admin_audit", "/admin/audit/"), ("admin_applications", "/admin/applications/")]


def say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)
