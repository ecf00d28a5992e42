"""A thread of the web process that runs the embedded default's jobs after the answer has gone out.

Without Redis, follow-ups run in process. The request edge hands them here, so
a request never waits for its mail (a 1,000-address invitation list, a reset
mail over SMTP) and its answer takes as long whatever the job does. Each
process starts its own thread on first use (gunicorn workers fork). What is
handed over is only an id: if the process dies first, the row is still
pending and the sweep runs it (the schedules run in every such process, under
``flask serve`` or gunicorn alike). Tests, the CLI and jobs run follow-ups inline.
"""
from __future__ import annotations

import logging
import os
import queue
import threading

from extensions import db
from jobs.queue import send_follow_up
from models.followups import take_committed

log = logging.getLogger(__name__)
_starting = threading.Lock()


class JobThread:
    def __init__(self, app):
        self.app, self.pid = app, os.getpid()
        self.pending: queue.SimpleQueue = queue.SimpleQueue()
        self.idle = threading.Event()
        self.idle.set()
        threading.Thread(target=self._loop, name="atrium-jobs", daemon=True).start()

    def hand_over(self, ready: list[tuple[int, str]]) -> None:
        for item in ready:
            self.idle.clear()
            self.pending.put(item)

    def _loop(self) -> None:
        while True:
            follow_up_id, queue_name = self.pending.get()
            with self.app.app_context():
                try:
                    send_follow_up(follow_up_id, queue_name)
                    self.hand_over(take_committed(db.session))  # what those jobs asked for in turn
                except Exception:  # the row stays pending; the sweep tries again
                    log.exception("follow-up %s failed in the background", follow_up_id)
                finally:
                    db.session.remove()
            if self.pending.empty():
                self.idle.set()


def job_thread(app) -> JobThread:
    """This process's job thread for ``app``, started on first use."""
    with _starting:
        current = app.extensions.get("atrium_job_thread")
        if current is None or current.pid != os.getpid():
            from jobs.inprocess import start_schedule_thread

            current = app.extensions["atrium_job_thread"] = JobThread(app)
            start_schedule_thread(app)
        return current
