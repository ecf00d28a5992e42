"""Invitations: one address at a time or a whole uploaded list.

A link is single-use and expires. Only a hash of its token is stored; resending
issues a new token. One pending invitation per e-mail and company is a database
constraint.
"""
from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ForeignKey, Index, String, select, text, update
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from extensions import db
from models.actors import SYSTEM, Actor
from models.audit import record, record_many
from models.auth import hash_password
from models.base import DomainError, UTCDateTime, enum_check, utcnow
from models.companies import Company
from models.mail import Mail, queue_mail, queue_mails
from models.members import check_email, email_owner, resolve_roles
from models.operations import operation, part_of_operation
from models.passwords import check_new_password
from models.permissions import Perm, StaffPerm
from models.scoping import CompanyOwned
from models.shops import add_shop_assignment
from models.uploads import upload_text
from models.users import CompanyUser, Role

MAX_LIST_LINES = 1000


class InvitationState(str, enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"


class Invitation(CompanyOwned, db.Model):
    __tablename__ = "invitations"
    __table_args__ = (
        enum_check("state", InvitationState, "state"),
        Index("ix_invitations_company_state_created", "company_id", "state", "created_at"),  # invitation lists
        Index(
            "uq_invitation_pending_email",
            "company_id",
            "email",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id", ondelete="SET NULL"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, insert_sentinel=True)
    state: Mapped[str] = mapped_column(String(16), default=InvitationState.PENDING.value)
    invited_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("company_users.id", ondelete="SET NULL"))

    company: Mapped[Company] = relationship()
    role: Mapped[Role | None] = relationship()

    @property
    def role_name(self) -> str:
        """The offered role; if it was deleted meanwhile, the invitee joins as a Buyer."""
        return self.role.name if self.role is not None else "Buyer"

    @property
    def expired(self) -> bool:
        return self.expires_at <= utcnow()

    @property
    def status(self) -> str:
        if self.state == InvitationState.PENDING.value and self.expired:
            return "expired"
        return self.state

    def __str__(self) -> str:
        return f"Invitation for {self.email}"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.expires_at = utcnow() + timedelta(days=current_app.config.get("INVITATION_DAYS", 7))
    return token


def _send(invitation: Invitation, token: str) -> None:
    queue_mail(
        invitation.email,
        "invitation",
        subject=f"You are invited to {invitation.company.name} on Atrium",
        invitation=invitation,
        token=token,
    )


def pending_invitation(company_id: int, email: str) -> Invitation | None:
    return db.session.scalar(
        select(Invitation).where(
            Invitation.company_id == company_id,
            Invitation.email == email,
            Invitation.state == InvitationState.PENDING.value,
        )
    )


def pending_invitations(company_id: int):
    """The company's pending invitations, newest first (with their role)."""
    return select(Invitation).where(
        Invitation.company_id == company_id, Invitation.state == InvitationState.PENDING.value,
    ).options(joinedload(Invitation.role)).order_by(Invitation.created_at.desc(), Invitation.id.desc())


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="company")
def invite(company: Company, email: str, role: Role, *, actor: Actor) -> Invitation:
    """Invite one address to ``company`` with ``role``; refuses members and duplicates."""
    resolve_roles(actor, company, [role])
    return issue_invitation(company, email, role, actor=actor)


@part_of_operation
def issue_invitation(company: Company, email: str, role: Role, *, actor: Actor) -> Invitation:
    """Invite one address for an operation that has checked its own rule (accepting an application)."""
    email = check_email(email)
    existing = pending_invitation(company.id, email)
    refusal = _refusal(company, email, owner=email_owner(email), existing=existing, actor=actor)
    if refusal is not None:
        raise refusal
    [invitation] = _issue(company, role, [email], actor=actor, expired=[existing] if existing else [])
    return invitation


def _refusal(company: Company, email: str, *, owner, existing, actor: Actor) -> DomainError | None:
    """Why a checked address cannot be invited, given its account and pending invitation, if any.

    A company hears only about its own members: an address with an account
    elsewhere is invited like any other (its owner learns from the link that
    it cannot join), so an admin cannot probe who works where. Staff see all.
    """
    if owner is not None and owner.company_id == company.id:
        return DomainError(f"{email} is already a member of {company.name}.", "already a member")
    if owner is not None and (actor.acts_as_staff or actor.is_system):
        return DomainError(f"{email} is already a member of another company.", "already a member")
    if existing is not None and not existing.expired:
        return DomainError(f"{email} is already invited.", "already invited")
    return None


def _issue(company: Company, role: Role, emails: list[str], *, actor: Actor, expired: list[Invitation]
           ) -> list[Invitation]:
    """Invite free addresses all at once: rows, mails and audit entries in a few statements, not a few per address.

    Expired invitations of the same addresses give way to the new ones.
    """
    for old in expired:
        old.state = InvitationState.REVOKED.value
    if expired:
        db.session.flush()  # before the new rows: one pending invitation per address and company
    invitations, tokens = [], []
    for email in emails:
        invitation = Invitation(company=company, email=email, role=role, invited_by=actor.label)
        tokens.append(_new_token(invitation))
        invitations.append(invitation)
    db.session.add_all(invitations)
    db.session.flush()
    subject = f"You are invited to {company.name} on Atrium"
    queue_mails([Mail(i.email, "invitation", subject, {"invitation": i, "token": t})
                 for i, t in zip(invitations, tokens)])
    record_many(actor, "invitation.sent", company_id=company.id, targets=invitations, role=role.name)
    return invitations


@dataclass
class ListLine:
    number: int
    text: str
    outcome: str  # invited, already a member, already invited, invalid address, duplicate in list
    message: str = ""


LIST_MAX_BYTES = 1024 * 1024
LIST_SUFFIXES = (".csv", ".txt")


def read_address_list(data: bytes, filename: str | None = None) -> list[tuple[int, str]]:
    """``(line number, address)`` for each cell of an uploaded CSV/TXT list (UTF-8, one or more per line).

    Read at most ``LIST_MAX_BYTES + 1`` bytes of the upload: a longer file is refused.
    """
    if filename is not None and not filename.lower().endswith(LIST_SUFFIXES):
        raise DomainError("Upload a .csv or .txt file.")
    content = upload_text(
        data, LIST_MAX_BYTES, too_large="The file is larger than 1 MB; split it into smaller files.",
        not_utf8="The file is not UTF-8 text. Save it as UTF-8 (CSV or TXT) and upload it again.",
        not_text="The file is not a text file. Upload a CSV or TXT list of e-mail addresses.")
    entries = []
    for number, line in enumerate(content.splitlines(), start=1):
        for cell in line.replace(";", ",").split(","):
            entries.append((number, cell.strip().strip('"')))
    if len([text for _, text in entries if text]) > MAX_LIST_LINES:
        raise DomainError(f"The list has more than {MAX_LIST_LINES} addresses; split it into smaller files.")
    return entries


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="company")
def invite_many(company: Company, entries: list[tuple[int, str]], role: Role, *, actor: Actor) -> list[ListLine]:
    """Invite each ``(line number, address)``; every line reports its outcome and valid lines go through.

    Accounts and pending invitations of the whole list are read in two queries, not one per line.
    """
    resolve_roles(actor, company, [role])
    checked = []
    for number, entry in entries:
        if not entry:
            continue
        try:
            checked.append((number, entry, check_email(entry), None))
        except DomainError as error:
            checked.append((number, entry, None, error))
    emails = {email for _, _, email, _ in checked if email}
    owners = {u.email: u for u in db.session.scalars(
        select(CompanyUser).where(CompanyUser.email.in_(emails)).execution_options(unscoped=True))}
    pending = {i.email: i for i in db.session.scalars(select(Invitation).where(
        Invitation.company_id == company.id, Invitation.email.in_(emails),
        Invitation.state == InvitationState.PENDING.value))}
    results, seen, invited, expired = [], set(), [], []
    for number, entry, email, refusal in checked:
        key = email or entry.lower()
        if key in seen:
            results.append(ListLine(number, entry, "duplicate in list", "This address is already on an earlier line."))
            continue
        seen.add(key)
        refusal = refusal or _refusal(company, email, owner=owners.get(email), existing=pending.get(email),
                                      actor=actor)
        if refusal is not None:
            outcome = refusal.field if refusal.field in {"already a member", "already invited"} else "invalid address"
            results.append(ListLine(number, entry, outcome, refusal.message))
            continue
        invited.append(email)
        expired += [pending[email]] if email in pending else []
        results.append(ListLine(number, entry, "invited"))
    if invited:
        _issue(company, role, invited, actor=actor, expired=expired)
    return results


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="invitation")
def resend_invitation(invitation: Invitation, *, actor: Actor) -> None:
    """A new link (the old one stops working) and a fresh expiry."""
    if invitation.state != InvitationState.PENDING.value:
        raise DomainError(f"This invitation is {invitation.state}; only pending invitations can be resent.")
    token = _new_token(invitation)
    _send(invitation, token)
    record(actor, "invitation.resent", company_id=invitation.company_id, target=invitation)


@operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="invitation")
def revoke_invitation(invitation: Invitation, *, actor: Actor) -> None:
    """Withdraw a pending invitation: its link stops working."""
    if invitation.state != InvitationState.PENDING.value:
        raise DomainError(f"This invitation is already {invitation.state}.")
    invitation.state = InvitationState.REVOKED.value
    record(actor, "invitation.revoked", company_id=invitation.company_id, target=invitation)


def find_invitation(token: str) -> Invitation:
    """The usable invitation for a link, or a ``DomainError`` saying why not."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _token_hash(token)).execution_options(unscoped=True)
    )
    if invitation is None:
        raise DomainError("This invitation link is not valid. It may have been replaced by a newer one.")
    if invitation.state == InvitationState.ACCEPTED.value:
        raise DomainError("This invitation has already been used. Sign in instead.")
    if invitation.state == InvitationState.REVOKED.value:
        raise DomainError("This invitation was withdrawn. Ask your company's account admin for a new one.")
    if invitation.expired:
        raise DomainError("This invitation has expired. Ask your company's account admin to send it again.")
    if not invitation.company.is_active:
        raise DomainError(f"{invitation.company.name} is not active in Atrium.")
    if email_owner(invitation.email) is not None:
        raise DomainError(f"{invitation.email} already has an Atrium account, and an address belongs to one "
                          "company only. Sign in with it, or ask whoever invited you to use another address.")
    return invitation


@operation(public=True)
def accept_invitation(token: str, *, first_name: str, last_name: str, password: str, confirm: str) -> CompanyUser:
    """Create the invitee's account with the invited role; the link cannot be used again."""
    invitation = find_invitation(token)
    if not (first_name or "").strip() or not (last_name or "").strip():
        raise DomainError("First and last name are both required.")
    check_new_password(password, confirm, about=(invitation.email, first_name, last_name))
    taken = db.session.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.state == InvitationState.PENDING.value)
        .values(state=InvitationState.ACCEPTED.value, accepted_at=utcnow())
        .execution_options(synchronize_session=False, unscoped=True)
    )
    if taken.rowcount != 1:  # accepted a moment ago, in another tab or by a double click
        raise DomainError("This invitation has already been used. Sign in instead.")
    db.session.refresh(invitation)
    user = CompanyUser(
        email=invitation.email, first_name=first_name.strip(), last_name=last_name.strip(),
        company=invitation.company, password_hash=hash_password(password),
        roles=resolve_roles(SYSTEM, invitation.company, [invitation.role] if invitation.role else []),
    )
    db.session.add(user)
    db.session.flush()
    actor = Actor.for_company_user(user)
    add_shop_assignment(user, invitation.company.shop, actor=actor)
    invitation.user_id = user.id
    record(actor, "invitation.accepted", company_id=invitation.company_id, target=user, role=invitation.role_name)
    return user
