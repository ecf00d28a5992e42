"""Browser tests: a buyer files an asset inquiry with a PDF, support approves it, the buyer reads the answer; a buyer
books a service for an asset and finds it in the asset's service history.

Ben opens his hydraulic press from Assets, creates an inquiry about it with a PDF
and finds it Pending with the file. In a browser of her own, support finds the
inquiry in the back office's After-sales → Inquiries, sees the attachment,
starts the review and approves with a comment. Ben's page then shows Approved
with the comment as the answer, and the outbox holds the mail to him that says
so. Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from extensions import db
from models.mail import OutboxMessage
from models.services import BookedService
from tests.browser_tests.support import (
    alert,
    assert_page_healthy,
    open_menu,
    screenshot,
    scripts_ready,
    sign_in_portal,
    sign_in_staff,
)
from tests.sample_files import PDF

pytestmark = pytest.mark.browser

BEN, SUPPORT = "ben.buyer@acme.example", "support@atrium.example"
PRESS = "Hydraulic press HP-200"
SUBJECT = "Oil leak at the main cylinder"
ANSWER = "A technician replaces the cylinder seal on Monday, under warranty."


def _file_inquiry(page, live_server: str, pdf) -> str:
    """Ben files an inquiry about the press with the PDF; returns its reference."""
    nav = page.get_by_role("navigation", name="Portal")
    nav.get_by_role("link", name="Assets").click()
    expect(page).to_have_url(re.compile(rf"{live_server}/assets"))
    assert_page_healthy(page)
    page.get_by_role("link", name=PRESS).first.click()
    expect(page.get_by_role("heading", name=PRESS, level=1)).to_be_visible()
    assert_page_healthy(page)
    page.get_by_role("link", name="Create inquiry").click()
    expect(page.get_by_role("heading", name="Create inquiry", level=1)).to_be_visible()
    expect(page.get_by_label("Kind of inquiry")).to_have_value("asset")
    expect(page.get_by_label("Asset", exact=True).locator("option:checked")).to_contain_text(PRESS)
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Description").fill("Since Tuesday the press loses oil at the main cylinder.\n"
                                          "The inspection report is attached.")
    page.get_by_label("Files (optional)").set_input_files(str(pdf))
    screenshot(page, "aftersales-01-inquiry-form")
    assert_page_healthy(page)
    page.get_by_role("button", name="Send inquiry").click()

    sent = alert(page, "is sent")
    expect(sent).to_be_visible()
    return re.search(r"Inquiry (INQ-\d{5}) is sent", sent.inner_text()).group(1)


def _approve_in_back_office(staff, reference: str) -> None:
    """Support finds the inquiry, sees the PDF, starts the review and approves it with a comment."""
    sign_in_staff(staff, SUPPORT)
    open_menu(staff, "After-sales", "Inquiries")
    staff.get_by_placeholder("Search reference, customer e-mail or name, company").fill(reference)
    staff.get_by_placeholder("Search reference, customer e-mail or name, company").press("Enter")
    rows = staff.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(SUBJECT)
    expect(rows.first).to_contain_text("Pending")
    screenshot(staff, "aftersales-03-back-office-worklist")
    assert_page_healthy(staff)
    rows.first.get_by_role("link", name=reference).click()

    attachments = staff.get_by_test_id("attachments")
    expect(attachments.get_by_role("link", name="Download inspection-report.pdf")).to_be_visible()
    expect(staff.get_by_test_id("state")).to_have_text("Pending")
    assert_page_healthy(staff)
    _step(staff, "Start the review → In Review")
    expect(alert(staff, "is now In Review")).to_be_visible()
    expect(staff.get_by_test_id("state")).to_have_text("In Review")
    screenshot(staff, "aftersales-04-back-office-in-review")
    assert_page_healthy(staff)

    _step(staff, "Approve → Approved", comment=ANSWER)
    expect(alert(staff, "is now Approved")).to_be_visible()
    expect(staff.get_by_test_id("state")).to_have_text("Approved")
    expect(staff.get_by_test_id("history")).to_contain_text("In Review → Approved")
    expect(staff.get_by_test_id("history")).to_contain_text(ANSWER)
    screenshot(staff, "aftersales-05-back-office-approved")
    assert_page_healthy(staff)


def _step(staff, button: str, comment: str = "") -> None:
    """Fire the workflow step whose button reads ``button``, confirming its question."""
    form = staff.locator("form").filter(has=staff.get_by_role("button", name=button))
    if comment:
        form.get_by_placeholder(re.compile("Comment")).fill(comment)
    scripts_ready(staff)
    questions = []
    staff.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    form.get_by_role("button", name=button).click()
    staff.wait_for_load_state("load")
    assert questions and questions[0].startswith(button.split(" → ")[0]), questions


def test_an_asset_inquiry_with_a_pdf_is_approved_in_the_back_office_and_the_buyer_reads_it(
        page, new_context, live_server, live_app, tmp_path):
    pdf = tmp_path / "inspection-report.pdf"
    pdf.write_bytes(PDF)

    sign_in_portal(page, BEN)
    reference = _file_inquiry(page, live_server, pdf)
    expect(page.get_by_role("heading", name=re.compile(f"Inquiry {reference}"), level=1)).to_contain_text("Pending")
    expect(page.get_by_test_id("files")).to_contain_text("inspection-report.pdf")
    expect(page.locator("main")).to_contain_text(f"Asset: {PRESS}")
    screenshot(page, "aftersales-02-inquiry-pending")
    assert_page_healthy(page)

    staff = new_context().new_page()
    _approve_in_back_office(staff, reference)

    page.reload()
    expect(page.get_by_role("heading", name=re.compile(f"Inquiry {reference}"), level=1)).to_contain_text("Approved")
    resolution = page.get_by_test_id("resolution")
    expect(resolution).to_contain_text("Our answer: Approved")
    expect(resolution).to_contain_text(ANSWER)
    expect(page.get_by_test_id("history")).to_contain_text("In Review → Approved")
    screenshot(page, "aftersales-06-buyer-reads-the-answer")
    assert_page_healthy(page)

    with live_app.app_context():
        mails = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == BEN, OutboxMessage.template == "inquiry_resolved")).all()
        [mail] = [m for m in mails if reference in m.body_text]
        assert mail.subject == "Your inquiry is approved"
        assert ANSWER in mail.body_text and ANSWER in mail.body_html


def test_a_service_booked_from_the_asset_page_joins_the_asset_history(page, live_server, live_app):
    """Ben books the pump visit from the press's page, chooses Hamburg and a time in the cart, places the
    order, and finds the booked service with its order in the press's service history."""
    sign_in_portal(page, BEN)
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Assets").click()
    page.get_by_role("link", name=PRESS).first.click()
    page.get_by_role("link", name="Book a service").click()
    page.get_by_label("Service", exact=True).select_option(label="Pump maintenance visit (PUMP-SVC)")
    page.get_by_role("button", name="Put in the cart for this asset").click()
    expect(alert(page, f"for {PRESS} is in your cart")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"For {PRESS}")

    line = page.get_by_role("form", name=re.compile("Service point and time for Pump maintenance visit"))
    points = line.get_by_label("Service point")
    points.select_option(value=points.locator("option", has_text="Hamburg workshop").get_attribute("value"))
    when = (datetime.now(timezone.utc) + timedelta(days=6)).replace(hour=9, minute=30)
    line.get_by_label("Date and time (UTC)").fill(when.strftime("%Y-%m-%dT%H:%M"))
    line.get_by_role("button", name=re.compile("Save")).click()
    expect(alert(page, "It is booked when you place the order")).to_be_visible()
    screenshot(page, "aftersales-07-service-for-an-asset-in-the-cart")
    assert_page_healthy(page)

    page.get_by_role("link", name="Go to checkout").click()
    page.get_by_role("button", name="Place order").click()
    number = re.search(r"order ([A-Z]{2}-\d+) is placed", alert(page, "your order").inner_text()).group(1)

    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Assets").click()
    page.get_by_role("link", name=PRESS).first.click()
    bookings = page.get_by_test_id("bookings")
    expect(bookings).to_contain_text("Pump maintenance visit")
    expect(bookings).to_contain_text("Hamburg workshop")
    expect(bookings.get_by_role("link", name=number)).to_be_visible()
    screenshot(page, "aftersales-08-asset-service-history")
    assert_page_healthy(page)
    with live_app.app_context():
        booked = db.session.scalar(select(BookedService).where(BookedService.order_number == number))
        assert booked.asset.name == PRESS and booked.scheduled_at.strftime("%d %H:%M") == when.strftime("%d %H:%M")
