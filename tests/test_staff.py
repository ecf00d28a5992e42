"""Setup → Staff: back office accounts are made, changed and (de)activated through one set of operations."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from models.actors import SYSTEM
from models.base import DomainError, NotPermitted
from models.staff import StaffUser
from models.staff_accounts import create_staff, send_staff_password_link, set_staff_active, update_staff
from tests import factories as f
from tests.backoffice_forms import follow, form_values
from tests.helpers import PASSWORD, flashes, login, mail_link, outbox, post_form, text

ADMIN = "admin@atrium.example"
STAFF = "/admin/staff/"


def _staff_id(app, email: str) -> int:
    with app.app_context():
        return f.staff(email).id


def test_a_new_account_gets_a_link_that_sets_its_password(app, client):
    with app.app_context():
        staff = create_staff(actor=f.actor(ADMIN), email=" Nina@Atrium.example ", name="Nina Newcomer",
                             roles=["support", "sales_rep"], phone="+49 30 5")
        db.session.commit()
        assert (staff.email, staff.password_hash, [r.value for r in staff.roles]) == (
            "nina@atrium.example", None, ["sales_rep", "support"])
        [mail] = outbox("nina@atrium.example", "staff_welcome")
        link = mail_link("nina@atrium.example", "/admin/password/")
    assert login(client, "nina@atrium.example", PASSWORD, "/admin/login/").status_code == 401
    response = post_form(client, link, {"password": "a-fine-long-password", "confirm": "a-fine-long-password"})
    assert response.status_code == 302 and "Your password is set" in text(client.get(response.location))
    assert login(client, "nina@atrium.example", "a-fine-long-password", "/admin/login/").status_code == 302
    assert client.get(link).status_code == 302  # used: back to asking for a new link


@pytest.mark.parametrize("fields,message", [
    ({"email": "admin@atrium.example"}, "already exists"),
    ({"email": "not an address"}, "not a valid e-mail"),
    ({"roles": []}, "at least one role"),
    ({"roles": ["superuser"]}, "“superuser” is not a staff role"),
    ({"name": " "}, "a name of at most 120"),
    ({"name": "N" * 121}, "a name of at most 120"),
    ({"password": "short"}, "at least 10 characters"),
])
def test_bad_staff_input_is_refused_and_nothing_is_made(app, fields, message):
    with app.app_context():
        before = db.session.scalar(select(db.func.count(StaffUser.id)))
        values = dict({"email": "x@atrium.example", "name": "X", "roles": ["support"]}, **fields)
        with pytest.raises(DomainError, match=message):
            create_staff(actor=f.actor(ADMIN), **values)
        assert db.session.scalar(select(db.func.count(StaffUser.id))) == before


def test_atrium_always_keeps_an_active_administrator(app):
    with app.app_context():
        admin, support = f.staff(ADMIN), f.staff("support@atrium.example")
        with pytest.raises(DomainError, match="your own administrator role"):
            update_staff(admin, actor=f.actor(admin), name=admin.name, roles=["support"])
        with pytest.raises(DomainError, match="your own account"):
            set_staff_active(admin, False, actor=f.actor(admin))
        with pytest.raises(DomainError, match="only active administrator"):
            set_staff_active(admin, False, actor=SYSTEM)
        update_staff(support, actor=f.actor(admin), name=support.name, roles=["administrator", "support"])
        set_staff_active(admin, False, actor=f.actor(support))
        assert admin.active is False and admin.session_version == 2


def test_only_staff_who_manage_staff_may_change_accounts(app):
    with app.app_context():
        support = f.staff("support@atrium.example")
        with pytest.raises(NotPermitted):
            send_staff_password_link(f.staff("agent@atrium.example"), actor=f.actor(support))


def test_setup_staff_creates_an_account_and_mails_its_link(app, login_as):
    client = login_as(ADMIN)
    page = client.get(f"{STAFF}new/").get_data(as_text=True)
    data = dict(form_values(page), email="omar@atrium.example", name="Omar Office", phone="+1 555",
                staff_roles=["catalog_manager"])
    page = follow(client, client.post(f"{STAFF}new/", data=data))
    assert "We sent omar@atrium.example a link to choose a password; it works for 48 hours." in flashes(page)
    with app.app_context():
        omar = f.staff("omar@atrium.example")
        assert [r.value for r in omar.roles] == ["catalog_manager"] and omar.password_hash is None
        assert len(outbox("omar@atrium.example", "staff_welcome")) == 1


def test_setup_staff_edits_name_and_roles(app, login_as):
    client = login_as(ADMIN)
    agent = _staff_id(app, "agent@atrium.example")
    page = client.get(f"{STAFF}edit/?id={agent}").get_data(as_text=True)
    assert 'name="email"' not in page  # the sign-in name is set once
    data = dict(form_values(page), name="Rita Rep", staff_roles=["sales_rep", "support"])
    response = client.post(f"{STAFF}edit/?id={agent}", data=data)
    assert response.status_code == 302
    with app.app_context():
        rita = f.staff("agent@atrium.example")
        assert rita.name == "Rita Rep" and [r.value for r in rita.roles] == ["sales_rep", "support"]


def test_a_refused_edit_says_why_and_changes_nothing(app, login_as):
    client = login_as(ADMIN)
    me = _staff_id(app, ADMIN)
    page = client.get(f"{STAFF}edit/?id={me}").get_data(as_text=True)
    data = dict(form_values(page), staff_roles=["support"])
    page = client.post(f"{STAFF}edit/?id={me}", data=data).get_data(as_text=True)
    assert "You cannot take away your own administrator role." in flashes(page)
    with app.app_context():
        assert [r.value for r in f.staff(ADMIN).roles] == ["administrator"]


def test_details_offer_a_password_link_and_deactivation_and_never_the_hash(app, login_as):
    client = login_as(ADMIN)
    support = _staff_id(app, "support@atrium.example")
    page = client.get(f"{STAFF}details/?id={support}").get_data(as_text=True)
    assert "Send a link to choose a new password" in page and "Deactivate" in page
    assert "pbkdf2" not in page and "scrypt" not in page and "Password hash" not in page
    page = post_form(client, f"{STAFF}password-link/", {"id": support}, f"{STAFF}details/?id={support}")
    assert "We sent support@atrium.example a link to choose a new password." in flashes(follow(client, page))
    page = post_form(client, f"{STAFF}active/", {"id": support, "active": "0"}, f"{STAFF}details/?id={support}")
    assert "Sam Support is deactivated and signed out." in flashes(follow(client, page))
    with app.app_context():
        assert f.staff("support@atrium.example").active is False


def test_bulk_activate_and_deactivate(app, login_as):
    client = login_as(ADMIN)
    ids = [str(_staff_id(app, e)) for e in ("support@atrium.example", "agent@atrium.example")]
    page = post_form(client, f"{STAFF}action/", {"action": "deactivate", "rowid": ids}, STAFF)
    assert "2 staff account(s) deactivated." in flashes(follow(client, page))
    page = post_form(client, f"{STAFF}action/", {"action": "activate", "rowid": ids}, STAFF)
    assert "2 staff account(s) activated." in flashes(follow(client, page))
    with app.app_context():
        assert all(f.staff(e).active for e in ("support@atrium.example", "agent@atrium.example"))


def test_staff_who_forgot_their_password_get_a_link_and_portal_links_do_not_open_it(app, client):
    response = post_form(client, "/admin/password-reset/", {"email": "support@atrium.example"})
    assert response.status_code == 302
    with app.app_context():
        staff_link = mail_link("support@atrium.example", "/admin/password/")
        token = staff_link.rstrip("/").rsplit("/", 1)[1]
    assert client.get(f"/password-reset/{token}").status_code == 302  # not a portal link
    response = post_form(client, staff_link, {"password": "another-long-one", "confirm": "another-long-one"})
    assert response.status_code == 302
    assert login(client, "support@atrium.example", "another-long-one", "/admin/login/").status_code == 302


def test_an_unknown_address_gets_the_same_answer(app, client):
    response = post_form(client, "/admin/password-reset/", {"email": "nobody@atrium.example"})
    assert response.status_code == 302
    assert "If that address belongs to an active back office account" in text(client.get(response.location))
    with app.app_context():
        assert outbox("nobody@atrium.example") == []


def test_the_cli_makes_staff_with_the_same_operation(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-staff", "--email", "cli@atrium.example", "--name", "Cli Person",
                                 "--role", "support", "--password", ""])
    assert result.exit_code == 0, result.output
    assert "We sent cli@atrium.example a link to choose a password." in result.output
    refused = runner.invoke(args=["create-staff", "--email", "cli@atrium.example", "--name", "Again",
                                  "--password", ""])
    assert refused.exit_code != 0 and "already exists" in refused.output
