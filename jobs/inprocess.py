"""Runs the schedules of ``jobs.schedules`` in a thread, for the embedded default."""
from __future__ import annotations

import logging
import os
import threading
import time
from datetime import datetime, timezone

from croniter import croniter

from jobs.queue import enqueue
from jobs.schedules import SCHEDULES

log = logging.getLogger(__name__)


def _next_run(schedule, now: float) -> float:
    if schedule.interval:
        return now + schedule.interval
    start = datetime.fromtimestamp(now, tz=timezone.utc)
    return croniter(schedule.cron, start).get_next(float)


_started: dict[int, threading.Thread] = {}
_starting = threading.Lock()


def start_schedule_thread(app) -> threading.Thread:
    """Run the schedules in this process, once per process (``flask serve``, or any web process without Redis)."""
    with _starting:
        if os.getpid() not in _started:
            _started[os.getpid()] = _schedule_thread(app)
        return _started[os.getpid()]


def _schedule_thread(app) -> threading.Thread:
    def loop():
        now = time.time()
        due = {s: _next_run(s, now) for s in SCHEDULES}
        while True:
            time.sleep(5)
            now = time.time()
            for schedule, at in due.items():
                if now >= at:
                    with app.app_context():
                        try:
                            enqueue(schedule.queue, schedule.func_path)
                        except Exception:
                            log.exception("schedule %s failed", schedule.func_path)
                    due[schedule] = _next_run(schedule, now)

    thread = threading.Thread(target=loop, name="atrium-schedules", daemon=True)
    thread.start()
    return thread
