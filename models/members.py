"""Managing a company's people: create, delete, (de)activate, roles, budgets.

Account admins call these from ``/account/users``; staff from the back office.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from extensions import db
from models.access import is_staff, require
from models.audit import record
from models.auth import issue_password_link, normalize_email
from models.base import DomainError, NotPermitted
from models.companies import Company
from models.permissions import BuiltinRole, Perm
from models.shops import assign_shop
from models.users import BudgetPeriod, CompanyUser, Role, builtin_roles, set_user_active  # noqa: F401


def check_email(raw: str) -> str:
    """A normalised e-mail address, or a ``DomainError`` saying what is wrong."""
    email = normalize_email(raw)
    if not email:
        raise DomainError("Enter an e-mail address.", "email")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise DomainError(f"“{raw.strip()}” is not a valid e-mail address.", "email") from None
    return email


def email_owner(email: str) -> CompanyUser | None:
    """The company user with this e-mail in any company (bypasses company scoping)."""
    return db.session.scalar(
        select(CompanyUser).where(CompanyUser.email == email).execution_options(unscoped=True)
    )


def check_email_free(email: str, company: Company) -> None:
    owner = email_owner(email)
    if owner is None:
        return
    if owner.company_id == company.id:
        raise DomainError(f"{email} is already a member of {company.name}.", "email")
    raise DomainError(f"{email} already has an Atrium account with another company.", "email")


def grantable_roles(actor, company: Company) -> list[Role]:
    """Roles the actor may hand out: built-in and the company's own, none beyond the actor's permissions."""
    roles = db.session.scalars(
        select(Role).where((Role.company_id == company.id) | Role.company_id.is_(None)).order_by(Role.id)
    ).all()
    return [r for r in roles if may_grant(actor, r)]


def may_grant(actor, role: Role) -> bool:
    if actor is None or is_staff(actor):
        return True
    return role.permissions <= actor.permissions


def _resolve_roles(actor, company: Company, roles: list[Role], held=()) -> list[Role]:
    """The roles to hold: Buyer always, each one the company's or built-in and grantable (or already held)."""
    buyer = builtin_roles()[BuiltinRole.BUYER.value]
    chosen = {buyer.id: buyer}
    for role in roles:
        if role.company_id not in (None, company.id):
            raise NotPermitted("That role belongs to another company.")
        if role not in held and not may_grant(actor, role):
            raise NotPermitted(f"You cannot grant the role {role.name}: it has permissions you do not hold.")
        chosen[role.id] = role
    return sorted(chosen.values(), key=lambda r: r.id)


def create_user(company: Company, actor, *, email: str, first_name: str, last_name: str,
                roles: list[Role] = (), business_unit=None, phone: str = "") -> CompanyUser:
    """Add a user to ``company``; they get a mail with a link to set their password."""
    require(actor, Perm.MANAGE_USERS, company.id)
    email = check_email(email)
    check_email_free(email, company)
    if not (first_name or "").strip() or not (last_name or "").strip():
        raise DomainError("First and last name are both required.")
    if business_unit is not None and business_unit.company_id != company.id:
        raise NotPermitted("That business unit belongs to another company.")
    user = CompanyUser(
        email=email, first_name=first_name.strip(), last_name=last_name.strip(), phone=phone.strip(),
        company=company, business_unit=business_unit, roles=_resolve_roles(actor, company, list(roles)),
    )
    db.session.add(user)
    assign_shop(user, company.shop, actor)
    db.session.flush()
    issue_password_link(user, template="account_created", subject=f"Your Atrium account for {company.name}")
    record(actor, "user.created", company_id=company.id, target=user, roles=[r.name for r in user.roles])
    return user


def assign_roles(user: CompanyUser, roles: list[Role], actor) -> None:
    """Replace a user's roles; Buyer is always kept and nobody grants beyond their own permissions."""
    require(actor, Perm.MANAGE_USERS, user.company_id)
    new_roles = _resolve_roles(actor, user.company, roles, held=list(user.roles))
    dropped = [r for r in user.roles if r not in new_roles]
    for role in dropped:
        if not may_grant(actor, role):
            raise NotPermitted(f"You cannot take away the role {role.name}: it has permissions you do not hold.")
    if actor is not None and getattr(actor, "id", None) == user.id and getattr(actor, "kind", "") == "company":
        if any(r.key == BuiltinRole.ACCOUNT_ADMIN.value for r in dropped):
            raise DomainError("You cannot remove your own Account Admin role.")
    if {r.id for r in new_roles} == {r.id for r in user.roles}:
        return
    if user.active and any(r.key == BuiltinRole.ACCOUNT_ADMIN.value for r in dropped) \
            and _admin_count(user.company_id) <= 1:
        raise DomainError("A company keeps at least one Account Admin.")
    before = [r.name for r in user.roles]
    user.roles = new_roles
    record(actor, "user.roles_changed", company_id=user.company_id, target=user,
           before=before, after=[r.name for r in new_roles])
    tell_user(user, actor, [f"Your roles are now {', '.join(r.name for r in new_roles)} (before: {', '.join(before)})."])


