"""Operations on a company's people, called directly (the portal and back office call the same)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from extensions import db
from models.base import DomainError, NotPermitted, utcnow
from models.invitations import (
    MAX_LIST_LINES,
    Invitation,
    accept_invitation,
    invite,
    invite_many,
    read_address_list,
    resend_invitation,
    revoke_invitation,
)
from models.mail import OutboxMessage
from models.members import assign_roles, create_user, delete_user, set_budget
from models.money import parse_amount
from models.roles import create_role, delete_role, update_role
from tests import factories as f
from tests.helpers import mail_link


def _token_from_mail(email):
    return mail_link(email, "/invitations/").removeprefix("/invitations/")


def test_create_user_keeps_buyer_and_mails_a_password_link(app):
    with app.app_context():
        anna = f.user("anna.admin@acme.example")
        user = create_user(anna.company, actor=f.actor(anna), email=" New.Person@Acme.example ", first_name="New",
                           last_name="Person", roles=[f.role("approver")])
        assert user.email == "new.person@acme.example"
        assert [r.key for r in user.roles] == ["buyer", "approver"]
        assert [a.shop.code for a in user.shop_assignments] == ["atrium-de"]
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == user.email))
        assert mail.template == "account_created" and "/password-reset/" in mail.body_text


@pytest.mark.parametrize("email,message", [
    ("ben.buyer@acme.example", "already a member of Acme Industrial"),
    ("gina.admin@globex.example", "another company"),
    ("nope", "not a valid e-mail"),
])
def test_create_user_refuses_taken_or_bad_addresses(app, email, message):
    with app.app_context():
        anna = f.user("anna.admin@acme.example")
        with pytest.raises(DomainError, match=message):
            create_user(anna.company, actor=f.actor(anna), email=email, first_name="A", last_name="B")


def test_only_account_admins_of_the_same_company_manage_users(app):
    with app.app_context():
        ben, gina = f.user("ben.buyer@acme.example"), f.user("gina.admin@globex.example")
        acme = ben.company
        with pytest.raises(NotPermitted):
            create_user(acme, actor=f.actor(ben), email="x@acme.example", first_name="X", last_name="Y")
        with pytest.raises(NotPermitted, match="another company"):
            set_budget(ben, actor=f.actor(gina), budget_amount="10", budget_period="monthly", order_spend_limit="")


def test_nobody_grants_what_they_do_not_hold(app):
    with app.app_context():
        anna = f.user("anna.admin@acme.example")
        limited_role = create_role(anna.company, actor=f.actor(anna), name="People desk", permissions=["manage_users"])
        carl = f.user("carl.ccm@acme.example")
        assign_roles(carl, [limited_role], actor=f.actor(anna))
        db.session.flush()
        with pytest.raises(NotPermitted, match="Account Admin"):
            assign_roles(f.user("ben.buyer@acme.example"), [f.role("account_admin")], actor=f.actor(carl))
        with pytest.raises(NotPermitted, match="do not hold"):
            create_role(anna.company, actor=f.actor(carl), name="Approvers+", permissions=["approve_orders"])


def test_roles_always_keep_buyer_and_admins_keep_their_own_admin_role(app):
    with app.app_context():
        anna = f.user("anna.admin@acme.example")
        ben = f.user("ben.buyer@acme.example")
        assign_roles(ben, [], actor=f.actor(anna))
        assert [r.key for r in ben.roles] == ["buyer"]
        with pytest.raises(DomainError, match="own Account Admin"):
            assign_roles(anna, [], actor=f.actor(anna))


def test_roles_of_another_company_cannot_be_assigned(app):
    with app.app_context():
        gina = f.user("gina.admin@globex.example")
        globex_role = create_role(gina.company, actor=f.actor(gina), name="Globex buyers", permissions=["purchase"])
        with pytest.raises(NotPermitted, match="another company"):
            assign_roles(f.user("ben.buyer@acme.example"), [globex_role], actor=f.actor(f.user("anna.admin@acme.example")))


def test_custom_roles_builtin_roles_are_fixed_and_held_roles_are_not_deleted(app):
    with app.app_context():
        anna = f.user("anna.admin@acme.example")
        with pytest.raises(DomainError, match="Built-in"):
            update_role(f.role("buyer"), actor=f.actor(anna), name="Shopper", permissions=["purchase"])
        with pytest.raises(DomainError, match="already exists"):
            create_role(anna.company, actor=f.actor(anna), name="approver", permissions=["purchase"])
        role = create_role(anna.company, actor=f.actor(anna), name="Desk", permissions=["view_files"])
        assign_roles(f.user("ben.buyer@acme.example"), [role], actor=f.actor(anna))
        with pytest.raises(DomainError, match="still hold"):
            delete_role(role, actor=f.actor(anna))


@pytest.mark.parametrize("amount,period,limit,message", [
    ("-5", "monthly", "", "zero or more"),
    ("12,34x", "monthly", "", "is not an amount"),
    ("100", "", "", "needs a period"),
    ("100", "daily", "", "Choose a budget period"),
    ("", "", "NaN", "is not an amount"),
])
def test_bad_budgets_change_nothing(app, amount, period, limit, message):
    """As Anna types them in Acme's German shop: parsed there, then set."""
    with app.app_context():
        ben = f.user("ben.buyer@acme.example")
        with pytest.raises(DomainError, match=message):
            set_budget(ben, actor=f.actor(f.user("anna.admin@acme.example")),
                       budget_amount=parse_amount(amount, locale="de_DE", currency="EUR"), budget_period=period,
                       order_spend_limit=parse_amount(limit, locale="de_DE", currency="EUR"))
        assert ben.budget_amount is None and ben.order_spend_limit is None


