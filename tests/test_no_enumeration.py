"""Nobody learns from Atrium's answers which addresses have accounts, or who works for another company.

Each sign-up form answers a known address exactly as a new one and mails the
address's owner instead; an invitation form tells a company only about its
own members.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from extensions import db
from models.applications import CompanyApplication
from models.companies import Company
from models.invitations import Invitation
from models.users import CompanyUser
from tests import factories as f
from tests.helpers import flashes, login, mail_link, outbox, post_form, templates_to, text

PERSON = {"company_name": "Pied Piper", "first_name": "Richard", "last_name": "Hendricks",
          "phone": "", "password": "middle-out-42", "confirm": "middle-out-42"}
APPLICATION = {"company_name": "Hooli", "vat_id": "", "first_name": "Gavin", "last_name": "Belson", "phone": "",
               "line1": "1 Hooli Way", "line2": "", "postal_code": "94043", "city": "Mountain View",
               "country": "US"}
NEW, KNOWN = "newcomer@piedpiper.example", "gina.admin@globex.example"


def _answer(response, email: str) -> str:
    """The page, with the address the visitor typed taken out (it is echoed back either way)."""
    assert response.status_code == 200, text(response)
    return re.sub(r'name="csrf_token"[^>]*>', "", text(response)).replace(email, "ADDRESS")


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m))
                     for m in (CompanyUser, Company, CompanyApplication))


@pytest.mark.parametrize("path,shop,data", [
    ("/register", "atrium-de", PERSON),
    ("/apply", "atrium-us", APPLICATION),
    ("/register", "atrium-us", APPLICATION),  # a shop that files registrations as applications
])
def test_a_known_address_gets_the_answer_a_new_one_gets_and_its_owner_a_mail(app, path, shop, data):
    answers = []
    for email in (NEW, KNOWN):
        client = app.test_client()
        client.get(f"{path}?shop={shop}")
        before = _counts(app)
        answers.append(_answer(post_form(client, path, dict(data, email=email)), email))
        if email == KNOWN:
            assert _counts(app) == before  # nothing filed for a known address
    assert answers[0] == answers[1]
    with app.app_context():
        assert templates_to(KNOWN)[-1] == "sign_up_known_address"
        assert "registration_confirm" in templates_to(NEW) or "application_received" in templates_to(NEW)


def test_applying_again_while_in_review_answers_the_same_and_tells_the_applicant(app):
    client = app.test_client()
    client.get("/apply?shop=atrium-us")
    first = _answer(post_form(client, "/apply", dict(APPLICATION, email="uma@umbrella.example")),
                    "uma@umbrella.example")
    assert first.startswith("Thank you")
    with app.app_context():
        assert templates_to("uma@umbrella.example") == ["application_received", "application_already_open"]
        assert db.session.scalar(select(func.count(CompanyApplication.id)).where(
            CompanyApplication.email == "uma@umbrella.example")) == 1


def test_the_owner_of_a_known_address_is_told_how_to_sign_in(app):
    client = app.test_client()
    client.get("/register?shop=atrium-de")
    post_form(client, "/register", dict(PERSON, email=KNOWN))
    with app.app_context():
        [mail] = outbox(KNOWN, "sign_up_known_address")
        assert "asked to register Pied Piper in Atrium Germany with this address" in mail.body_text
        assert "http://localhost/login" in mail.body_text and "http://localhost/password-reset" in mail.body_text


def test_an_invitation_form_says_nothing_about_another_companys_people(app, login_as):
    client = login_as("anna.admin@acme.example")
    answers = {}
    for email in ("somebody.new@example.org", KNOWN):
        response = post_form(client, "/account/invitations",
                             {"email": email, "role": str(_buyer_id(app)), "send_invitation": "1"})
        said = flashes(client.get(response.location).get_data(as_text=True))
        answers[email] = response.status_code, [m.replace(email, "ADDRESS") for m in said]
    assert answers["somebody.new@example.org"] == answers[KNOWN] == (302, ["Invitation sent to ADDRESS."])
    with app.app_context():
        assert db.session.scalar(select(Invitation).where(Invitation.email == KNOWN)).status == "pending"


def test_the_owner_opening_such_an_invitation_learns_why_they_cannot_join(app, login_as):
    client = login_as("anna.admin@acme.example")
    post_form(client, "/account/invitations", {"email": KNOWN, "role": str(_buyer_id(app)), "send_invitation": "1"})
    with app.app_context():
        link = mail_link(KNOWN, "/invitations/")
    page = text(app.test_client().get(link))
    assert "gina.admin@globex.example already has an Atrium account, and an address belongs to one company only." \
        in page
    assert login(app.test_client(), KNOWN).status_code == 302  # her own account is untouched


def _buyer_id(app) -> int:
    with app.app_context():
        return f.role("buyer").id
