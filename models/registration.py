"""Organisation sign-up (/register) and registration that requires approval."""
from __future__ import annotations

from extensions import db
from models.actors import Actor
from models.applications import notify_staff, submit_application
from models.attributes import set_attribute_values, shop_attributes
from models.audit import record
from models.auth import check_new_password, hash_password
from models.base import DomainError
from models.companies import BusinessUnit, Company, CompanyStatus
from models.mail import queue_mail
from models.members import check_email, email_owner
from models.operations import operation
from models.permissions import BuiltinRole, StaffPerm
from models.shops import CustomerType, RegistrationMode, Shop, add_shop_assignment
from models.users import CompanyUser, builtin_roles


@operation(public=True)
def register_organisation(shop: Shop, data: dict):
    """Sign up a person and their organisation in ``shop``.

    Depending on the shop, this creates the company at once (the person becomes
    its Account Admin) or files a company application. Returns the new user or
    the application. A master shop's customers register in one of its sub shops.
    """
    if shop.is_master:
        names = ", ".join(sub.name for sub in shop.sub_shops)
        raise DomainError(f"Organisations register in one of the shops of {shop.name}: {names}.")
    if shop.registration_mode == RegistrationMode.APPLICATION.value:
        return submit_application(shop, data)
    return _create_company_with_admin(shop, data)


def _create_company_with_admin(shop: Shop, data: dict) -> CompanyUser:
    email = check_email(data.get("email", ""))
    if email_owner(email) is not None:
        raise DomainError(f"{email} already has an Atrium account. Sign in or reset your password.", "email")
    company_name = str(data.get("company_name") or "").strip()
    first, last = str(data.get("first_name") or "").strip(), str(data.get("last_name") or "").strip()
    if not company_name or not first or not last:
        raise DomainError("Please fill in your organisation's name and your first and last name.")
    check_new_password(data.get("password", ""), data.get("confirm", ""))
    customer_type = CustomerType.B2B.value
    needs_approval = shop.settings_for(customer_type).requires_approval
    company = Company(name=company_name, shop=shop, status=CompanyStatus.ACTIVE.value)
    company.business_units.append(BusinessUnit(name="Headquarters"))
    roles = builtin_roles()
    user = CompanyUser(
        email=email, first_name=first, last_name=last, phone=str(data.get("phone") or "").strip(),
        company=company, business_unit=company.business_units[0], customer_type=customer_type,
        password_hash=hash_password(data["password"]),
        roles=[roles[BuiltinRole.BUYER.value], roles[BuiltinRole.ACCOUNT_ADMIN.value]],
    )
    db.session.add(user)
    db.session.flush()
    actor = Actor.for_company_user(user)
    set_attribute_values(user, shop_attributes(shop.id, form="registration"), data.get("attributes", {}), actor=actor)
    add_shop_assignment(user, shop, actor=actor, enabled=not needs_approval)
    record(actor, "company.registered", company_id=company.id, target=company)
    _registration_mail(user, shop, needs_approval)
    return user


def _registration_mail(user: CompanyUser, shop: Shop, needs_approval: bool) -> None:
    if needs_approval:
        queue_mail(user.email, "registration_pending", subject="Your Atrium account is waiting for approval",
                   user=user, shop=shop)
        notify_staff(StaffPerm.MANAGE_CUSTOMERS, "staff_account_needs_activation",
                     f"New account to activate: {user.email}", user=user, shop=shop)
    else:
        queue_mail(user.email, "registration_welcome", subject="Welcome to Atrium", user=user, shop=shop)
