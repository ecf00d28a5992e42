"""House-keeping jobs run on a schedule."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from extensions import db
from jobs.queue import with_app_context
from models.auth import PasswordResetToken
from models.base import utcnow
from models.throttle import purge


@with_app_context
def purge_expired_security_rows() -> None:
    """Drop attempt counters older than a day and reset links expired a week ago."""
    now = utcnow()
    purge(older_than=timedelta(days=1))
    db.session.execute(
        delete(PasswordResetToken).where(PasswordResetToken.expires_at < now - timedelta(days=7))
    )
    db.session.commit()
