"""Managing a company's people: create, delete, (de)activate, roles, budgets, profile.

Account admins call these from ``/account/users``; staff from the back office;
each operation checks its own rule (``models.operations``).
"""
from __future__ import annotations

from decimal import Decimal

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload, undefer

from extensions import db
from models.actors import Actor
from models.attributes import mirror_own_fields
from models.audit import record, record_many
from models.auth import issue_password_link, normalize_email
from models.base import DomainError, NotPermitted, apply_changes
from models.companies import Company, lock_companies
from models.mail import Mail, queue_mail, queue_mails
from models.money import check_limit, format_money, plain
from models.operations import operation, part_of_operation
from models.permissions import BuiltinRole, Perm, StaffPerm
from models.search import contains
from models.shops import CustomerType, add_shop_assignment
from models.users import PERIOD_LABELS, BudgetPeriod, CompanyUser, Role, builtin_roles, user_roles


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


def company_users(company_id: int, *, search: str = "", status: str = "", role_id: int | None = None):
    """The company's users for the users list: search by e-mail or name, filter by status and role. Their
    roles come without grants: the list loads the company's roles, grants and all, first (``company_roles``)."""
    query = select(CompanyUser).where(CompanyUser.company_id == company_id)
    if search:
        full_name = CompanyUser.first_name + " " + CompanyUser.last_name
        query = query.where(or_(*(contains(c, search) for c in (CompanyUser.email, full_name))))
    if status in ("active", "inactive"):
        query = query.where(CompanyUser.active.is_(status == "active"))
    if role_id:
        query = query.where(CompanyUser.roles.any(Role.id == role_id))
    return query.options(selectinload(CompanyUser.roles).lazyload(Role.grants),
                         joinedload(CompanyUser.business_unit)).order_by(
        CompanyUser.last_name, CompanyUser.first_name, CompanyUser.id)


def company_roles(company_id: int):
    """Built-in roles and the company's own, in the order they were made, with their permissions (as
    ``Role.grant_keys``: one row per role, in the same statement)."""
    return (select(Role).where(or_(Role.company_id == company_id, Role.company_id.is_(None)))
            .options(undefer(Role.grant_keys)).order_by(Role.id))


def role_holder_counts(company_id: int) -> dict[int, int]:
    """How many of the company's users hold each role, in one query."""
    return dict(db.session.execute(
        select(user_roles.c.role_id, func.count()).join(CompanyUser, CompanyUser.id == user_roles.c.user_id)
        .where(CompanyUser.company_id == company_id).group_by(user_roles.c.role_id)
    ).all())


def grantable_roles(company: Company, *, actor: Actor) -> list[Role]:
    """Roles the actor may hand out: built-in and the company's own, none beyond the actor's permissions."""
    return [r for r in db.session.scalars(company_roles(company.id)) if may_grant(actor, r)]


def may_grant(actor: Actor, role: Role) -> bool:
    if actor.is_system or actor.acts_as_staff:
        return True
    return actor.holds_all(role.permissions)


