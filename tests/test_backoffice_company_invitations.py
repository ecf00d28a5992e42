"""Invitations from the back office company page: one address with a role, an uploaded list, resend, revoke."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from extensions import db
from models.invitations import Invitation
from tests import factories as f
from tests.backoffice_forms import COMPANIES, company_id, company_page, follow, form_in, post_company_form, section
from tests.helpers import flashes, mail_link, outbox, text


def _role_id(app, key: str) -> str:
    with app.app_context():
        return str(f.role(key).id)


def _invitation_link(app, email: str) -> str:
    with app.app_context():
        return mail_link(email, "/invitations/")


def test_invite_one_address_with_a_role(app, login_as):
    client = login_as("admin@atrium.example")
    cid = company_id(app)
    page = post_company_form(client, cid, "invite", email="Nina.New@Acme.example", role_id=_role_id(app, "approver"))
    assert "Invitation sent to nina.new@acme.example as Approver." in flashes(page)
    assert "nina.new@acme.example Approver Ada Administrator" in section(page, "invitations")
    with app.app_context():
        mail = outbox("nina.new@acme.example", "invitation")
        assert len(mail) == 1 and mail[0].subject == "You are invited to Acme Industrial on Atrium"


@pytest.mark.parametrize("email, message", [
    ("not-an-address", "“not-an-address” is not a valid e-mail address."),
    ("ben.buyer@acme.example", "ben.buyer@acme.example is already a member of Acme Industrial."),
    ("gina.admin@globex.example", "gina.admin@globex.example is already a member of another company."),
    ("dave.new@acme.example", "dave.new@acme.example is already invited."),
    ("", "Enter an e-mail address."),
])
def test_inviting_a_bad_address_says_why_and_sends_nothing(app, login_as, email, message):
    client = login_as("admin@atrium.example")
    page = post_company_form(client, company_id(app), "invite", email=email)
    assert message in flashes(page)
    with app.app_context():
        assert len(db.session.scalars(select(Invitation)).all()) == 1
        assert len(outbox(email.lower(), "invitation")) == (email == "dave.new@acme.example")


def test_inviting_with_a_role_of_another_company_is_refused(app, login_as):
    client = login_as("admin@atrium.example")
    page = post_company_form(client, company_id(app, "Globex"), "invite", email="x@globex.example",
                             role_id=_role_id(app, "Inquiry desk"))
    assert "Choose a role for the invitation from the list." in flashes(page)
    with app.app_context():
        assert outbox("x@globex.example") == []


def test_an_uploaded_list_reports_each_line_and_invites_the_valid_ones(app, login_as):
    client = login_as("admin@atrium.example")
    cid = company_id(app)
    data = form_in(company_page(client, cid), f"{COMPANIES}invite/")
    upload = ("one@acme.example\n\nBen.Buyer@acme.example\nnot an address\none@acme.example\n"
              "dave.new@acme.example\ntwo@acme.example; three@acme.example\n").encode()
    data.update(role_id=_role_id(app, "buyer"), file=(io.BytesIO(upload), "people.csv"))
    page = follow(client, client.post(f"{COMPANIES}invite/", data=data, content_type="multipart/form-data"))
    assert flashes(page) == [
        "Invitation list: 3 invited, 1 already a member, 1 invalid address, 1 duplicate in list, 1 already invited.",
        "Line 3 (Ben.Buyer@acme.example): already a member. ben.buyer@acme.example is already a member of "
        "Acme Industrial.",
        "Line 4 (not an address): invalid address. “not an address” is not a valid e-mail address.",
        "Line 5 (one@acme.example): duplicate in list. This address is already on an earlier line.",
        "Line 6 (dave.new@acme.example): already invited. dave.new@acme.example is already invited.",
    ]
    pending = section(page, "invitations")
    assert all(f"{who}@acme.example Buyer" in pending for who in ("one", "two", "three"))
    with app.app_context():
        assert len(outbox("one@acme.example", "invitation")) == 1


def test_the_report_names_the_files_line_when_a_line_holds_several_addresses(app, login_as):
    client = login_as("admin@atrium.example")
    data = form_in(company_page(client, company_id(app)), f"{COMPANIES}invite/")
    data.update(file=(io.BytesIO(b"a1@acme.example; a2@acme.example\nnot an address\n"), "people.csv"))
    page = follow(client, client.post(f"{COMPANIES}invite/", data=data, content_type="multipart/form-data"))
    assert any(m.startswith("Line 2 (not an address)") for m in flashes(page)), flashes(page)


@pytest.mark.parametrize("content, filename, message", [
    ("jürgen@acme.example\nzoë@acme.example".encode("latin-1"), "list.txt",
     "The file is not UTF-8 text. Save it as UTF-8 (CSV or TXT) and upload it again."),
    (b"new.person@acme.example\n", "people.xlsx", "Upload a .csv or .txt file."),
    (b"new.person@acme.example\n" + b" " * (1024 * 1024), "people.csv",
     "The file is larger than 1 MB; split it into smaller files."),
])
def test_a_bad_list_file_is_refused_and_nobody_is_invited(app, login_as, content, filename, message):
    client = login_as("admin@atrium.example")
    cid = company_id(app)
    data = form_in(company_page(client, cid), f"{COMPANIES}invite/")
    data.update(file=(io.BytesIO(content), filename))
    page = follow(client, client.post(f"{COMPANIES}invite/", data=data, content_type="multipart/form-data"))
    assert message in flashes(page)
    with app.app_context():
        assert len(db.session.scalars(select(Invitation)).all()) == 1


def test_resend_replaces_the_link_and_revoke_withdraws_it(app, login_as):
    client = login_as("admin@atrium.example")
    cid = company_id(app)
    old_link = _invitation_link(app, "dave.new@acme.example")
    page = post_company_form(client, cid, "invitation", 'value="resend"')
    assert "A new invitation link was sent to dave.new@acme.example." in flashes(page)
    new_link = _invitation_link(app, "dave.new@acme.example")
    visitor = app.test_client()
    assert new_link != old_link and visitor.get(old_link).status_code == 410
    assert visitor.get(new_link).status_code == 200
    stale = form_in(page, f"{COMPANIES}invitation/", 'value="revoke"')
    page = follow(client, client.post(f"{COMPANIES}invitation/", data=stale))
    assert "The invitation for dave.new@acme.example is revoked; its link no longer works." in flashes(page)
    assert "No pending invitations." in text(page)
    assert "withdrawn" in visitor.get(new_link).get_data(as_text=True)
    page = follow(client, client.post(f"{COMPANIES}invitation/", data=stale))  # the same click again
    assert "This invitation is already revoked." in flashes(page)
    assert client.post(f"{COMPANIES}invitation/", data=dict(stale, invitation_id="999999")).status_code == 404
