"""The job queues.

With REDIS_URL set, jobs go to Redis and ``flask worker`` runs them (``jobs.worker``;
its scheduler runs the delayed retries). Without it (the
embedded default), the same jobs run in process through RQ's synchronous mode on
a fake Redis, right after the request or command that queued them (on a thread
of the web process once the answer is out: ``jobs.background``).

Operations ask for jobs with ``models.followups.request_job``: a row written in
their transaction. Once it commits, the follow-ups go to RQ here: at once with
Redis (``after_commit``), or when the session is free again in process
(``dispatch_ready``, called by the request edge, the CLI and the job runner).
If Redis is down, the rows stay pending and the sweep sends them later.
"""
from __future__ import annotations

import functools
import logging

from flask import current_app, has_app_context
from rq import Queue, Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

from models.followups import take_committed

QUEUE_NAMES = ("emails", "default", "periodic")
RUNNER = "jobs.runner.run_follow_up"

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


def enqueue(queue_name: str, func_path: str, *args, retry: dict | None = None, job_id: str | None = None):
    """Put a job on a queue now (operations use ``request_job`` inside their transaction instead)."""
    retry = retry or {"max": len(current_app.config["JOB_RETRY_SECONDS"]),
                      "interval": current_app.config["JOB_RETRY_SECONDS"]}
    return get_queue(queue_name).enqueue(
        func_path, *args, retry=Retry(max=retry["max"], interval=retry["interval"]), job_id=job_id
    )


def send_follow_up(follow_up_id: int, queue_name: str) -> bool:
    """Put one follow-up on its queue; False (and a log line) if the queue cannot take it now."""
    try:
        enqueue(queue_name, RUNNER, follow_up_id, job_id=f"follow-up-{follow_up_id}")
    except Exception:  # Redis down: the row stays pending and the sweep sends it again
        log.exception("could not queue follow-up %s on %s", follow_up_id, queue_name)
        return False
    return True


def dispatch_ready(session=None, *, after_answer: bool = False) -> int:
    """Queue the follow-ups whose transactions have committed; returns how many.

    ``after_answer`` (the request edge): in process, with ``JOBS_AFTER_ANSWER``
    on, they run on the process's job thread (``jobs.background``) instead of
    before the answer.
    """
    from extensions import db

    session = session or db.session
    if after_answer and is_in_process() and current_app.config.get("JOBS_AFTER_ANSWER"):
        from jobs.background import job_thread

        ready = take_committed(session)
        job_thread(current_app._get_current_object()).hand_over(ready)
        return len(ready)
    count = 0
    # Jobs run in process may commit and ask for further jobs: loop until none are left.
    while ready := take_committed(session):
        for follow_up_id, queue_name in ready:
            send_follow_up(follow_up_id, queue_name)
            count += 1
    return count


@event.listens_for(Session, "after_commit")
def _hand_over_on_commit(session) -> None:
    """With Redis, committed follow-ups go out at once; in process they wait until the session is free."""
    if has_app_context() and not is_in_process():
        for follow_up_id, queue_name in take_committed(session):
            send_follow_up(follow_up_id, queue_name)


def with_app_context(func):
    """Run a job inside an app context: the current one, or the worker's (built once per process)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return func(*args, **kwargs)
        app = _worker_app()
        with app.app_context():
            from extensions import db

            try:
                result = func(*args, **kwargs)
                dispatch_ready(db.session)
                return result
            finally:
                db.session.remove()

    return wrapper


_held = {}


def hold_app(app) -> None:
    """The app jobs of this process run in (``flask worker`` hands over the one it built)."""
    _held["app"] = app


def _worker_app():
    if "app" not in _held:  # a job run by plain ``rq worker``: built once per process
        from app import create_app

        hold_app(create_app())
    return _held["app"]