def resolve_roles(actor: Actor, company: Company, roles: list[Role]) -> list[Role]:
    """The roles to hold: Buyer always, each one the company's or built-in and grantable by ``actor``."""
    buyer = builtin_roles()[BuiltinRole.BUYER.value]
    chosen = {buyer.id: buyer}
    for role in roles:
        if role.company_id not in (None, company.id):
            raise NotPermitted("That role belongs to another company.")
        if not may_grant(actor, role):
            raise NotPermitted(f"You cannot grant the role {role.name}: it has permissions you do not hold.")
        chosen[role.id] = role
    return sorted(chosen.values(), key=lambda r: r.id)


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="company")
def create_user(company: Company, *, actor: Actor, email: str, first_name: str, last_name: str,
                roles: list[Role] = (), business_unit=None, phone: str = "") -> CompanyUser:
    """Add a user to ``company``; they get a mail with a link to set their password."""
    email = check_email(email)
    check_email_free(email, company)
    if not (first_name or "").strip() or not (last_name or "").strip():
        raise DomainError("First and last name are both required.")
    if business_unit is not None and business_unit.company_id != company.id:
        raise DomainError("That business unit belongs to another company.", "business_unit")
    user = CompanyUser(
        email=email, first_name=first_name.strip(), last_name=last_name.strip(), phone=phone.strip(),
        company=company, business_unit=business_unit, roles=resolve_roles(actor, company, list(roles)),
    )
    db.session.add(user)
    add_shop_assignment(user, company.shop, actor=actor)
    db.session.flush()
    issue_password_link(user, template="account_created", subject=f"Your Atrium account for {company.name}")
    record(actor, "user.created", company_id=company.id, target=user, roles=[r.name for r in user.roles])
    return user


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="user")
def assign_roles(user: CompanyUser, roles: list[Role], *, actor: Actor) -> None:
    """Replace a user's roles; Buyer is always kept and nobody grants beyond their own permissions.

    Whoever may act on ``user`` holds every permission of the roles they lose
    (``Actor.may_act_on``), so only new grants need checking."""
    new_roles = resolve_roles(actor, user.company, roles)
    dropped = [r for r in user.roles if r not in new_roles]
    if actor.is_user(user) and any(r.key == BuiltinRole.ACCOUNT_ADMIN.value for r in dropped):
        raise DomainError("You cannot remove your own Account Admin role.")
    if {r.id for r in new_roles} == {r.id for r in user.roles}:
        return
    if any(r.key == BuiltinRole.ACCOUNT_ADMIN.value for r in dropped):
        keep_an_admin_besides([user])
    before = [r.name for r in user.roles]
    user.roles = new_roles
    record(actor, "user.roles_changed", company_id=user.company_id, target=user,
           before=before, after=[r.name for r in new_roles])
    _tell_user(user, actor, [f"Your roles are now {', '.join(r.name for r in new_roles)} (before: {', '.join(before)})."])


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="user")
def set_budget(user: CompanyUser, *, actor: Actor, budget_amount: Decimal | None, budget_period: str | None,
               order_spend_limit: Decimal | None) -> None:
    """Set a user's budget (amount + period) and order spend limit, in the company's currency."""
    currency = user.currency
    amount = check_limit(budget_amount, currency, "The budget", "budget_amount")
    limit = check_limit(order_spend_limit, currency, "The order spend limit", "order_spend_limit")
    period = (budget_period or "").strip() or None
    if period is not None and period not in {p.value for p in BudgetPeriod}:
        raise DomainError("Choose a budget period: yearly, half-yearly, quarterly, monthly or weekly.", "budget_period")
    if amount is not None and period is None:
        raise DomainError("A budget needs a period.", "budget_period")
    period = period if amount is not None else None
    if (amount, period, limit) == (user.budget_amount, user.budget_period, user.order_spend_limit):
        return
    before = _budget_facts(user)
    user.budget_amount, user.budget_period, user.order_spend_limit = amount, period, limit
    record(actor, "user.budget_changed", company_id=user.company_id, target=user, before=before,
           after=_budget_facts(user))
    locale = user.company.shop.locale
    budget = f"{format_money(user.budget, locale)} {PERIOD_LABELS[period]}" if amount is not None else "no budget"
    spend = format_money(user.spend_limit, locale) if limit is not None else "none"
    _tell_user(user, actor, [f"Budget: {budget}.", f"Order spend limit: {spend}."])


def _budget_facts(user: CompanyUser) -> dict:
    """What the audit log keeps of a budget: amounts as exact text with their currency."""
    return {"budget": plain(user.budget_amount, user.currency), "period": user.budget_period,
            "limit": plain(user.order_spend_limit, user.currency), "currency": user.currency}


def _tell_user(user: CompanyUser, actor: Actor, changes: list[str]) -> None:
    """Mail ``user`` what someone else changed on their account."""
    if actor.is_user(user):
        return
    queue_mail(user.email, "account_changed", subject=f"Your Atrium account at {user.company.name} changed",
               user=user, by=actor.display_name, changes=changes)


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="user")
def set_business_unit(user: CompanyUser, unit, *, actor: Actor) -> None:
    """Move a user to a business unit of their company (None: no unit)."""
    if unit is not None and unit.company_id != user.company_id:
        raise DomainError("That business unit belongs to another company.", "business_unit")
    if user.business_unit is unit:
        return
    before = user.business_unit.name if user.business_unit else ""
    user.business_unit = unit
    record(actor, "user.business_unit_changed", company_id=user.company_id, target=user,
           before=before, after=unit.name if unit else "")


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="user")
def set_user_active(user: CompanyUser, active: bool, *, actor: Actor) -> None:
    """Activate or deactivate a company user; deactivation ends their live sessions."""
    change_active([user], active, actor=actor)


