"""Counting attempts atomically: at most N of something per key and time window.

``take(key, limit=, window=)`` takes one of the key's slots in one conditional
UPDATE (``... WHERE count < limit``), so concurrent attempts can never take more
than ``limit``: on PostgreSQL the row lock makes the others wait and re-check,
on SQLite the write lock does. Sign-in takes a slot per account and per
address before it checks a password; password reset mail takes one per account.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, String, case, delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import UTCDateTime, utcnow


class Throttle(db.Model):
    __tablename__ = "throttles"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # e.g. "sign-in:ben@acme.example"
    count: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def _insert():
    return (postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite).insert(Throttle)


def take(key: str, *, limit: int, window: timedelta) -> bool:
    """Take one of ``limit`` slots of ``key`` in the current window; False, changing nothing, if none is left."""
    now = utcnow()
    expired = Throttle.window_start <= now - window
    db.session.execute(_insert().values(key=key, count=0, window_start=now).on_conflict_do_nothing(
        index_elements=["key"]))
    taken = db.session.execute(
        update(Throttle)
        .where(Throttle.key == key, or_(expired, Throttle.count < limit))
        .values(count=case((expired, 1), else_=Throttle.count + 1),
                window_start=case((expired, now), else_=Throttle.window_start))
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def give_back(key: str) -> None:
    """Return a slot taken for an attempt that turned out not to count (a sign-in that succeeded)."""
    db.session.execute(update(Throttle).where(Throttle.key == key, Throttle.count > 0)
                       .values(count=Throttle.count - 1).execution_options(synchronize_session=False))


def clear(key: str) -> None:
    """Start the key afresh (a successful sign-in clears the account's failures)."""
    db.session.execute(delete(Throttle).where(Throttle.key == key).execution_options(synchronize_session=False))


def purge(older_than: timedelta) -> int:
    """Drop counters whose window ended long ago (a nightly job)."""
    return db.session.execute(delete(Throttle).where(Throttle.window_start < utcnow() - older_than)).rowcount
