"""Who gets in and with what: invitations (one address, an uploaded list, resend, revoke) and custom roles."""
from io import BytesIO

import pytest
from sqlalchemy import func, select

from extensions import db
from models.invitations import MAX_LIST_LINES, Invitation
from models.mail import OutboxMessage
from models.permissions import Perm
from models.users import Role
from tests import factories as f
from tests.helpers import count_queries, csrf_token, login, mail_link
from tests.portal_pages import ANNA, give_carl_people_desk, ids_of, page_html, post_from_account


def _token(client) -> str:
    return csrf_token(client.get("/account").get_data(as_text=True))


def _invite_one(client, email, role_id):
    return client.post("/account/invitations", data={
        "csrf_token": _token(client), "email": email, "role": role_id, "send_invitation": "Send invitation"})


def _upload(client, content: bytes, role_id, filename="people.csv", **extra):
    return client.post("/account/invitations", content_type="multipart/form-data", data={
        "csrf_token": _token(client), "list_role": role_id, "upload_list": "Upload and invite",
        "address_file": (BytesIO(content), filename), **extra})


def _role_id(app, key="buyer") -> int:
    with app.app_context():
        return f.role(key).id


def _counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(Invitation.id))),
            db.session.scalar(select(func.count(OutboxMessage.id))))


def _pending(email) -> Invitation | None:
    return db.session.scalar(select(Invitation).where(Invitation.email == email, Invitation.state == "pending"))


def _latest_link(email) -> str:
    return mail_link(email, "/invitations/")


# --- one address ----------------------------------------------------------------------

def test_invite_one_address_sends_mail_and_lists_it_pending(app, login_as):
    client = login_as(ANNA)
    response = _invite_one(client, "  Olga.New@Acme.example ", _role_id(app, "approver"))
    assert response.status_code == 302
    page = page_html(client.get(response.location))
    assert "Invitation sent to Olga.New@Acme.example." in page
    assert "olga.new@acme.example" in page and "Pending invitations" in page
    with app.app_context():
        invitation = _pending("olga.new@acme.example")
        assert invitation.company.name == "Acme Industrial" and invitation.role.key == "approver"
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "olga.new@acme.example"))
        assert mail.template == "invitation" and "/invitations/" in mail.body_text
        link = _latest_link("olga.new@acme.example")
    assert app.test_client().get(link).status_code == 200


@pytest.mark.parametrize("email,message", [
    ("ben.buyer@acme.example", "ben.buyer@acme.example is already a member of Acme Industrial."),
    ("dave.new@acme.example", "dave.new@acme.example is already invited."),
    ("someone@", "is not a valid e-mail address."),
    ("", "Enter an e-mail address."),
])
def test_invite_one_refuses_members_duplicates_and_bad_addresses(app, login_as, email, message):
    with app.app_context():
        before = _counts()
    response = _invite_one(login_as(ANNA), email, _role_id(app))
    assert response.status_code == 400 and message in page_html(response)
    with app.app_context():
        assert _counts() == before


def test_invite_ignores_extra_fields(app, login_as):
    with app.app_context():
        globex = f.company("Globex").id
    client = login_as(ANNA)
    response = client.post("/account/invitations", data={
        "csrf_token": _token(client), "email": "pat@acme.example", "role": _role_id(app),
        "send_invitation": "1", "company_id": globex, "state": "accepted", "expires_at": "2099-01-01"})
    assert response.status_code == 302
    with app.app_context():
        invitation = _pending("pat@acme.example")
        assert invitation.company.name == "Acme Industrial" and invitation.state == "pending"
        assert db.session.scalar(select(func.count(Invitation.id)).where(Invitation.company_id == globex)) == 0


def test_invitation_role_is_limited_to_what_the_inviter_may_grant(app, client):
    give_carl_people_desk(app)
    with app.app_context():
        admin_role = f.role("account_admin").id
        before = _counts()
    assert login(client, "carl.ccm@acme.example").status_code == 302
    assert f'<option value="{admin_role}">Account Admin' not in page_html(client.get("/account/invitations"))
    response = _invite_one(client, "boss@acme.example", admin_role)
    assert response.status_code == 400 and "Choose from the options shown." in page_html(response)
    response = _upload(client, b"boss@acme.example\n", admin_role)
    assert response.status_code == 400 and "Choose from the options shown." in page_html(response)
    with app.app_context():
        assert _counts() == before