def parse_amount(raw, label: str) -> Decimal | None:
    """A money amount from form input: blank means none; negative or malformed is refused."""
    if raw is None or str(raw).strip() == "":
        return None
    try:
        amount = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise DomainError(f"{label} must be an amount such as 1500.00.") from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("9999999999.99"):
        raise DomainError(f"{label} must be zero or more and below 10 billion.")
    return amount.quantize(Decimal("0.01"))


def set_budget(user: CompanyUser, actor, *, budget_amount, budget_period, order_spend_limit) -> None:
    """Set a user's budget (amount + period) and order spend limit (enforced at checkout)."""
    require(actor, Perm.MANAGE_USERS, user.company_id)
    amount = parse_amount(budget_amount, "Budget")
    limit = parse_amount(order_spend_limit, "Order spend limit")
    period = (budget_period or "").strip() or None
    if period is not None and period not in {p.value for p in BudgetPeriod}:
        raise DomainError("Choose a budget period: yearly, half-yearly, quarterly, monthly or weekly.")
    if amount is not None and period is None:
        raise DomainError("A budget needs a period.")
    if (amount, period if amount is not None else None, limit) == (
        user.budget_amount, user.budget_period, user.order_spend_limit
    ):
        return
    before = {"budget": str(user.budget_amount), "period": user.budget_period, "limit": str(user.order_spend_limit)}
    user.budget_amount, user.budget_period, user.order_spend_limit = amount, period if amount is not None else None, limit
    record(actor, "user.budget_changed", company_id=user.company_id, target=user, before=before,
           after={"budget": str(amount), "period": user.budget_period, "limit": str(limit)})
    budget = f"{amount} {user.budget_period.replace('_', '-')}" if amount is not None else "no budget"
    tell_user(user, actor, [f"Budget: {budget}.", f"Order spend limit: {limit if limit is not None else 'none'}."])


def tell_user(user: CompanyUser, actor, changes: list[str]) -> None:
    """Mail ``user`` what someone else changed on their account."""
    from models.audit import actor_name
    from models.mail import queue_mail

    if actor is not None and getattr(actor, "kind", "") == "company" and actor.id == user.id:
        return
    queue_mail(user.email, "account_changed", subject=f"Your Atrium account at {user.company.name} changed",
               user=user, by=actor_name(actor), changes=changes)


def set_business_unit(user: CompanyUser, actor, unit) -> None:
    """Move a user to a business unit of their company (None: no unit)."""
    require(actor, Perm.MANAGE_USERS, user.company_id)
    if unit is not None and unit.company_id != user.company_id:
        raise NotPermitted("That business unit belongs to another company.")
    if user.business_unit is unit:
        return
    before = user.business_unit.name if user.business_unit else ""
    user.business_unit = unit
    record(actor, "user.business_unit_changed", company_id=user.company_id, target=user,
           before=before, after=unit.name if unit else "")


def change_user_active(user: CompanyUser, active: bool, actor) -> None:
    """Activate or deactivate (live sessions end); permission-checked."""
    require(actor, Perm.MANAGE_USERS, user.company_id)
    set_user_active(user, active, actor)


def delete_user(user: CompanyUser, actor) -> None:
    """Remove a user who left the company. Admins cannot delete themselves or the last admin."""
    require(actor, Perm.MANAGE_USERS, user.company_id)
    if actor is not None and getattr(actor, "kind", "") == "company" and actor.id == user.id:
        raise DomainError("You cannot delete your own account.")
    if user.has_role(BuiltinRole.ACCOUNT_ADMIN) and _admin_count(user.company_id) <= 1:
        raise DomainError("A company keeps at least one Account Admin.")
    record(actor, "user.deleted", company_id=user.company_id, target=user)
    db.session.delete(user)


def _admin_count(company_id: int) -> int:
    admin = builtin_roles()[BuiltinRole.ACCOUNT_ADMIN.value]
    return db.session.scalar(
        select(func.count(CompanyUser.id)).where(
            CompanyUser.company_id == company_id, CompanyUser.active.is_(True), CompanyUser.roles.contains(admin)
        )
    )
