"""Browser tests: what a person sees in Chromium, on a live server.

Portal sign-in and profile, a wrong password, the back office, and a password
reset read from the back office outbox. Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from extensions import db
from models.companies import Company
from tests.browser_tests.support import (
    PASSWORD,
    alert,
    assert_page_healthy,
    open_menu,
    screenshot,
    sign_in_portal,
    sign_in_staff,
)

pytestmark = pytest.mark.browser



def test_portal_sign_in_edit_profile_and_sign_out(page, live_server):
    page.goto("/login")
    expect(page.get_by_role("heading", name="Sign in to Atrium")).to_be_visible()
    expect(page.get_by_role("navigation", name="Portal")).to_have_count(0)
    screenshot(page, "portal-login")

    page.get_by_label("E-mail").fill("anna.admin@acme.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", name="Hello, Anna", level=1)).to_be_visible()
    expect(alert(page, "Welcome, Anna.")).to_be_visible()
    expect(page.locator(".atrium-page-head")).to_contain_text("Acme Industrial")
    expect(page.locator("header")).to_contain_text("Acme Industrial")
    nav = page.get_by_role("navigation", name="Portal")
    expect(nav.get_by_role("link", name="My account")).to_be_visible()
    screenshot(page, "portal-dashboard")
    assert_page_healthy(page)

    nav.get_by_role("link", name="My account").click()
    expect(page).to_have_url(f"{live_server}/account")
    expect(page.get_by_role("heading", name="My account", level=1)).to_be_visible()
    expect(nav.get_by_role("link", name="My account")).to_have_class(re.compile(r"\bactive\b"))

    nav.get_by_role("link", name="Profile").click()
    expect(page).to_have_url(f"{live_server}/account/profile")
    expect(page.get_by_role("heading", name="Profile", level=1)).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Anna")
    page.get_by_label("Phone", exact=True).fill("+49 30 5550 1234")
    page.get_by_role("button", name="Save").click()

    expect(alert(page, "Your profile is saved.")).to_be_visible()
    expect(page).to_have_url(f"{live_server}/account/profile")
    expect(page.get_by_label("Phone", exact=True)).to_have_value("+49 30 5550 1234")
    nav.get_by_role("link", name="My account").click()
    expect(page.locator("main")).to_contain_text("+49 30 5550 1234")
    assert_page_healthy(page)

    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/login")
    expect(alert(page, "You are signed out.")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in to Atrium")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.goto("/")
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/login(\?.*)?$"))
    expect(page.get_by_role("heading", name="Sign in to Atrium")).to_be_visible()
    expect(alert(page, "Please sign in to see that page.")).to_be_visible()


def test_portal_wrong_password_is_refused(page, live_server):
    sign_in_portal(page, "carl.ccm@acme.example", "not-the-password")

    expect(alert(page, "No account matches that e-mail and password.")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in to Atrium")).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_value("carl.ccm@acme.example")
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_role("navigation", name="Portal")).to_have_count(0)
    page.goto("/")
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/login(\?.*)?$"))
    assert_page_healthy(page, allow_status=(401,))


def test_back_office_sign_in_companies_users_and_sign_out(page, live_server, live_app):
    with live_app.app_context():
        companies = db.session.scalar(select(func.count(Company.id)))
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/admin/login/(\?next=.*)?$"))
    expect(page.get_by_role("heading", name="Back office sign-in")).to_be_visible()

    page.get_by_label("E-mail").fill("admin@atrium.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server}/admin/")
    expect(page.get_by_role("heading", name="Welcome, Ada Administrator")).to_be_visible()
    companies_tile = page.locator(".card").filter(has=page.get_by_text("Companies", exact=True))
    expect(companies_tile).to_be_visible()
    expect(companies_tile.locator(".display-4")).to_have_text(str(companies))
    screenshot(page, "backoffice-home")
    assert_page_healthy(page)

    open_menu(page, "Customers", "Companies")
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/admin/companies/"))
    table = page.locator("table.model-list")
    expect(table).to_contain_text("Acme Industrial")
    expect(table).to_contain_text("Globex")

    open_menu(page, "Customers", "Company users")
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/admin/company_users/"))
    search = page.get_by_role("search").locator("input[name=search]")
    search.fill("ben.buyer")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"search=ben\.buyer"))
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("ben.buyer@acme.example")
    expect(rows).to_contain_text("Acme Industrial")
    assert_page_healthy(page)

    page.get_by_role("navigation").first.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/admin/login/")
    expect(page.get_by_text("You are signed out of the back office.")).to_be_visible()
    page.goto("/admin/companies/")
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/admin/login/"))


def test_password_reset_through_the_outbox(new_context, live_server):
    new_password = "a-fresh-pass-2024"
    user = new_context().new_page()
    user.goto("/login")
    user.get_by_role("link", name="Forgot your password?").click()
    expect(user).to_have_url(f"{live_server}/password-reset")
    user.get_by_label("E-mail").fill("ben.buyer@acme.example")
    user.get_by_role("button", name="Send the link").click()
    expect(user).to_have_url(f"{live_server}/login")
    expect(alert(user, "a reset link is on its way")).to_be_visible()

    # Staff read the mail in the back office outbox, in a browser of their own.
    staff = new_context().new_page()
    sign_in_staff(staff, "admin@atrium.example")
    expect(staff.get_by_role("heading", name="Welcome, Ada Administrator")).to_be_visible()
    open_menu(staff, "System", "Outbox")
    expect(staff).to_have_url(re.compile(re.escape(live_server) + r"/admin/outbox/"))
    row = (
        staff.locator("table.model-list tbody tr")
        .filter(has_text="ben.buyer@acme.example")
        .filter(has_text="Reset your Atrium password")
    )
    expect(row).to_have_count(1)
    row.get_by_title("View Record").click()
    expect(staff).to_have_url(re.compile(re.escape(live_server) + r"/admin/outbox/details/"))
    mail = staff.frame_locator("iframe")
    link = mail.get_by_role("link", name="Choose a new password")
    expect(link).to_be_visible()
    expect(mail.locator("body")).to_contain_text("Hello Ben")
    screenshot(staff, "backoffice-outbox-details")
    assert_page_healthy(staff)
    href = link.get_attribute("href")
    assert href and href.startswith(f"{live_server}/password-reset/"), href
    expect(staff.locator("pre")).to_contain_text(href)

    # Back in the customer's browser: follow the link, choose a password.
    user.goto(href)
    expect(user.get_by_role("heading", name="Choose a new password")).to_be_visible()
    user.get_by_label("New password", exact=True).fill(new_password)
    user.get_by_label("Repeat the new password", exact=True).fill(new_password)
    user.get_by_role("button", name="Save the new password").click()
    expect(user).to_have_url(f"{live_server}/login")
    expect(alert(user, "Your password is changed. Sign in with the new one.")).to_be_visible()

    user.goto(href)
    expect(user).to_have_url(f"{live_server}/password-reset")
    expect(alert(user, "This password reset link has already been used, or a newer one was sent since.")).to_be_visible()

    sign_in_portal(user, "ben.buyer@acme.example", PASSWORD)
    expect(alert(user, "No account matches that e-mail and password.")).to_be_visible()
    sign_in_portal(user, "ben.buyer@acme.example", new_password)
    expect(user).to_have_url(f"{live_server}/")
    expect(user.get_by_role("heading", name="Hello, Ben", level=1)).to_be_visible()
    assert_page_healthy(user, allow_status=(401,))


def test_sign_in_message_sits_above_the_card(page, live_server):
    sign_in_portal(page, "alice.approver@acme.example", "not-the-password")
    message = alert(page, "No account matches that e-mail and password.")
    expect(message).to_be_visible()
    box = message.bounding_box()
    card = page.locator(".atrium-auth-card").bounding_box()
    assert box["y"] + box["height"] <= card["y"], (box, card)