def test_posting_without_choosing_a_form_is_refused(app, login_as):
    client = login_as(ANNA)
    response = client.post("/account/invitations", data={"csrf_token": _token(client), "email": "x@acme.example"})
    assert response.status_code == 400
    assert "Choose whether to invite one address or upload a list." in page_html(response)


# --- an uploaded list ---------------------------------------------------------------------

def test_uploaded_list_reports_each_line_and_valid_lines_go_through(app, login_as):
    content = "\n".join([
        "first@acme.example", "", "   ", "Second@Acme.example; third@acme.example",
        "first@acme.example", "ben.buyer@acme.example", "gina.admin@globex.example",
        "dave.new@acme.example", "not an address", '"quoted@acme.example"',
    ]).encode()
    client = login_as(ANNA)
    response = _upload(client, content, _role_id(app, "approver"))
    assert response.status_code == 200
    page = page_html(response)
    assert "5 of 9 address(es) invited; see the report below for the others." in page
    assert "Upload report" in page
    for count, outcome in [(5, "invited"), (1, "already a member"), (1, "already invited"),
                           (1, "invalid address"), (1, "duplicate in list")]:
        assert f"{count} {outcome}</span>" in page
    assert "another company" not in page  # Acme learns nothing about Globex's people
    assert "“not an address” is not a valid e-mail address." in page.replace("&#34;", '"')
    assert "This address is already on an earlier line." in page
    with app.app_context():
        for email in ("first@acme.example", "second@acme.example", "third@acme.example", "quoted@acme.example"):
            invitation = _pending(email)
            assert invitation.role.key == "approver" and invitation.company.name == "Acme Industrial"
            assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient == email)) == 1
        assert db.session.scalar(select(func.count(Invitation.id)).where(
            Invitation.email == "dave.new@acme.example")) == 1


def test_a_list_of_good_addresses_all_go_through(app, login_as):
    client = login_as(ANNA)
    response = _upload(client, "\ufeffa@acme.example\r\nb@acme.example\r\n".encode("utf-8"), _role_id(app),
                       filename="people.txt")
    assert response.status_code == 200 and "2 invitation(s) sent." in page_html(response)


@pytest.mark.parametrize("content,filename,message", [
    ("\n".join(f"p{n}@acme.example" for n in range(MAX_LIST_LINES + 1)).encode(), "many.csv",
     f"The list has more than {MAX_LIST_LINES} addresses; split it into smaller files."),
    ("\ufeffa@acme.example\nb@acme.example".encode("utf-16"), "utf16.csv",
     "The file is not UTF-8 text. Save it as UTF-8 (CSV or TXT) and upload it again."),
    ("a@acme.example".encode("utf-16-le"), "utf16le.txt",
     "The file is not a text file. Upload a CSV or TXT list of e-mail addresses."),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "picture.csv",
     "The file is not UTF-8 text. Save it as UTF-8 (CSV or TXT) and upload it again."),
    (b"a@acme.example", "people.xlsx", "Upload a .csv or .txt file."),
    (b"a@acme.example\n" * 70000, "huge.csv", "The file is larger than 1 MB; split it into smaller files."),
])
def test_bad_lists_are_refused_whole(app, login_as, content, filename, message):
    with app.app_context():
        before = _counts()
    response = _upload(login_as(ANNA), content, _role_id(app), filename=filename)
    assert response.status_code == 400 and message in page_html(response)
    assert "Upload report" not in page_html(response)
    with app.app_context():
        assert _counts() == before


def test_missing_or_empty_file(app, login_as):
    client = login_as(ANNA)
    response = client.post("/account/invitations", data={
        "csrf_token": _token(client), "list_role": _role_id(app), "upload_list": "1"})
    assert response.status_code == 400 and "Choose a CSV or TXT file to upload." in page_html(response)
    response = _upload(client, b"\n\n  \n,;\n", _role_id(app))
    assert response.status_code == 200 and "The file holds no e-mail addresses." in page_html(response)


