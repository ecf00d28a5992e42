"""The job queues.

With REDIS_URL set, jobs go to Redis and ``rq worker --with-scheduler emails default
periodic`` runs them (the scheduler runs the delayed retries). Without it (the
embedded default), the same jobs run in process through RQ's synchronous mode on
a fake Redis, right after the request or command that queued them.

Jobs are queued *after the commit* of the transaction that caused them, with ids
as arguments: ``enqueue_after_commit`` records the job on the session, the
session's commit hands it over, a rollback drops it.
"""
from __future__ import annotations

import functools
import logging

from flask import current_app, has_app_context
from rq import Queue, Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

QUEUE_NAMES = ("emails", "default", "periodic")
PENDING_KEY = "jobs_pending"
READY_KEY = "jobs_ready"
DEFAULT_RETRY = {"max": 3, "interval": [10, 60, 300]}

log = logging.getLogger(__name__)


def init_app(app) -> None:
    """Connect the queues: Redis when REDIS_URL is set, else in process."""
    url = app.config.get("REDIS_URL")
    if url:
        from redis import Redis

        connection, is_async = Redis.from_url(url), True
    else:
        from fakeredis import FakeRedis

        connection, is_async = FakeRedis(), False
    app.extensions["atrium_queues"] = {
        name: Queue(name, connection=connection, is_async=is_async) for name in QUEUE_NAMES
    }


def get_queue(name: str) -> Queue:
    return current_app.extensions["atrium_queues"][name]


def is_in_process() -> bool:
    return not get_queue("default").is_async


def enqueue(queue_name: str, func_path: str, *args, retry: dict | None = None):
    """Put a job on a queue now (use ``enqueue_after_commit`` inside a transaction)."""
    retry = retry or DEFAULT_RETRY
    return get_queue(queue_name).enqueue(
        func_path, *args, retry=Retry(max=retry["max"], interval=retry["interval"])
    )


def enqueue_after_commit(queue_name: str, func_path: str, *args) -> None:
    """Queue a job once the current transaction of ``db.session`` commits."""
    from extensions import db

    db.session.info.setdefault(PENDING_KEY, []).append((queue_name, func_path, args))


def dispatch_ready(session=None) -> int:
    """Enqueue the jobs whose transactions have committed; returns how many."""
    from extensions import db

    session = session or db.session
    count = 0
    # Jobs run in process may commit and queue further jobs: loop until none are left.
    while session.info.get(READY_KEY):
        ready, session.info[READY_KEY] = session.info[READY_KEY], []
        for queue_name, func_path, args in ready:
            try:
                enqueue(queue_name, func_path, *args)
            except Exception:  # the periodic re-send picks up anything left behind
                log.exception("could not enqueue %s%r", func_path, args)
            count += 1
    return count


@event.listens_for(Session, "after_commit")
def _hand_over_on_commit(session) -> None:
    pending = session.info.pop(PENDING_KEY, [])
    if not pending:
        return
    session.info.setdefault(READY_KEY, []).extend(pending)
    # Redis can take the jobs at once; in-process jobs wait until the session is free.
    if has_app_context() and not is_in_process():
        ready, session.info[READY_KEY] = session.info[READY_KEY], []
        for queue_name, func_path, args in ready:
            try:
                enqueue(queue_name, func_path, *args)
            except Exception:
                log.exception("could not enqueue %s%r", func_path, args)


@event.listens_for(Session, "after_rollback")
def _drop_on_rollback(session) -> None:
    session.info.pop(PENDING_KEY, None)


def with_app_context(func):
    """Run a job inside an app context: the current one, or one made for the worker."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return func(*args, **kwargs)
        app = _worker_app()
        with app.app_context():
            try:
                result = func(*args, **kwargs)
                from extensions import db

                dispatch_ready(db.session)
                return result
            finally:
                from extensions import db

                db.session.remove()

    return wrapper


@functools.cache
def _worker_app():
    from app import create_app

    return create_app()