@pytest.mark.parametrize("amount,message", [
    (Decimal("-0.01"), "zero or more"),
    (Decimal("10000000000"), "below 10 billion"),
    (Decimal("1.005"), "more decimal places than EUR"),
])
def test_an_operation_refuses_amounts_no_form_would_give(app, amount, message):
    with app.app_context():
        ben = f.user("ben.buyer@acme.example")
        with pytest.raises(DomainError, match=message):
            set_budget(ben, actor=f.actor("anna.admin@acme.example"), budget_amount=amount,
                       budget_period="monthly", order_spend_limit=None)


def test_budget_is_exact_decimal(app):
    with app.app_context():
        ben = f.user("ben.buyer@acme.example")
        set_budget(ben, actor=f.actor(f.user("anna.admin@acme.example")),
                   budget_amount=parse_amount("1.500,10", locale="de_DE", currency="EUR"), budget_period="quarterly",
                   order_spend_limit=parse_amount("250,05", locale="de_DE", currency="EUR"))
        db.session.flush()
        db.session.expire(ben)
        assert ben.budget_amount == Decimal("1500.10") and ben.order_spend_limit == Decimal("250.05")


def test_last_admin_and_self_cannot_be_deleted(app):
    with app.app_context():
        gina = f.user("gina.admin@globex.example")
        with pytest.raises(DomainError, match="own account"):
            delete_user(gina, actor=f.actor(gina))
        with pytest.raises(DomainError, match="Globex needs at least one active Account Admin"):
            delete_user(gina, actor=f.actor(f.staff("admin@atrium.example")))


def test_invitation_lifecycle(app):
    with app.app_context():
        anna = f.user("anna.admin@acme.example")
        invitation = invite(anna.company, "Zoe@Acme.example", f.role("approver"), actor=f.actor(anna))
        first_token = _token_from_mail("zoe@acme.example")
        resend_invitation(invitation, actor=f.actor(anna))
        second_token = _token_from_mail("zoe@acme.example")
        assert first_token != second_token
        with pytest.raises(DomainError, match="not valid"):
            accept_invitation(first_token, first_name="Zoe", last_name="Z", password=f.PASSWORD, confirm=f.PASSWORD)
        user = accept_invitation(second_token, first_name="Zoe", last_name="Z", password=f.PASSWORD, confirm=f.PASSWORD)
        assert [r.key for r in user.roles] == ["buyer", "approver"] and user.company.name == "Acme Industrial"
        with pytest.raises(DomainError, match="already been used"):
            accept_invitation(second_token, first_name="Zoe", last_name="Z", password=f.PASSWORD, confirm=f.PASSWORD)