@operation(staff=StaffPerm.MANAGE_CUSTOMERS)
def set_users_active(users: list[CompanyUser], active: bool, *, actor: Actor) -> int:
    """Staff (de)activate many customers at once (a bulk action): all or none; how many changed."""
    return change_active(users, active, actor=actor)


@part_of_operation
def change_active(users: list[CompanyUser], active: bool, *, actor: Actor) -> int:
    """The rules of (de)activating people, for one or many in a fixed number of statements: nobody
    deactivates themselves, a company keeps an active Account Admin, deactivation ends live sessions,
    each person is told by mail. Load the users with their roles and company."""
    changing = [u for u in users if u.active != active]
    if not changing:
        return 0
    if not active and any(actor.is_user(u) for u in changing):
        raise DomainError("You cannot deactivate your own account.")
    if not active:
        keep_an_admin_besides(changing)
    for user in changing:
        user.active = active
        if not active:
            user.end_sessions()
    record_many(actor, "user.activated" if active else "user.deactivated", targets=changing)
    subject = f"Your Atrium account is {'active again' if active else 'deactivated'}"
    queue_mails([Mail(u.email, "account_status", subject, {"user": u, "by": actor.display_name}) for u in changing])
    return len(changing)


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="user")
def delete_user(user: CompanyUser, *, actor: Actor) -> None:
    """Remove a user who left the company. Admins cannot delete themselves or the last admin."""
    if actor.is_user(user):
        raise DomainError("You cannot delete your own account.")
    keep_an_admin_besides([user])
    record(actor, "user.deleted", company_id=user.company_id, target=user)
    db.session.delete(user)


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="user", self_service=True)
def update_profile(user: CompanyUser, *, actor: Actor, first_name: str, last_name: str, phone: str) -> None:
    """Change a user's contact details: their own, or another's with the right to manage users."""
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    if not first_name or not last_name:
        raise DomainError("First and last name are both required.")
    changed = apply_changes(user, {"first_name": first_name, "last_name": last_name, "phone": (phone or "").strip()})
    if "phone" in changed:
        mirror_own_fields(user)
    if changed:
        record(actor, "user.profile_updated", company_id=user.company_id, target=user, changed=changed)


@operation(staff=StaffPerm.MANAGE_CUSTOMERS, on="user")
def set_customer_type(user: CompanyUser, customer_type: str, *, actor: Actor) -> None:
    """Staff change a customer's type (B2B, B2C, B2E, guest); a B2B customer keeps one sub shop."""
    if customer_type not in {t.value for t in CustomerType}:
        raise DomainError("Choose a customer type: B2B, B2C, B2E or guest.", "customer_type")
    if user.customer_type == customer_type:
        return
    if customer_type == CustomerType.B2B.value:
        masters = [a.shop.parent_id for a in user.shop_assignments if a.shop.parent_id is not None]
        if len(masters) != len(set(masters)):
            raise DomainError(
                f"{user.email} is in several sub shops of one master shop; a B2B customer belongs to one.",
                "customer_type",
            )
    before, user.customer_type = user.customer_type, customer_type
    record(actor, "user.customer_type_changed", company_id=user.company_id, target=user,
           before=before, after=customer_type)


def keep_an_admin_besides(users: list[CompanyUser]) -> None:
    """Refuse to take ``users`` out of the Account Admins if a company of theirs would keep no other active one.

    The companies' rows are locked first, so two admins removing each other at the
    same moment cannot both pass the count: the second counts after the first
    commits and is told why not. One count for all the companies at once.
    """
    leaving = [u for u in users if u.active and u.has_role(BuiltinRole.ACCOUNT_ADMIN)]
    if not leaving:
        return
    companies = {u.company_id for u in leaving}
    lock_companies(companies)
    admin = builtin_roles()[BuiltinRole.ACCOUNT_ADMIN.value]
    others = dict(db.session.execute(
        select(CompanyUser.company_id, func.count(CompanyUser.id)).where(
            CompanyUser.company_id.in_(companies), CompanyUser.id.not_in([u.id for u in users]),
            CompanyUser.active.is_(True), CompanyUser.roles.contains(admin),
        ).group_by(CompanyUser.company_id).execution_options(unscoped=True)
    ).all())
    for user in leaving:
        if not others.get(user.company_id):
            raise DomainError(f"{user.company.name} needs at least one active Account Admin: "
                              "make someone else an Account Admin first.")
