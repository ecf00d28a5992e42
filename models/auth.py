"""Signing in, throttling failed attempts, password rules and password reset.

One set of operations for both doors: the portal signs in company users, the
back office signs in staff. Each returns the account or raises ``DomainError``
with the message to show.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import CheckConstraint, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from extensions import db
from models.actors import Actor, ActorKind
from models.audit import record
from models.base import DomainError, NotPermitted, UTCDateTime, utcnow
from models.followups import request_job
from models.mail import queue_mail
from models.operations import operation
from models.passwords import check_new_password
from models.staff import StaffUser
from models.throttle import clear, give_back, take
from models.users import CompanyUser

BAD_CREDENTIALS = "No account matches that e-mail and password."
USED_LINK = ("This password reset link has already been used, or a newer one was sent since. "
             "Use the newest link, or ask for a new one.")


class PasswordResetToken(db.Model):
    """A single-use, expiring link to set a password, of a company user or a staff member. Only its hash is stored."""

    __tablename__ = "password_reset_tokens"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (staff_user_id IS NULL)", name="one_account"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("company_users.id", ondelete="CASCADE"), index=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[CompanyUser | None] = relationship()
    staff_user: Mapped[StaffUser | None] = relationship()

    @property
    def account(self) -> CompanyUser | StaffUser:
        return self.user if self.user is not None else self.staff_user


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    """Hash with the configured method (scrypt unless configured otherwise)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def about(account) -> tuple[str, ...]:
    """What a password of ``account`` must not be built on (``models.passwords``)."""
    if isinstance(account, StaffUser):
        return (account.email, account.name)
    return (account.email, account.first_name, account.last_name)


def set_password(user, password: str) -> None:
    """Set a new password and end every other session of the account."""
    check_new_password(password, about=about(user))
    user.password_hash = hash_password(password)
    user.end_sessions()


class Throttled(DomainError):
    """Too many failed sign-ins: refused before any password is checked (nothing to keep)."""


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])


def _take_attempt(email: str, ip: str) -> None:
    """Take a sign-in slot of the address and one of the account, or refuse without checking a password.

    The slots are committed at once: the counters' row locks (the database's write lock on SQLite) then
    last milliseconds, not the whole password check, so sign-ins from one address (an office behind one
    gateway) are checked side by side while no more guesses than the limit are ever checked."""
    config = current_app.config
    if not take(f"sign-in-ip:{ip}", limit=config["LOGIN_MAX_FAILURES_PER_IP"], window=_window()):
        raise Throttled("Too many failed sign-ins from your network. Try again later.")
    if not take(f"sign-in:{email}", limit=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], window=_window()):
        minutes = config["LOGIN_FAILURE_WINDOW_MINUTES"]
        raise Throttled(f"Too many failed sign-ins for this account. Wait {minutes} minutes or reset your password.")
    db.session.commit()


@operation(public=True)
def authenticate(model, email: str, password: str, ip: str):
    """Check credentials of a ``CompanyUser`` or ``StaffUser``; return the account.

    Each attempt first takes a slot per address and per account (``models.throttle``),
    atomically, so concurrent guesses cannot check more passwords than the limit. The
    slots are committed before the password is checked, with no transaction open during
    the check: a wrong password keeps its slots; a right one gives them back.
    """
    email = normalize_email(email)
    if not email or not password:
        raise DomainError("Enter your e-mail address and password.")
    user = db.session.scalar(
        select(model).where(model.email == email).execution_options(unscoped=True)
    )
    known_hash = user.password_hash if user is not None else None
    _take_attempt(email, ip)
    if not password_matches(known_hash, password):
        raise DomainError(BAD_CREDENTIALS)
    clear(f"sign-in:{email}")
    give_back(f"sign-in-ip:{ip}")
    if not user.active:
        raise DomainError(_inactive_message(user))
    if isinstance(user, CompanyUser):
        _check_company_access(user)
    user.last_login_at = utcnow()
    return user


