"""Custom company roles made by account admins from the permission list."""
from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models.actors import Actor
from models.audit import record
from models.base import DomainError, NotPermitted
from models.companies import Company
from models.invitations import Invitation, InvitationState
from models.operations import operation
from models.permissions import Perm, StaffPerm
from models.users import Role, RolePermission, user_roles


def _check_permissions(actor: Actor, names) -> list[Perm]:
    perms = []
    for name in names:
        try:
            perms.append(Perm(name))
        except ValueError:
            raise DomainError(f"“{name}” is not a permission.") from None
    if not perms:
        raise DomainError("Pick at least one permission.")
    if actor.acts_as_customer:
        missing = [p for p in perms if not actor.can(p)]
        if missing:
            raise NotPermitted("You cannot grant permissions you do not hold yourself: " + ", ".join(p.value for p in missing))
    return perms


def _check_name(company: Company, name: str, role: Role | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the role a name.", "name")
    if len(name) > 80:
        raise DomainError("Role names have at most 80 characters.", "name")
    clash = db.session.scalar(
        select(Role).where(
            func.lower(Role.name) == name.lower(),
            (Role.company_id == company.id) | Role.company_id.is_(None),
        )
    )
    if clash is not None and clash is not role:
        raise DomainError(f"A role named {clash.name} already exists.", "name")
    return name


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="company")
def create_role(company: Company, *, actor: Actor, name: str, permissions) -> Role:
    """A custom role of ``company`` from the permission list (none beyond the actor's own)."""
    name = _check_name(company, name)
    perms = _check_permissions(actor, permissions)
    role = Role(name=name, company_id=company.id, grants=[RolePermission(permission=p.value) for p in perms])
    db.session.add(role)
    db.session.flush()
    record(actor, "role.created", company_id=company.id, target=role, permissions=[p.value for p in perms])
    return role


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="role")
def update_role(role: Role, *, actor: Actor, name: str, permissions) -> None:
    """Rename a custom role or change its permissions."""
    if role.builtin:
        raise DomainError("Built-in roles cannot be changed; make a custom role instead.")
    company = db.session.get(Company, role.company_id)
    role.name = _check_name(company, name, role)
    perms = _check_permissions(actor, permissions)
    if actor.acts_as_customer:
        removed = [p for p in role.permissions if not actor.can(p)]
        if removed:
            raise NotPermitted("This role holds permissions you do not hold; only someone who does can change it.")
    role.grants = [RolePermission(permission=p.value) for p in perms]
    record(actor, "role.updated", company_id=role.company_id, target=role, permissions=[p.value for p in perms])


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="role")
def delete_role(role: Role, *, actor: Actor) -> None:
    """Delete a custom role nobody holds and no pending invitation names."""
    if role.builtin:
        raise DomainError("Built-in roles cannot be deleted.")
    holders = db.session.scalar(select(func.count()).select_from(user_roles).where(user_roles.c.role_id == role.id))
    if holders:
        raise DomainError(f"{holders} user(s) still hold the role {role.name}; take it away from them first.")
    invited = db.session.scalar(select(func.count(Invitation.id)).where(
        Invitation.role_id == role.id, Invitation.state == InvitationState.PENDING.value))
    if invited:
        raise DomainError(f"{invited} pending invitation(s) offer the role {role.name}; "
                          "withdraw them first, or delete the role once they are accepted.")
    record(actor, "role.deleted", company_id=role.company_id, target=role)
    db.session.delete(role)
