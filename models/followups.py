"""Follow-up jobs: work an operation asks for, recorded in its own transaction.

``request_job(queue, job, *args)`` writes a ``FollowUp`` row beside the change
that needs it; if the transaction rolls back, the request is gone with it. Once
the transaction commits, the ids wait in the session (``take_committed``) for
``jobs.queue`` to put on RQ; if Redis is down at that moment nothing is lost:
the row stays pending and the periodic sweep (``jobs.runner.sweep_follow_ups``)
puts it on the queue again. The job runs at most once to completion
(``jobs.runner.run_follow_up`` locks the row and marks it done).

Arguments are ids and plain values, never ORM objects; the job reloads rows.
This module knows jobs only by their dotted name, so ``models/`` never imports
``jobs/``.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from extensions import db
from models.base import UTCDateTime, enum_check, utcnow

PENDING_KEY = "follow_ups_pending"
COMMITTED_KEY = "follow_ups_committed"


class FollowUpState(str, enum.Enum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class FollowUp(db.Model):
    __tablename__ = "follow_ups"
    __table_args__ = (
        enum_check("state", FollowUpState, "state"),
        Index("ix_follow_ups_state_created", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    queue: Mapped[str] = mapped_column(String(20))
    job: Mapped[str] = mapped_column(String(120))  # dotted name of a function marked @job in jobs/
    args: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(12), default=FollowUpState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __str__(self) -> str:
        return f"{self.job}{tuple(self.args)}"


def request_job(queue: str, job: str, *args) -> FollowUp:
    """Ask for ``job(*args)`` on ``queue`` once the current transaction commits."""
    follow_up = FollowUp(queue=queue, job=job, args=list(args))
    db.session.add(follow_up)
    db.session.flush()
    db.session.info.setdefault(PENDING_KEY, []).append((follow_up.id, queue))
    return follow_up


def take_committed(session) -> list[tuple[int, str]]:
    """The (id, queue) of follow-ups whose transactions have committed and that are not dispatched yet."""
    ready = session.info.get(COMMITTED_KEY) or []
    session.info[COMMITTED_KEY] = []
    return ready


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    pending = session.info.pop(PENDING_KEY, [])
    if pending:
        session.info.setdefault(COMMITTED_KEY, []).extend(pending)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session) -> None:
    session.info.pop(PENDING_KEY, None)