def password_matches(known_hash: str | None, password: str) -> bool:
    """Check the password against the account's hash; for an unknown e-mail (no hash) spend the same time
    on a stand-in hash, so that the answer's timing does not tell which addresses have accounts."""
    if not known_hash:
        check_password_hash(_stand_in_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return False
    return check_password_hash(known_hash, password)


@functools.cache
def _stand_in_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def _inactive_message(user) -> str:
    if isinstance(user, StaffUser):
        return "This back office account is deactivated."
    return "This account is deactivated. Ask your company's account admin to reactivate it."


def _check_company_access(user: CompanyUser) -> None:
    """A company user signs in once their address is confirmed, while the company is active and a shop enabled."""
    if user.confirmation_pending:
        raise DomainError(f"Confirm your e-mail address first: open the link we sent to {user.email}. No e-mail? "
                          "Ask for a password reset: its link confirms the address too.")
    if not user.company.is_active:
        raise DomainError(
            f"{user.company.name} is not active in Atrium, so its users cannot sign in."
        )
    if user.shop_assignments and not any(a.enabled for a in user.shop_assignments):
        raise DomainError(
            "Your account is waiting for approval or has been disabled for this shop. "
            "You will receive an e-mail when it is enabled."
        )


def account_is_usable(user) -> bool:
    """Whether a loaded session may go on for ``user`` (used on every request)."""
    if not user.active:
        return False
    if isinstance(user, CompanyUser):
        try:
            _check_company_access(user)
        except DomainError:
            return False
    return True


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@operation(public=True)
def request_password_reset(email: str, ip: str, model=CompanyUser) -> None:
    """Ask for a reset link for ``email`` (a ``CompanyUser`` or ``StaffUser`` address).

    The request does the same work for every address, known or not: it counts
    the asker's network address and records one job (``send_reset_link``), so
    neither the answer nor its timing tells whether the address has an account.
    """
    config = current_app.config
    if not take(f"reset-ip:{ip}", limit=config["RESET_REQUESTS_PER_IP_PER_HOUR"], window=timedelta(hours=1)):
        raise Throttled("Too many password reset requests from your network. Try again in an hour.")
    kind = "staff" if model is StaffUser else "company"
    request_job("emails", "jobs.accounts.send_reset_link", normalize_email(email)[:254], kind)


@operation(public=True)
def send_reset_link(email: str, model=CompanyUser) -> bool:
    """Mail a reset link if ``email`` belongs to an active account, at most ``RESET_MAILS_PER_HOUR`` an hour."""
    account = db.session.scalar(
        select(model).where(model.email == normalize_email(email)).execution_options(unscoped=True)
    )
    if account is None or not account.active:
        return False
    if not take(f"reset-mail:{account.email}", limit=current_app.config["RESET_MAILS_PER_HOUR"],
                window=timedelta(hours=1)):
        return False
    if model is StaffUser:
        issue_password_link(account, template="staff_password", subject="Reset your Atrium back office password")
    else:
        issue_password_link(account)
    return True


def _end_links(account) -> None:
    """Every unused link of ``account`` stops working (a newer one was issued, or one was used)."""
    column = PasswordResetToken.staff_user_id if isinstance(account, StaffUser) else PasswordResetToken.user_id
    db.session.execute(
        update(PasswordResetToken).where(column == account.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)
    )


def issue_password_link(
    account: CompanyUser | StaffUser,
    *,
    template: str = "password_reset",
    subject: str = "Reset your Atrium password",
    hours: int | None = None,
) -> None:
    """Mail ``account`` a single-use, expiring link to set a password; its older links stop working."""
    _end_links(account)
    token = secrets.token_urlsafe(32)
    hours = hours or current_app.config["PASSWORD_RESET_HOURS"]
    owner = {"staff_user": account} if isinstance(account, StaffUser) else {"user": account}
    db.session.add(PasswordResetToken(token_hash=_token_hash(token), expires_at=utcnow() + timedelta(hours=hours),
                                      **owner))
    db.session.flush()
    queue_mail(account.email, template, subject=subject, user=account, token=token, hours=hours)


def find_reset_token(token: str, model=CompanyUser) -> PasswordResetToken:
    """The usable link of an account of ``model`` for ``token``, or a ``DomainError`` saying why not."""
    row = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(token))
    )
    if row is None or not isinstance(row.account, model):
        raise DomainError("This password reset link is not valid. Ask for a new one.")
    if row.used_at is not None:
        raise DomainError(USED_LINK)
    if row.expires_at <= utcnow():
        raise DomainError("This password reset link has expired. Ask for a new one.")
    if not row.account.active:
        raise DomainError(_inactive_message(row.account))
    return row


@operation(public=True)
def reset_password(token: str, password: str, confirm: str, model=CompanyUser) -> CompanyUser | StaffUser:
    """Set a new password through a link; the link cannot be used again."""
    row = find_reset_token(token, model)
    check_new_password(password, confirm, about=about(row.account))
    taken = db.session.execute(
        update(PasswordResetToken).where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # used a moment ago, or a newer link was issued meanwhile
        raise DomainError(USED_LINK)
    account = row.account
    set_password(account, password)
    if isinstance(account, CompanyUser):
        account.confirmation_pending = False  # the link reached the address: it is the owner's
    _end_links(account)  # this one and any other still out there
    clear(f"sign-in:{account.email}")  # a new password ends the lock-out of the old one
    return account


@operation(public=True)
def change_own_password(account: CompanyUser | StaffUser, *, actor: Actor, current: str, password: str,
                        confirm: str) -> None:
    """A signed-in person changes their own password: the current one first; every session of the account ends.

    Only the account's owner may (not an agent acting for a customer, not
    staff for someone else), so the rule is checked here rather than by role.
    The caller signs the current session in again.
    """
    if actor.on_behalf_of is not None or actor.id != account.id or \
            actor.kind is not (ActorKind.STAFF if isinstance(account, StaffUser) else ActorKind.COMPANY):
        raise NotPermitted("Only the account's owner can change its password.")
    if not take(f"password-change:{actor.kind.value}:{account.id}",
                limit=current_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], window=_window()):
        raise Throttled("Too many wrong current passwords. Wait a while, or sign out and reset your password.")
    if not account.check_password(current or ""):
        raise DomainError("That is not your current password.", "current_password")  # the caller keeps the count
    clear(f"password-change:{actor.kind.value}:{account.id}")
    check_new_password(password, confirm, about=about(account))
    if account.check_password(password):
        raise DomainError("Choose a password different from your current one.", "password")
    set_password(account, password)
    _end_links(account)
    record(actor, "account.password_changed", company_id=getattr(account, "company_id", None), target=account)
    queue_mail(account.email, "password_changed", subject="Your Atrium password was changed", user=account)