# --- resend and revoke -------------------------------------------------------------------

def _dave() -> Invitation:
    db.session.expire_all()
    return db.session.scalar(select(Invitation).where(Invitation.email == "dave.new@acme.example"))


def test_resend_issues_a_new_link_and_the_old_one_stops_working(app, login_as):
    with app.app_context():
        dave = _dave()
        dave_id, old_hash = dave.id, dave.token_hash
    client = login_as(ANNA)
    with app.app_context():
        mails_before = db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.recipient == "dave.new@acme.example"))
    response = client.post(f"/account/invitations/{dave_id}/resend", data={"csrf_token": _token(client)})
    assert "A new invitation link is on its way to dave.new@acme.example" in page_html(client.get(response.location))
    with app.app_context():
        assert _dave().token_hash != old_hash
        assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.recipient == "dave.new@acme.example")) == mails_before + 1
        link = _latest_link("dave.new@acme.example")
    assert app.test_client().get(link).status_code == 200


def test_revoke_withdraws_the_link_and_cannot_be_repeated(app, login_as):
    with app.app_context():
        dave_id = _dave().id
    client = login_as(ANNA)
    page = page_html(client.get("/account/invitations"))
    assert 'data-confirm="Withdraw the invitation for dave.new@acme.example?' in page
    response = client.post(f"/account/invitations/{dave_id}/revoke", data={"csrf_token": _token(client)})
    page = page_html(client.get(response.location))
    assert "The invitation for dave.new@acme.example is withdrawn; its link no longer works." in page
    assert "No pending invitations." in page
    with app.app_context():
        assert _dave().state == "revoked"
    response = client.post(f"/account/invitations/{dave_id}/revoke", data={"csrf_token": _token(client)})
    assert "This invitation is already revoked." in page_html(client.get(response.location))
    response = client.post(f"/account/invitations/{dave_id}/resend", data={"csrf_token": _token(client)})
    assert "only pending invitations can be resent" in page_html(client.get(response.location))
    audit = page_html(client.get("/account/audit", query_string={"kind": "invitation"}))
    assert "withdrew the invitation for <strong>dave.new@acme.example</strong>." in audit


def test_pending_list_costs_the_same_queries_for_many_rows(app, login_as):
    client = login_as(ANNA)
    client.get("/account/invitations")
    with count_queries(app) as few:
        client.get("/account/invitations")
    _upload(client, "\n".join(f"p{n}@acme.example" for n in range(40)).encode(), _role_id(app, "approver"))
    with count_queries(app) as many:
        page = page_html(client.get("/account/invitations"))
    assert "41 pending" in page and "Page 1 of 2" in page
    assert len(many) == len(few)


# --- custom roles -------------------------------------------------------------------

def test_roles_page_lists_builtin_and_custom_roles_with_permissions(app, login_as):
    page = page_html(login_as(ANNA).get("/account/roles"))
    for shown in ("Inquiry desk", "View company inquiries", "Account Admin", "built-in", "Manage cost centers"):
        assert shown in page


def test_create_edit_and_delete_a_custom_role(app, login_as):
    client = login_as(ANNA)
    response = post_from_account(client, "/account/roles/new", {"name": "Quote desk",
                                                                "permissions": ["manage_own_quotes", "create_inquiries"]})
    assert response.status_code == 302
    assert "The role Quote desk is created" in page_html(client.get(response.location))
    with app.app_context():
        role = f.role("Quote desk")
        assert {p.value for p in role.permissions} == {"manage_own_quotes", "create_inquiries"}
        role_id = role.id
    response = post_from_account(client, f"/account/roles/{role_id}", {"name": "Quote team", "permissions": ["purchase"]})
    assert response.status_code == 302
    response = post_from_account(client, f"/account/roles/{role_id}/delete")
    assert "The role Quote team is deleted." in page_html(client.get(response.location))
    with app.app_context():
        assert db.session.get(Role, role_id) is None
    audit = page_html(client.get("/account/audit", query_string={"kind": "role"}))
    assert "created the role <strong>Quote desk</strong>: Create inquiries, Manage own quotes." in audit \
        or "created the role <strong>Quote desk</strong>: Manage own quotes, Create inquiries." in audit
    assert "deleted the role <strong>Quote team</strong>" in audit