def test_expired_and_revoked_invitations_refuse_their_links(app):
    with app.app_context():
        anna = f.user("anna.admin@acme.example")
        invitation = invite(anna.company, "late@acme.example", f.role("buyer"), actor=f.actor(anna))
        token = _token_from_mail("late@acme.example")
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        with pytest.raises(DomainError, match="expired"):
            accept_invitation(token, first_name="L", last_name="L", password=f.PASSWORD, confirm=f.PASSWORD)
        other = invite(anna.company, "gone@acme.example", f.role("buyer"), actor=f.actor(anna))
        token = _token_from_mail("gone@acme.example")
        revoke_invitation(other, actor=f.actor(anna))
        with pytest.raises(DomainError, match="withdrawn"):
            accept_invitation(token, first_name="G", last_name="G", password=f.PASSWORD, confirm=f.PASSWORD)


def test_invite_list_reports_each_line_and_valid_lines_go_through(app):
    with app.app_context():
        anna = f.user("anna.admin@acme.example")
        data = "new1@acme.example\n\nben.buyer@acme.example\ndave.new@acme.example\nnot an address\n" \
               "NEW1@acme.example;gina.admin@globex.example\n".encode()
        results = invite_many(anna.company, read_address_list(data), f.role("buyer"), actor=f.actor(anna))
        assert [(r.number, r.text, r.outcome) for r in results] == [
            (1, "new1@acme.example", "invited"),
            (3, "ben.buyer@acme.example", "already a member"),
            (4, "dave.new@acme.example", "already invited"),
            (5, "not an address", "invalid address"),
            (6, "NEW1@acme.example", "duplicate in list"),
            (6, "gina.admin@globex.example", "invited"),  # another company's member: not told to Acme
        ]
        pending = db.session.scalars(select(Invitation.email).where(Invitation.state == "pending")).all()
        assert sorted(pending) == ["dave.new@acme.example", "gina.admin@globex.example", "new1@acme.example"]


@pytest.mark.parametrize("data,message", [
    ("caf\xe9@acme.example".encode("latin-1"), "not UTF-8"),
    (b"\x00\x01\x02binary", "not a text file"),
    ("\n".join(f"p{i}@acme.example" for i in range(MAX_LIST_LINES + 1)).encode(), "more than"),
])
def test_bad_invitation_lists_are_refused_whole(app, data, message):
    with app.app_context():
        with pytest.raises(DomainError, match=message):
            read_address_list(data)


def test_one_pending_invitation_per_email_is_a_database_rule(app):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        existing = db.session.scalar(select(Invitation).where(Invitation.email == "dave.new@acme.example"))
        db.session.add(Invitation(company_id=existing.company_id, email=existing.email, role_id=existing.role_id,
                                  token_hash="x" * 64, expires_at=existing.expires_at))
        with pytest.raises(IntegrityError):
            db.session.flush()


def test_an_invitation_list_reads_accounts_and_invitations_once_not_per_line(app):
    from tests.helpers import count_queries

    def selects(size: int) -> int:
        with app.app_context():
            anna = f.user("anna.admin@acme.example")
            lines = "\n".join(f"list{size}-{n}@acme.example" for n in range(size)) + "\nben.buyer@acme.example\n"
            role = f.role("buyer")
            with count_queries(app) as statements:
                results = invite_many(anna.company, read_address_list(lines.encode()), role, actor=f.actor(anna))
            assert sum(r.outcome == "invited" for r in results) == size
            db.session.rollback()
        return sum(s.lstrip().upper().startswith("SELECT") for s in statements)

    assert selects(40) == selects(5)
