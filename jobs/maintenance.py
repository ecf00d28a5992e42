"""House-keeping jobs run on a schedule."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from extensions import db
from jobs.queue import with_app_context
from models.auth import LoginFailure, PasswordResetToken
from models.base import utcnow


@with_app_context
def purge_expired_security_rows() -> None:
    """Drop failed sign-ins older than a day and reset links expired a week ago."""
    now = utcnow()
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(days=1)))
    db.session.execute(
        delete(PasswordResetToken).where(PasswordResetToken.expires_at < now - timedelta(days=7))
    )
    db.session.commit()
