"""Organisation sign-up (/register): the company and its first Account Admin, once the address is confirmed.

The visitor's answer is the same for every address ("check your inbox"), so
the form tells nobody which addresses have accounts: a new address gets a link
to confirm it; a known one files nothing and its owner is told by mail. The
password is hashed either way, so both take the same time.
"""
from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from extensions import db
from models.actors import Actor
from models.applications import notify_staff, submit_application, tell_owner_of_sign_up
from models.attributes import set_attribute_values, shop_attributes
from models.audit import record
from models.auth import hash_password
from models.base import DomainError
from models.companies import BusinessUnit, Company, CompanyStatus
from models.conflicts import insert_unless_taken
from models.mail import queue_mail
from models.members import check_email, email_owner
from models.operations import operation, part_of_operation
from models.passwords import check_new_password
from models.permissions import BuiltinRole, StaffPerm
from models.shops import CustomerType, RegistrationMode, Shop, add_shop_assignment
from models.users import CompanyUser, builtin_roles

CONFIRMATION_SALT = "atrium-confirm-address"


@operation(public=True)
def register_organisation(shop: Shop, data: dict):
    """Sign up a person and their organisation in ``shop``.

    Depending on the shop, this creates the company (the person becomes its
    Account Admin once they confirm their address) or files a company
    application. Returns the new user, the application, or None when the
    address was known (its owner is told by mail). A master shop's customers
    register in one of its sub shops.
    """
    if shop.is_master:
        names = ", ".join(sub.name for sub in shop.sub_shops)
        raise DomainError(f"Organisations register in one of the shops of {shop.name}: {names}.")
    if shop.registration_mode == RegistrationMode.APPLICATION.value:
        return submit_application(shop, data)
    return _create_company_with_admin(shop, data)


def _create_company_with_admin(shop: Shop, data: dict) -> CompanyUser | None:
    email = check_email(data.get("email", ""))
    company_name = str(data.get("company_name") or "").strip()
    first, last = str(data.get("first_name") or "").strip(), str(data.get("last_name") or "").strip()
    if not company_name or not first or not last:
        raise DomainError("Please fill in your organisation's name and your first and last name.")
    check_new_password(data.get("password", ""), data.get("confirm", ""), about=(email, first, last))
    password_hash = hash_password(data["password"])  # for known addresses too: both answers take as long
    owner = email_owner(email)
    if owner is not None:
        _known_address(owner, shop, company_name)
        return None
    company = Company(name=company_name, shop=shop, status=CompanyStatus.ACTIVE.value)
    company.business_units.append(BusinessUnit(name="Headquarters"))
    roles = builtin_roles()
    user = CompanyUser(
        email=email, first_name=first, last_name=last, phone=str(data.get("phone") or "").strip(),
        company=company, business_unit=company.business_units[0], customer_type=CustomerType.B2B.value,
        password_hash=password_hash, confirmation_pending=True,
        roles=[roles[BuiltinRole.BUYER.value], roles[BuiltinRole.ACCOUNT_ADMIN.value]],
    )
    if not insert_unless_taken(user):  # the same address registered a moment ago
        owner = email_owner(email)
        if owner is not None:
            _known_address(owner, shop, company_name)
        return None
    actor = Actor.for_company_user(user)
    set_attribute_values(user, shop_attributes(shop.id, form="registration"), data.get("attributes", {}), actor=actor)
    needs_approval = _needs_approval(shop)
    add_shop_assignment(user, shop, actor=actor, enabled=not needs_approval)
    record(actor, "company.registered", company_id=company.id, target=company)
    send_confirmation(user)
    if needs_approval:
        notify_staff(StaffPerm.MANAGE_CUSTOMERS, "staff_account_needs_activation",
                     f"New account to activate: {user.email}", user=user, shop=shop)
    return user


def _needs_approval(shop: Shop) -> bool:
    return shop.settings_for(CustomerType.B2B.value).requires_approval


def _known_address(owner: CompanyUser, shop: Shop, company_name: str) -> None:
    """An address with an account: a new confirmation link if it never confirmed, else a word to its owner."""
    if owner.confirmation_pending:
        send_confirmation(owner)
    else:
        tell_owner_of_sign_up(owner, shop, company_name, "register")


@part_of_operation
def send_confirmation(user: CompanyUser) -> None:
    """Mail ``user`` the link that confirms their address (signed, expiring; nothing stored)."""
    token = _serializer().dumps([user.id, user.email])
    days = current_app.config["CONFIRMATION_DAYS"]
    queue_mail(user.email, "registration_confirm", subject="Confirm your e-mail address for Atrium", user=user,
               token=token, days=days, needs_approval=not any(a.enabled for a in user.shop_assignments))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=CONFIRMATION_SALT)


def user_to_confirm(token: str) -> CompanyUser:
    """The account a confirmation link is for, or a ``DomainError`` saying why the link does not work."""
    try:
        user_id, email = _serializer().loads(token, max_age=current_app.config["CONFIRMATION_DAYS"] * 86400)
    except SignatureExpired:
        raise DomainError("This confirmation link has expired. Register again to get a new one.") from None
    except (BadSignature, ValueError, TypeError):
        raise DomainError("This confirmation link is not valid. Copy the whole link from the e-mail.") from None
    user = db.session.get(CompanyUser, user_id, execution_options={"unscoped": True})
    if user is None or user.email != email:
        raise DomainError("This confirmation link is not valid any more. Register again to get a new one.")
    if not user.confirmation_pending:  # the link signs in once, not again for a week
        raise DomainError("This address is already confirmed. Sign in with your password.")
    return user


@operation(public=True)
def confirm_address(token: str) -> CompanyUser:
    """Confirm a self-registered address: the account can sign in (where staff approve, once they have)."""
    user = user_to_confirm(token)
    user.confirmation_pending = False
    record(Actor.for_company_user(user), "user.address_confirmed", company_id=user.company_id, target=user)
    return user
