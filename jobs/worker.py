"""``flask worker``: an RQ worker that holds the app it was started with.

``rq worker`` forks a work horse per job, and a job that needs the app would
build it again each time (well over a second per mail). This worker builds the
app once, at start, and runs each job in its own app context in this process
(RQ's ``SimpleWorker``): a database connection pool that stays warm, SMTP
batches on one connection. Run several for more throughput and isolation; a
supervisor restarts one that stops.
"""
from __future__ import annotations

from redis import Redis
from rq import Queue, SimpleWorker

from jobs.queue import QUEUE_NAMES, hold_app

# How often the worker looks after itself; among other things it starts its scheduler (which runs the
# delayed retries) again if a Redis outage stopped it. RQ's default is ten minutes.
MAINTENANCE_SECONDS = 30


def run_worker(app, queue_names: tuple[str, ...] = QUEUE_NAMES, *, name: str | None = None,
               burst: bool = False) -> bool:
    """Work the queues with ``app`` until stopped (or, with ``burst``, until they are empty)."""
    url = app.config.get("REDIS_URL")
    if not url:
        raise RuntimeError("REDIS_URL is not set: without Redis, jobs run inside the web process.")
    hold_app(app)
    connection = Redis.from_url(url)
    queues = [Queue(queue_name, connection=connection) for queue_name in queue_names]
    worker = SimpleWorker(queues, connection=connection, name=name, maintenance_interval=MAINTENANCE_SECONDS)
    return worker.work(burst=burst, with_scheduler=True)
