"""Browser tests: a company comes into Atrium, and an account admin manages its people.

The walk of issue 3: a visitor applies, staff accept in the back office, the
contact follows the invitation from the outbox and becomes Account Admin, invites
a buyer from an uploaded list, and the buyer signs in. Then an account admin
deactivates a user behind the confirmation dialog. Screenshots go to
test-artifacts/.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from extensions import db
from models.applications import CompanyApplication
from models.companies import Company
from models.invitations import Invitation
from models.users import CompanyUser
from tests.browser_tests.support import (
    alert,
    assert_page_healthy,
    open_menu,
    screenshot,
    scripts_ready,
    sign_in_portal,
    sign_in_staff,
    url,
)

pytestmark = pytest.mark.browser

COMPANY = "Northwind Fasteners"
CONTACT = "olivia.owner@northwind.example"
BUYER = "bruno.buyer@northwind.example"
CONTACT_PASSWORD = "pier-road-lantern-77"
BUYER_PASSWORD = "harbour-crane-2024"


def invitation_link(staff, live_server: str, recipient: str) -> str:
    """Open the invitation mail to ``recipient`` in the outbox; the link it carries."""
    open_menu(staff, "System", "Outbox")
    expect(staff).to_have_url(url(live_server, "/admin/outbox/"))
    row = (
        staff.locator("table.model-list tbody tr")
        .filter(has_text=recipient)
        .filter(has_text=f"You are invited to {COMPANY} on Atrium")
    )
    expect(row).to_have_count(1)
    row.get_by_title("View Record").click()
    expect(staff).to_have_url(url(live_server, "/admin/outbox/details/"))
    mail = staff.frame_locator("iframe")
    link = mail.get_by_role("link", name="Accept the invitation")
    expect(link).to_be_visible()
    expect(mail.locator("body")).to_contain_text(f"invites you to join {COMPANY}")
    href = link.get_attribute("href")
    assert href and re.fullmatch(re.escape(live_server) + r"/invitations/[^/?#]+", href), href
    expect(staff.locator("pre")).to_contain_text(href)
    return href


def apply_for_account(visitor, live_server: str) -> None:
    visitor.goto("/login")
    visitor.get_by_role("link", name="Apply for a company account").click()
    expect(visitor).to_have_url(f"{live_server}/apply")
    expect(visitor.get_by_role("heading", name="Choose your shop")).to_be_visible()
    visitor.get_by_role("link", name="Atrium USA").click()
    expect(visitor).to_have_url(url(live_server, "/apply"))
    expect(visitor.get_by_text("Applying to Atrium USA.")).to_be_visible()

    visitor.get_by_label("Company name").fill(COMPANY)
    visitor.get_by_label("VAT ID").fill("US-98-7654321")
    visitor.get_by_label("First name").fill("Olivia")
    visitor.get_by_label("Last name").fill("Owner")
    visitor.get_by_label("E-mail").fill(CONTACT)
    visitor.get_by_label("Phone").fill("+1 206 555 0100")
    visitor.get_by_label("Street and number").fill("42 Pier Road")
    visitor.get_by_label("Postal code").fill("98101")
    visitor.get_by_label("City").fill("Seattle")
    visitor.get_by_label("Country (two letters, e.g. DE)").fill("US")
    screenshot(visitor, "company-walk-01-application")
    visitor.get_by_role("button", name="Send application").click()

    expect(visitor.get_by_role("heading", name="Thank you, Olivia")).to_be_visible()
    expect(visitor.locator("main")).to_contain_text(f"Your application for {COMPANY} in Atrium USA")
    expect(visitor.locator("main")).to_contain_text(CONTACT)
    screenshot(visitor, "company-walk-02-thank-you")


def accept_application(staff, live_server: str) -> None:
    sign_in_staff(staff, "admin@atrium.example")
    expect(staff.get_by_role("heading", name="Welcome, Ada Administrator")).to_be_visible()
    open_menu(staff, "Customers", "Applications")
    expect(staff).to_have_url(url(live_server, "/admin/applications/"))
    row = staff.locator("table.model-list tbody tr").filter(has_text=CONTACT)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("New")
    row.get_by_role("link", name=COMPANY).click()

    expect(staff).to_have_url(url(live_server, "/admin/applications/details/"))
    expect(staff.get_by_test_id("state")).to_have_text("New")
    accept = staff.locator("form").filter(has=staff.get_by_role("button", name="Accept → Accepted"))
    reason = accept.get_by_label(re.compile(r"^Reason"))
    if reason.count() and reason.get_attribute("required") is not None:
        reason.select_option(index=1)
    accept.get_by_placeholder(re.compile(r"^Comment")).fill("Verified by phone.")
    questions = []
    scripts_ready(staff)
    staff.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    accept.get_by_role("button", name="Accept → Accepted").click()

    expect(staff.locator(".alert-success")).to_contain_text(
        f"{COMPANY} is accepted: the company is created and Olivia Owner is invited as Account Admin"
    )
    assert questions and questions[0].startswith("Accept: move"), questions
    expect(staff.get_by_test_id("state")).to_have_text("Accepted")
    expect(staff.get_by_test_id("history")).to_contain_text("New → Accepted")
    expect(staff.get_by_test_id("history")).to_contain_text("Verified by phone.")
    screenshot(staff, "company-walk-03-accepted")


def accept_invitation(person, href: str, live_server: str, first: str, last: str, password: str) -> None:
    person.goto(href)
    expect(person.get_by_role("heading", name=f"Join {COMPANY}")).to_be_visible()
    person.get_by_label("First name").fill(first)
    person.get_by_label("Last name").fill(last)
    person.get_by_label("Password", exact=True).fill(password)
    person.get_by_label("Repeat the password", exact=True).fill(password)
    person.get_by_role("button", name="Create my account").click()
    expect(person).to_have_url(f"{live_server}/")
    expect(alert(person, f"Welcome to {COMPANY}, {first}.")).to_be_visible()
    expect(person.get_by_role("heading", name=f"Hello, {first}", level=1)).to_be_visible()
    expect(person.locator("header")).to_contain_text(COMPANY)


def upload_invitation_list(contact, live_server: str, tmp_path) -> None:
    addresses = tmp_path / "buyers.txt"
    addresses.write_text(f"{BUYER}\nnot-an-address\n\n{BUYER.upper()}\n{CONTACT}\n", encoding="utf-8")
    contact.get_by_role("navigation", name="Portal").get_by_role("link", name="Invitations").click()
    expect(contact).to_have_url(f"{live_server}/account/invitations")
    expect(contact.get_by_role("heading", name="Invitations", level=1)).to_be_visible()
    contact.get_by_label("List of e-mail addresses").set_input_files(addresses)
    contact.get_by_label("Role for everyone on the list").select_option(label="Buyer")
    contact.get_by_role("button", name="Upload and invite").click()

    expect(alert(contact, "1 of 4 address(es) invited; see the report below for the others.")).to_be_visible()
    report = contact.locator("#report")
    expect(report.get_by_role("heading", name="Upload report")).to_be_visible()
    lines = report.locator("tbody tr")
    expect(lines).to_have_count(4)
    expected = [
        ("1", BUYER, "invited"),
        ("2", "not-an-address", "invalid address"),
        ("4", BUYER.upper(), "duplicate in list"),
        ("5", CONTACT, "already a member"),
    ]
    for index, (number, text, outcome) in enumerate(expected):
        cells = lines.nth(index).get_by_role("cell")
        expect(cells.nth(0)).to_have_text(number)
        expect(cells.nth(1)).to_have_text(text)
        expect(cells.nth(2)).to_have_text(outcome)
    pending = contact.locator("table").filter(has_text="Invited by").locator("tbody tr")
    expect(pending.filter(has_text=BUYER)).to_have_count(1)
    expect(pending.filter(has_text=BUYER)).to_contain_text("Buyer")
    screenshot(contact, "company-walk-05-upload-report")


def test_apply_accept_invite_and_buyer_signs_in(new_context, live_server, live_app, tmp_path):
    visitor = new_context().new_page()
    apply_for_account(visitor, live_server)
    with live_app.app_context():
        application = db.session.scalar(select(CompanyApplication).where(CompanyApplication.email == CONTACT))
        assert application is not None and application.state == "new"

    staff = new_context().new_page()
    accept_application(staff, live_server)
    contact_link = invitation_link(staff, live_server, CONTACT)
    screenshot(staff, "company-walk-04-outbox-invitation")

    contact = new_context().new_page()
    accept_invitation(contact, contact_link, live_server, "Olivia", "Owner", CONTACT_PASSWORD)
    expect(contact.locator("main")).to_contain_text("Account Admin")
    nav = contact.get_by_role("navigation", name="Portal")
    expect(nav.get_by_role("link", name="Users")).to_be_visible()
    contact.goto(contact_link)
    expect(contact.locator("main")).to_contain_text("This invitation has already been used. Sign in instead.")

    contact.goto("/")
    upload_invitation_list(contact, live_server, tmp_path)

    staff.goto("/admin/")
    buyer_link = invitation_link(staff, live_server, BUYER)
    buyer = new_context().new_page()
    accept_invitation(buyer, buyer_link, live_server, "Bruno", "Buyer", BUYER_PASSWORD)
    expect(buyer.locator(".atrium-page-head")).to_contain_text(COMPANY)
    welcome = buyer.get_by_role("region", name="Welcome, Bruno Buyer")
    expect(welcome).to_contain_text("Shop")
    expect(welcome).to_contain_text("Atrium USA")
    buyer_nav = buyer.get_by_role("navigation", name="Portal")
    expect(buyer_nav.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(buyer_nav.get_by_role("link", name="Invitations")).to_have_count(0)
    screenshot(buyer, "company-walk-06-buyer-dashboard")

    buyer.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(buyer).to_have_url(f"{live_server}/login")
    expect(alert(buyer, "You are signed out.")).to_be_visible()
    sign_in_portal(buyer, BUYER, BUYER_PASSWORD)
    expect(buyer).to_have_url(f"{live_server}/")
    expect(buyer.get_by_role("heading", name="Hello, Bruno", level=1)).to_be_visible()
    expect(buyer.locator(".atrium-page-head")).to_contain_text(COMPANY)
    screenshot(buyer, "company-walk-07-buyer-signed-in-again")

    with live_app.app_context():
        company = db.session.scalar(select(Company).where(Company.name == COMPANY))
        assert company is not None and company.shop.code == "atrium-us"
        people = {u.email: u for u in db.session.scalars(select(CompanyUser).where(CompanyUser.company_id == company.id))}
        assert set(people) == {CONTACT, BUYER}
        assert "Account Admin" in {r.name for r in people[CONTACT].roles}
        assert {r.name for r in people[BUYER].roles} == {"Buyer"}
        invitations = db.session.scalars(select(Invitation).where(Invitation.company_id == company.id)).all()
        assert sorted(i.email for i in invitations) == sorted([CONTACT, BUYER])

    for each in (visitor, staff, contact, buyer):
        assert_page_healthy(each, allow_status=(410,))


def test_account_admin_deactivates_a_user_after_confirming(page, new_context, live_server, live_app):
    sign_in_portal(page, "anna.admin@acme.example")
    expect(page.get_by_role("heading", name="Hello, Anna", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Users").click()
    expect(page).to_have_url(f"{live_server}/account/users")
    carl_row = page.get_by_role("row").filter(has_text="carl.ccm@acme.example")
    expect(carl_row).to_contain_text("Active")
    carl_row.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Carl Manager", level=1)).to_be_visible()
    edit_url = page.url

    questions = []
    scripts_ready(page)
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("button", name="Deactivate")).to_be_visible()
    assert questions and questions[0].startswith("Deactivate Carl Manager?"), questions
    assert page.url == edit_url
    expect(page.get_by_role("heading", name="Carl Manager", level=1)).to_contain_text("Active")
    expect(page.get_by_role("alert")).to_have_count(0)
    with live_app.app_context():
        assert db.session.scalar(select(CompanyUser.active).where(CompanyUser.email == "carl.ccm@acme.example"))

    scripts_ready(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Deactivate").click()
    expect(alert(page, "Carl Manager is deactivated")).to_be_visible()
    expect(page.get_by_role("button", name="Activate")).to_be_visible()
    page.get_by_role("link", name="← Users").click()
    expect(page).to_have_url(f"{live_server}/account/users")
    expect(carl_row).to_contain_text("Inactive")
    screenshot(page, "company-walk-08-user-deactivated")
    with live_app.app_context():
        assert not db.session.scalar(select(CompanyUser.active).where(CompanyUser.email == "carl.ccm@acme.example"))

    carl = new_context().new_page()
    sign_in_portal(carl, "carl.ccm@acme.example")
    expect(alert(carl, "This account is deactivated.")).to_be_visible()
    expect(carl.get_by_role("navigation", name="Portal")).to_have_count(0)
    assert_page_healthy(page)
    assert_page_healthy(carl, allow_status=(401, 403))
