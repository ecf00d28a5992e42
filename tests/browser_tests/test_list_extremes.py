"""Lists at their extremes: a company with nothing in it yet, and one with 5,000 users, invitations,
addresses and audit events. Each list page shows a plain "nothing yet" line or one page of rows with a
pager, fits a phone at 390 px and passes axe-core at 1366 px, in the portal and in the back office.

The 5,000 rows are inserted set-based (one statement per table), as ``flask seed-profile`` does.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from extensions import db
from models.audit import AuditEvent
from models.base import utcnow
from models.companies import Address, Company
from models.invitations import Invitation
from models.registration import register_organisation
from models.shops import set_assignment_state
from models.users import CompanyUser, Role, user_roles
from tests.browser_tests.support import sign_in_portal, sign_in_staff
from tests.browser_tests.test_layout_and_access import DESKTOP, PHONE, _check_pages
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
MANY = 5_000
EMPTY_ADMIN = "quinn@quietco.example"
LISTS = ["/account/users", "/account/invitations", "/account/addresses", "/account/audit", "/account/roles"]


def _start_an_empty_company() -> None:
    """Quietco registers and is approved: one Account Admin, nothing else yet."""
    from tests import factories as f

    quinn = register_organisation(f.shop("atrium-de"), {
        "company_name": "Quietco", "first_name": "Quinn", "last_name": "Quiet", "email": EMPTY_ADMIN,
        "password": PASSWORD, "confirm": PASSWORD, "phone": "+49 30 1"})
    quinn.confirmation_pending = False
    for assignment in quinn.shop_assignments:
        set_assignment_state(assignment, True, actor=f.actor("admin@atrium.example"))
    db.session.commit()


def _fill_acme(count: int) -> int:
    """``count`` more users, invitations, addresses and audit events for Acme; returns Acme's id."""
    anna = db.session.scalar(select(CompanyUser).where(CompanyUser.email == "anna.admin@acme.example"))
    acme, now = anna.company, utcnow()
    buyer = db.session.scalar(select(Role.id).where(Role.key == "buyer", Role.company_id.is_(None)))
    first = (db.session.scalar(select(func.max(CompanyUser.id))) or 0) + 1
    ids = range(first, first + count)
    db.session.execute(insert(CompanyUser), [
        {"id": i, "email": f"bulk{i:05d}@acme.example", "password_hash": anna.password_hash, "first_name": "Bulk",
         "last_name": f"Person {i:05d}", "company_id": acme.id, "customer_type": "b2b", "active": True,
         "confirmation_pending": False, "session_version": 1, "currency": anna.currency, "created_at": now}
        for i in ids])
    db.session.execute(insert(user_roles), [{"user_id": i, "role_id": buyer} for i in ids])
    db.session.execute(insert(Invitation), [
        {"company_id": acme.id, "email": f"invited{n:05d}@acme.example", "role_id": buyer,
         "token_hash": f"{n:064x}", "state": "pending", "invited_by": "Anna Admin", "created_at": now,
         "expires_at": now + timedelta(days=7)} for n in range(count)])
    db.session.execute(insert(Address), [
        {"company_id": acme.id, "kind": "shipping", "label": f"Depot {n:05d}", "line1": f"{n} Long Road",
         "postal_code": "20095", "city": "Hamburg", "country": "DE", "is_default": False} for n in range(count)])
    db.session.execute(insert(AuditEvent), [
        {"at": now - timedelta(minutes=n), "company_id": acme.id, "actor_kind": "company", "actor_id": anna.id,
         "actor_label": "Anna Admin", "on_behalf_of_label": "", "action": "user.profile_updated",
         "target_type": "CompanyUser", "target_id": anna.id, "target_label": "Anna Admin",
         "details": {"changed": ["phone"]}} for n in range(count)])
    db.session.commit()
    return acme.id


def test_a_company_with_nothing_yet_shows_plain_empty_lists(new_context, live_app):
    with live_app.app_context():
        _start_an_empty_company()
        quietco = db.session.scalar(select(Company.id).where(Company.name == "Quietco"))
    context = new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in_portal(page, EMPTY_ADMIN)
    problems = _check_pages(context, ["/", "/account", "/account/company"] + LISTS, "empty-")
    for path, empty in (("/account/invitations", "No pending invitations"), ("/account/addresses", "No addresses")):
        page.goto(path)
        assert empty.lower() in page.locator("main").inner_text().lower(), path
    staff = new_context(viewport=DESKTOP)
    sign_in_staff(staff.new_page(), "admin@atrium.example")
    problems.update(_check_pages(staff, [f"/admin/companies/details/?id={quietco}",
                                         "/admin/company_users/?search=nobody-by-this-name"], "empty-bo-",
                                 fit_phone=False))
    assert not problems, problems


def test_five_thousand_rows_show_one_page_at_a_time(new_context, live_app):
    with live_app.app_context():
        acme = _fill_acme(MANY)
    context = new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in_portal(page, "anna.admin@acme.example")
    pages = ["/", "/account/company"] + LISTS + ["/account/users?page=200", "/account/audit?page=100"]
    problems = _check_pages(context, pages, "many-")
    page.set_viewport_size(PHONE)
    for path, row in (("/account/users", "main table tbody tr"), ("/account/invitations", "main table tbody tr"),
                      ("/account/audit", "main table tbody tr, main li"), ("/account/addresses", "main address")):
        page.goto(path)
        rows = page.locator(row).count()
        assert 0 < rows <= 100, (path, rows)  # one page, never all 5,000
        assert page.get_by_role("navigation", name="Pages").count() == 1, path
    staff = new_context(viewport=DESKTOP)
    sign_in_staff(staff.new_page(), "admin@atrium.example")
    problems.update(_check_pages(staff, [f"/admin/companies/details/?id={acme}", "/admin/company_users/",
                                         "/admin/company_users/?search=bulk", "/admin/audit/"], "many-bo-",
                                 fit_phone=False))
    assert not problems, problems
