"""Back office accounts: create, change, (de)activate, and the mailed link to set a password.

Setup → Staff in the back office and ``flask create-staff`` call the same
operations. A new account without a password gets a link by mail to choose
one. Atrium always keeps an active administrator, and nobody locks themselves
out (their own administrator role or account).
"""
from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models.actors import Actor
from models.audit import record
from models.auth import hash_password, issue_password_link
from models.base import DomainError
from models.members import check_email
from models.operations import operation
from models.passwords import check_new_password
from models.permissions import STAFF_ROLES, StaffPerm, StaffRole
from models.staff import StaffUser, StaffUserRole


def _clean(name: str, phone: str, photo: str, roles) -> dict:
    name, phone, photo = (name or "").strip(), (phone or "").strip(), (photo or "").strip()
    if not name or len(name) > 120:
        raise DomainError("Give the staff member a name of at most 120 characters.", "name")
    if len(phone) > 40:
        raise DomainError("A phone number has at most 40 characters.", "phone")
    if len(photo) > 255:
        raise DomainError("The photo address has at most 255 characters.", "photo")
    known = {role.value for role in StaffRole}
    unknown = [role for role in roles or [] if role not in known]
    if unknown:
        raise DomainError(f"“{unknown[0]}” is not a staff role.", "roles")
    if not roles:
        raise DomainError("Give the staff member at least one role.", "roles")
    return {"name": name, "phone": phone, "photo": photo, "roles": sorted(set(roles))}


def _active_administrators(excluding: StaffUser) -> int:
    return db.session.scalar(
        select(func.count(StaffUser.id)).join(StaffUserRole)
        .where(StaffUser.active.is_(True), StaffUser.id != excluding.id,
               StaffUserRole.role == StaffRole.ADMINISTRATOR.value)
    )


def _keeps_an_administrator(staff: StaffUser, roles, active: bool) -> None:
    """Atrium keeps at least one active administrator, whatever changes."""
    losing = StaffRole.ADMINISTRATOR in staff.roles and staff.active and (
        not active or StaffRole.ADMINISTRATOR.value not in roles)
    if losing and _active_administrators(excluding=staff) == 0:
        raise DomainError(f"{staff.name} is the only active administrator; make someone else one first.")


@operation(staff=StaffPerm.MANAGE_STAFF)
def create_staff(*, actor: Actor, email: str, name: str, roles, phone: str = "", photo: str = "",
                 password: str | None = None) -> StaffUser:
    """A back office account; without a password its owner gets a link by mail to choose one."""
    email = check_email(email)
    if db.session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise DomainError(f"A back office account for {email} already exists.", "email")
    values = _clean(name, phone, photo, roles)
    staff = StaffUser(email=email, name=values["name"], phone=values["phone"], photo=values["photo"])
    staff.roles = values["roles"]
    if password:
        check_new_password(password, about=(email, values["name"]))
        staff.password_hash = hash_password(password)
    db.session.add(staff)
    db.session.flush()
    if not password:
        issue_password_link(staff, template="staff_welcome", subject="Your Atrium back office account",
                            hours=48)
    record(actor, "staff.created", target=staff, roles=values["roles"])
    return staff


@operation(staff=StaffPerm.MANAGE_STAFF)
def update_staff(staff: StaffUser, *, actor: Actor, name: str, roles, phone: str = "", photo: str = "") -> None:
    """Change a staff member's name, contact details (for the representative block) and roles."""
    values = _clean(name, phone, photo, roles)
    if actor.id == staff.id and actor.acts_as_staff and StaffRole.ADMINISTRATOR in staff.roles \
            and StaffRole.ADMINISTRATOR.value not in values["roles"]:
        raise DomainError("You cannot take away your own administrator role.", "roles")
    _keeps_an_administrator(staff, values["roles"], staff.active)
    before = [role.value for role in staff.roles]
    changed = [field for field in ("name", "phone", "photo") if getattr(staff, field) != values[field]]
    for field in changed:
        setattr(staff, field, values[field])
    if before != values["roles"]:
        staff.roles = values["roles"]
        changed.append("roles")
    if changed:
        record(actor, "staff.updated", target=staff, changed=sorted(changed),
               roles=[STAFF_ROLES[StaffRole(role)][0] for role in values["roles"]])


@operation(staff=StaffPerm.MANAGE_STAFF)
def set_staff_active(staff: StaffUser, active: bool, *, actor: Actor) -> None:
    """Activate or deactivate a back office account; deactivation ends its sessions."""
    if staff.active == active:
        return
    if not active and actor.acts_as_staff and actor.id == staff.id:
        raise DomainError("You cannot deactivate your own account.")
    _keeps_an_administrator(staff, [role.value for role in staff.roles], active)
    staff.active = active
    if not active:
        staff.end_sessions()
    record(actor, "staff.activated" if active else "staff.deactivated", target=staff)


@operation(staff=StaffPerm.MANAGE_STAFF)
def send_staff_password_link(staff: StaffUser, *, actor: Actor) -> None:
    """Mail the staff member a link to choose a new password (their old one keeps working until then)."""
    if not staff.active:
        raise DomainError(f"{staff.name}'s account is deactivated; activate it first.")
    issue_password_link(staff, template="staff_password", subject="Set your Atrium back office password")
    record(actor, "staff.password_link_sent", target=staff)
