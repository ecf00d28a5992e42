"""Browser tests: the back office's scripted controls work under the Content-Security-Policy.

The policy forbids inline script, so Flask-Admin's inline handlers were replaced
by data attributes that static/js/atrium.js acts on. Chromium enforces the
policy; a violation anywhere fails ``assert_page_healthy``.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from extensions import db
from models.attributes import ShopAttribute
from models.users import CompanyUser
from tests.browser_tests.support import alert, assert_page_healthy, scripts_ready, sign_in_portal, sign_in_staff

pytestmark = pytest.mark.browser


def test_every_answer_carries_the_security_headers(new_context):
    page = new_context().new_page()
    for path in ("/login", "/admin/login/"):
        headers = page.goto(path).headers
        assert "script-src 'self' 'nonce-" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert (headers["x-frame-options"], headers["x-content-type-options"]) == ("DENY", "nosniff")
    assert_page_healthy(page)


def test_bulk_actions_run_from_the_with_selected_menu(new_context, live_app):
    page = new_context().new_page()
    sign_in_staff(page, "admin@atrium.example")
    page.goto("/admin/company_users/?search=carl.ccm")
    scripts_ready(page)
    page.locator("input.action-checkbox").first.check()
    page.get_by_role("button", name="With selected").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("link", name="Deactivate", exact=True).click()
    expect(alert(page, "1 user deactivated.")).to_be_visible()
    with live_app.app_context():
        carl = db.session.scalar(select(CompanyUser).where(CompanyUser.email == "carl.ccm@acme.example"))
        assert carl.active is False
    assert_page_healthy(page)


def test_deleting_a_row_asks_first(new_context, live_app):
    def count():
        with live_app.app_context():
            return db.session.scalar(select(func.count(ShopAttribute.id)))

    page = new_context().new_page()
    sign_in_staff(page, "admin@atrium.example")
    page.goto("/admin/shop_attributes/")
    scripts_ready(page)
    before = count()
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Delete Record").first.click()
    page.wait_for_timeout(300)
    assert count() == before
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete Record").first.click()
    expect(alert(page, "Record was successfully deleted.")).to_be_visible()
    assert count() == before - 1
    assert_page_healthy(page)


def test_inline_rows_are_added_in_the_workflow_editor(new_context):
    page = new_context().new_page()
    sign_in_staff(page, "admin@atrium.example")
    page.goto("/admin/workflows/")
    page.locator("a[title='Edit Record']").first.click()
    scripts_ready(page)
    states = page.locator("#states .inline-field")
    before = states.count()
    page.get_by_role("button", name="Add State").click()
    expect(states).to_have_count(before + 1)
    assert_page_healthy(page)


def test_the_portal_has_no_violations_either(new_context):
    page = new_context().new_page()
    sign_in_portal(page, "anna.admin@acme.example")
    for path in ("/", "/account/users", "/account/invitations", "/account/company", "/account/addresses"):
        page.goto(path)
        scripts_ready(page)
    assert_page_healthy(page)