@pytest.mark.parametrize("data,message", [
    ({"name": "approver", "permissions": ["purchase"]}, "A role named Approver already exists."),
    ({"name": "Empty"}, "Pick at least one permission."),
    ({"name": "", "permissions": ["purchase"]}, "Give the role a name."),
    ({"name": "Odd", "permissions": ["launch_rockets"]}, "Choose from the options shown."),
])
def test_bad_role_input_is_refused(app, login_as, data, message):
    with app.app_context():
        before = db.session.scalar(select(func.count(Role.id)))
    response = post_from_account(login_as(ANNA), "/account/roles/new", data)
    assert response.status_code == 400 and message in page_html(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(Role.id))) == before


def test_role_form_offers_only_permissions_the_actor_holds(app, client):
    give_carl_people_desk(app)
    assert login(client, "carl.ccm@acme.example").status_code == 302
    form = page_html(client.get("/account/roles/new"))
    assert "Manage users and invitations" in form and "Approve orders" in form
    assert "View the company audit log" not in form
    response = post_from_account(client, "/account/roles/new", {"name": "Auditors", "permissions": ["view_audit_log"]})
    assert response.status_code == 400 and "Choose from the options shown." in page_html(response)
    with app.app_context():
        assert f.role("Auditors") is None


def test_a_roles_changed_permissions_reach_its_holder_on_the_next_page(app, login_as):
    """The signed-in user's permissions come with their roles on every request (``Role.grant_keys``): when an
    Account Admin takes a permission from a custom role, its holder loses the pages it opened at once."""
    give_carl_people_desk(app)
    ids = ids_of(app, desk=lambda: f.role("People desk"))
    carl = app.test_client()
    assert login(carl, "carl.ccm@acme.example").status_code == 302
    assert carl.get("/account/users").status_code == 200
    response = post_from_account(login_as(ANNA), f"/account/roles/{ids['desk']}",
                                 {"name": "People desk", "permissions": ["approve_orders"]})
    assert response.status_code == 302
    assert carl.get("/account/users").status_code == 403
    with app.app_context():
        assert f.role("People desk").permissions == {Perm.APPROVE_ORDERS}


def test_a_held_role_is_not_deleted_and_builtin_roles_are_not_editable(app, login_as):
    give_carl_people_desk(app)
    ids = ids_of(app, desk=lambda: f.role("People desk"), buyer=lambda: f.role("buyer"))
    client = login_as(ANNA)
    response = post_from_account(client, f"/account/roles/{ids['desk']}/delete")
    assert "1 user(s) still hold the role People desk" in page_html(client.get(response.location))
    assert client.get(f"/account/roles/{ids['buyer']}").status_code == 404
    assert post_from_account(client, f"/account/roles/{ids['buyer']}/delete").status_code == 404
    with app.app_context():
        assert f.role("People desk") is not None


def test_accepting_an_invitation_while_signed_in_as_someone_else_is_refused(app, login_as):
    client = login_as(ANNA)
    _invite_one(client, "newbie@acme.example", _role_id(app))
    with app.app_context():
        link = _latest_link("newbie@acme.example")
    page = client.get(link)
    assert page.status_code == 409
    assert ("You are signed in as anna.admin@acme.example. Sign out first to accept the invitation for "
            "newbie@acme.example.") in page_html(page)
    answer = client.post(link, data={"csrf_token": _token(client), "first_name": "New", "last_name": "Bie",
                                     "password": "a-long-password-1", "confirm": "a-long-password-1"})
    assert answer.status_code == 409
    with app.app_context():
        assert _pending("newbie@acme.example") is not None
        assert f.user("newbie@acme.example") is None
        assert f.user(ANNA).first_name == "Anna"
