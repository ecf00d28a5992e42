"""Driving /apply, /register, sign-in per shop and the profile attributes through the portal."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from models.applications import CompanyApplication
from models.attributes import AttributeValue
from models.base import DomainError
from models.companies import Company
from models.mail import OutboxMessage
from models.registration import register_organisation
from models.shops import set_assignment_state
from models.users import CompanyUser
from tests import factories as f
from tests.helpers import csrf_token, login, mail_link, post_form, templates_to, text, unescaped

PASSWORD = "middle-out-42"
PERSON = {"company_name": "Pied Piper", "first_name": "Richard", "last_name": "Hendricks",
          "email": "richard@piedpiper.example", "phone": "+49 30 555 0", "password": PASSWORD, "confirm": PASSWORD}
APPLICATION = {"company_name": "Hooli", "vat_id": "US-1", "first_name": "Gavin", "last_name": "Belson",
               "email": "gavin@hooli.example", "phone": "", "line1": "1 Hooli Way", "line2": "",
               "postal_code": "94043", "city": "Mountain View", "country": "us"}
SNEAKY = {"company_id": "1", "roles": "account_admin", "state": "accepted", "status": "inactive"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))



def set_b2b_approval(app, code: str, required: bool) -> None:
    with app.app_context():
        f.shop(code).settings_for("b2b").requires_approval = required
        db.session.commit()


# --- the sign-in page and the shop in the top bar -----------------------------------

def test_sign_in_page_links_to_apply_and_register_and_names_the_shop(client):
    page = unescaped(client.get("/login"))
    assert 'href="/apply"' in page and "Apply for a company account" in page
    assert 'href="/register"' in page and ">Register<" in page
    assert "Atrium Industrial Supply" in page  # the master shop, by default
    assert "Atrium Germany" in unescaped(client.get("/login?shop=atrium-de"))
    assert "Atrium Germany" in unescaped(client.get("/login")), "the chosen shop is remembered"


def test_signing_in_on_the_master_lands_in_the_customers_sub_shop(client):
    assert "Atrium Industrial Supply" in unescaped(client.get("/login?shop=atrium"))
    response = login(client, "gina.admin@globex.example")
    assert response.status_code == 302
    home = unescaped(client.get("/"))
    assert "You are in Atrium USA, your company's shop." in home
    assert '<span class="atrium-shop ml-3 mr-auto" title="The shop you are in">Atrium USA</span>' in home


def test_a_customer_stays_in_their_own_shop_whatever_shop_is_asked_for(client):
    login(client, "anna.admin@acme.example")
    assert "Atrium Germany" in unescaped(client.get("/?shop=atrium-us"))
    assert "Atrium USA" not in unescaped(client.get("/account"))


# --- /apply --------------------------------------------------------------------------

def test_apply_on_the_master_shop_asks_for_the_sub_shop(client):
    page = unescaped(client.get("/apply?shop=atrium"))
    assert "Choose your shop" in page
    assert 'href="/apply?shop=atrium-de"' in page and 'href="/apply?shop=atrium-us"' in page
    assert 'name="company_name"' not in page


def test_apply_files_an_application_and_mails_contact_and_staff(app, client):
    client.get("/apply?shop=atrium-us")
    response = post_form(client, "/apply", dict(APPLICATION, **SNEAKY))
    assert response.status_code == 200
    assert "Thank you, Gavin" in unescaped(response) and "Hooli" in unescaped(response)
    with app.app_context():
        application = db.session.scalar(select(CompanyApplication).where(CompanyApplication.email == "gavin@hooli.example"))
        assert application.state == "new" and application.company_id is None
        assert application.shop.code == "atrium-us" and application.country == "US"
        assert (application.line1, application.city) == ("1 Hooli Way", "Mountain View")
        assert templates_to("gavin@hooli.example") == ["application_received"]
        assert "staff_new_application" in templates_to("admin@atrium.example")
        assert db.session.scalar(select(Company).where(Company.name == "Hooli")) is None


@pytest.mark.parametrize("change,message", [
    ({"company_name": "", "city": ""}, "Please fill in the company name."),
    ({"email": ""}, "Please fill in your e-mail address."),
    ({"email": "not-an-address"}, "“not-an-address” is not a valid e-mail address."),
    ({"country": "USA"}, "Use the two-letter country code, e.g. DE or US."),
    ({"country": "1x"}, "Use the two-letter country code, e.g. DE or US."),
])
def test_bad_applications_say_why_and_file_nothing(app, client, change, message):
    with app.app_context():
        before = count(CompanyApplication), count(OutboxMessage)
    client.get("/apply?shop=atrium-us")
    response = post_form(client, "/apply", dict(APPLICATION, **change))
    assert response.status_code == 400
    assert message in unescaped(response)
    assert "Traceback" not in unescaped(response)
    with app.app_context():
        assert (count(CompanyApplication), count(OutboxMessage)) == before


# --- /register -----------------------------------------------------------------------

def test_register_on_the_master_shop_asks_for_the_sub_shop(app, client):
    page = unescaped(client.get("/register?shop=atrium"))
    assert "Choose your shop" in page and 'href="/register?shop=atrium-de"' in page
    token = csrf_token(unescaped(client.get("/login")))
    response = client.post("/register", data=dict(PERSON, csrf_token=token))
    assert response.status_code == 200 and "Choose your shop" in unescaped(response)
    with app.app_context():
        assert f.user(PERSON["email"]) is None


def _confirmation_link(app) -> str:
    with app.app_context():
        return mail_link(PERSON["email"], "/register/confirm/")


def test_register_where_approval_is_required_confirms_then_waits_for_staff(app, client):
    client.get("/register?shop=atrium-de")
    page = unescaped(client.get("/register"))
    assert "B2B reference" not in page  # the shop asks only for the phone at registration, as the Phone field
    assert page.count("Phone") == 1 and "Contact phone" not in page
    assert "Our team approves new accounts in Atrium Germany" in page
    response = post_form(client, "/register", dict(PERSON, phone="+49 30 1", attr_CUSTOMER_PHONE="+1 666"))
    assert response.status_code == 200
    said = text(response)
    assert "Check your inbox, Richard We sent an e-mail to richard@piedpiper.example" in said
    assert "Open the link in it within 7 days to confirm your address. Our team then reviews the account of " \
           "Pied Piper in Atrium Germany" in said
    with app.app_context():
        user = f.user(PERSON["email"])
        assert user.company.name == "Pied Piper" and user.company.shop.code == "atrium-de"
        assert user.confirmation_pending
        assert templates_to("admin@atrium.example").count("staff_account_needs_activation") == 2  # Initech's and this
        assert {r.key for r in user.roles} == {"buyer", "account_admin"}
        assert [(a.shop.code, a.state) for a in user.shop_assignments] == [("atrium-de", "disabled")]
        assert user.phone == "+49 30 1"  # and the attribute keeps it, for searches by attribute
        assert [(v.definition.key, v.value) for v in user.attribute_values] == [("CUSTOMER_PHONE", "+49 30 1")]
        assert templates_to(PERSON["email"]) == ["registration_confirm"]

    refused = login(client, PERSON["email"], PASSWORD)
    assert refused.status_code == 401
    assert "Confirm your e-mail address first: open the link we sent to richard@piedpiper.example." in unescaped(refused)
    link = _confirmation_link(app)
    assert "Confirm richard@piedpiper.example as the address of Richard Hendricks" in text(client.get(link))
    confirmed = post_form(client, link, {})
    assert "Your address is confirmed. Our team now reviews the account of Pied Piper" in text(confirmed)
    refused = login(client, PERSON["email"], PASSWORD)
    assert "Your account is waiting for approval or has been disabled for this shop." in unescaped(refused)

    with app.app_context():
        assignment = f.user(PERSON["email"]).shop_assignments[0]
        assert set_assignment_state(assignment, True, actor=f.actor(f.staff("admin@atrium.example")))
        db.session.commit()
        assert templates_to(PERSON["email"]) == ["registration_confirm", "shop_enabled"]
    assert login(client, PERSON["email"], PASSWORD).status_code == 302
    assert "Hello, Richard" in unescaped(client.get("/"))


def test_register_without_approval_creates_the_company_and_the_link_signs_in(app, client):
    set_b2b_approval(app, "atrium-de", False)
    with app.app_context():
        staff_mail = templates_to("admin@atrium.example")
    assert "Our team approves" not in unescaped(client.get("/register?shop=atrium-de"))
    response = post_form(client, "/register", dict(PERSON, **SNEAKY))
    assert response.status_code == 200
    assert "Open the link in it within 7 days to confirm your address and sign in as the Account Admin of " \
           "Pied Piper" in text(response)
    link = _confirmation_link(app)
    response = post_form(client, link, {})
    assert response.status_code == 302 and response.location.endswith("/")
    home = unescaped(client.get("/"))
    assert "Welcome to Atrium, Richard. Pied Piper is set up and you are its Account Admin." in home
    assert "Hello, Richard" in home and "Atrium Germany" in home
    with app.app_context():
        user = f.user(PERSON["email"])
        acme = f.company("Acme Industrial")
        assert user.company.name == "Pied Piper" and user.company_id != acme.id
        assert user.company.status == "active" and not user.confirmation_pending
        assert {r.key for r in user.roles} == {"buyer", "account_admin"}
        assert [a.state for a in user.shop_assignments] == ["enabled"]
        assert templates_to(PERSON["email"]) == ["registration_confirm"]
        assert templates_to("admin@atrium.example") == staff_mail
    client.post("/logout", data={"csrf_token": csrf_token(unescaped(client.get("/")))})
    again = client.get(link)
    assert again.status_code == 404 and "This address is already confirmed. Sign in with your password." in text(again)


@pytest.mark.parametrize("token,message", [
    ("not-a-token", "This confirmation link is not valid. Copy the whole link from the e-mail."),
    ("", None),
])
def test_a_broken_confirmation_link_says_what_to_do(client, token, message):
    response = client.get(f"/register/confirm/{token}")
    assert response.status_code == 404
    if message:
        assert message in text(response)
        assert post_form(client, f"/register/confirm/{token}", {}, form_page="/login").status_code == 404


def test_register_in_an_application_shop_files_an_application(app, client):
    client.get("/register?shop=atrium-us")
    page = unescaped(client.get("/register"))
    assert "sent as a company application" in page and 'name="postal_code"' in page
    assert 'name="password"' not in page
    response = post_form(client, "/register", dict(APPLICATION, **SNEAKY))
    assert response.status_code == 200 and "Your application for Hooli" in text(response)
    with app.app_context():
        application = db.session.scalar(select(CompanyApplication).where(CompanyApplication.email == APPLICATION["email"]))
        assert application.state == "new" and application.shop.code == "atrium-us"
        assert f.user(APPLICATION["email"]) is None
        assert templates_to(APPLICATION["email"]) == ["application_received"]


@pytest.mark.parametrize("change,message", [
    ({"company_name": ""}, "Please fill in your organisation's name."),
    ({"first_name": "", "last_name": ""}, "Please fill in your first name."),
    ({"email": "richard@"}, "is not a valid e-mail address."),
    ({"confirm": "something-else"}, "The two passwords do not match."),
    ({"password": "short", "confirm": "short"}, "Choose a password of at least 10 characters."),
    ({"password": "aaaaaaaaaa", "confirm": "aaaaaaaaaa"}, "This password is easy to guess: repeats like"),
    ({"password": "password123", "confirm": "password123"}, "This password is easy to guess: this is a very common"),
    ({"password": "richard@piedpiper.example", "confirm": "richard@piedpiper.example"},
     "Choose a password that does not contain your e-mail address or your name."),
    ({"password": "Hendricks!Richard", "confirm": "Hendricks!Richard"},
     "Choose a password that does not contain your e-mail address or your name."),
])
def test_bad_registrations_say_why_and_create_nothing(app, client, change, message):
    with app.app_context():
        before = (count(CompanyUser), count(Company))
    client.get("/register?shop=atrium-de")
    response = post_form(client, "/register", dict(PERSON, **change))
    assert response.status_code == 400
    assert message in unescaped(response)
    with app.app_context():
        assert (count(CompanyUser), count(Company)) == before
        assert templates_to(PERSON["email"]) == []


def test_a_required_registration_attribute_is_asked_for(app, client):
    with app.app_context():
        f.attribute("CUSTOMER_PHONE").required = True
        db.session.commit()
    client.get("/register?shop=atrium-de")
    response = post_form(client, "/register", dict(PERSON, phone="  "))
    assert response.status_code == 400 and "Please fill in your phone." in unescaped(response)
    with app.app_context():
        assert f.user(PERSON["email"]) is None


def test_a_signed_in_customer_is_sent_home_from_the_sign_up_pages(client):
    login(client, "anna.admin@acme.example")
    for path in ("/register", "/apply"):
        response = client.get(path)
        assert response.status_code == 302 and response.location.endswith("/")


def test_organisations_register_in_a_sub_shop_not_the_master(app):
    with app.app_context(), pytest.raises(DomainError, match="register in one of the shops of Atrium Industrial Supply"):
        register_organisation(f.shop("atrium"), dict(PERSON))


# --- profile attributes ----------------------------------------------------------------

def test_profile_shows_and_saves_the_shops_profile_attributes(app, client):
    login(client, "anna.admin@acme.example")
    page = unescaped(client.get("/account/profile"))
    for label in ("Marketing e-mails", "B2B reference"):
        assert label in page
    assert "Employee ID" not in page and "Contact phone" not in page  # the phone is the profile's own field
    response = post_form(client, "/account/profile", {
        "first_name": "Anna", "last_name": "Admin", "phone": "+49 30 42", "attr_CUSTOMER_PHONE": "+49 1 666",
        "attr_MARKETING_OPT_IN": "y", "attr_CUSTOMER_B2B_REF": "ACME-7", "attr_CUSTOMER_B2B_EMPLOYEE_ID": "E-1",
    })
    assert response.status_code == 302
    with app.app_context():
        anna = f.user("anna.admin@acme.example")
        values = {v.definition.key: v.value for v in anna.attribute_values}
        assert anna.phone == "+49 30 42"
        assert values["MARKETING_OPT_IN"] == "yes" and values["CUSTOMER_B2B_REF"] == "ACME-7"
        assert values["CUSTOMER_PHONE"] == "+49 30 42"  # the phone attribute is the Phone field, not what was posted
    page = unescaped(client.get("/account/profile"))
    assert 'value="ACME-7"' in page and "checked" in page
    post_form(client, "/account/profile", {"first_name": "Anna", "last_name": "Admin", "attr_CUSTOMER_B2B_REF": "ACME-7"})
    with app.app_context():
        values = {v.definition.key: v.value for v in f.user("anna.admin@acme.example").attribute_values}
        assert values["MARKETING_OPT_IN"] == "no"


def test_profile_refuses_a_bad_attribute_value_and_keeps_everything(app, client):
    with app.app_context():
        f.attribute("CUSTOMER_B2B_REF").type = "number"
        db.session.commit()
    login(client, "anna.admin@acme.example")
    response = post_form(client, "/account/profile", {"first_name": "Annabel", "last_name": "Admin",
                                                      "attr_CUSTOMER_B2B_REF": "seven"})
    assert "B2B reference must be a number." in unescaped(response)
    with app.app_context():
        anna = f.user("anna.admin@acme.example")
        assert anna.first_name == "Anna"
        assert db.session.scalar(select(func.count()).select_from(AttributeValue).where(AttributeValue.user_id == anna.id)) == 0
