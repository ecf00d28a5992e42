"""Running follow-up jobs (``models.followups``): once to completion, retried, swept when left behind.

A follow-up names a job function by its dotted path; only functions marked
``@job`` run, so a row cannot make a worker call anything else. The job's work
and the row's "done" commit together, so a job either happened (and is done)
or did not (and is still pending). A job that must commit item by item (mail
delivery over SMTP) is idempotent per item instead.
"""
from __future__ import annotations

import importlib
from datetime import timedelta

from sqlalchemy import select

from extensions import db
from jobs.queue import send_follow_up, with_app_context
from models.base import utcnow
from models.followups import FollowUp, FollowUpState

MAX_ATTEMPTS = 8


def job(func):
    """Mark a function as one a follow-up may run."""
    func.is_follow_up_job = True
    return func


def resolve(path: str):
    """The ``@job`` function at ``path``; anything else is refused."""
    module_name, _, name = path.rpartition(".")
    if not module_name.startswith("jobs."):
        raise LookupError(f"{path} is not a job of Atrium")
    func = getattr(importlib.import_module(module_name), name, None)
    if func is None or not getattr(func, "is_follow_up_job", False):
        raise LookupError(f"{path} is not a job of Atrium")
    return func


@with_app_context
def run_follow_up(follow_up_id: int) -> str:
    """Run one follow-up if it is still pending and no other worker has it."""
    follow_up = db.session.scalar(
        select(FollowUp).where(FollowUp.id == follow_up_id, FollowUp.state == FollowUpState.PENDING.value)
        .with_for_update(skip_locked=True)
    )
    if follow_up is None:
        db.session.rollback()
        return "skipped"
    try:
        resolve(follow_up.job)(*follow_up.args)
    except Exception as error:
        db.session.rollback()
        _record_failure(follow_up_id, error)
        raise
    follow_up = db.session.get(FollowUp, follow_up_id)  # the job may have committed (mail does, per message)
    follow_up.state, follow_up.finished_at = FollowUpState.DONE.value, utcnow()
    follow_up.attempts += 1
    db.session.commit()
    return "done"


def _record_failure(follow_up_id: int, error: Exception) -> None:
    follow_up = db.session.get(FollowUp, follow_up_id)
    follow_up.attempts += 1
    follow_up.last_error = f"{type(error).__name__}: {error}"[:2000]
    if follow_up.attempts >= MAX_ATTEMPTS:
        follow_up.state = FollowUpState.FAILED.value
    db.session.commit()


@with_app_context
def sweep_follow_ups(older_than_minutes: int = 2) -> int:
    """Queue again what is still pending after a while (Redis was down at commit, or a worker died)."""
    cutoff = utcnow() - timedelta(minutes=older_than_minutes)
    rows = db.session.execute(
        select(FollowUp.id, FollowUp.queue)
        .where(FollowUp.state == FollowUpState.PENDING.value, FollowUp.created_at <= cutoff)
        .order_by(FollowUp.id)
    ).all()
    db.session.rollback()
    return sum(send_follow_up(follow_up_id, queue) for follow_up_id, queue in rows)
