"""``flask worker``: an RQ worker that holds the app it was started with.

``rq worker`` forks a work horse per job, and a job that needs the app would
build it again each time (well over a second per mail). This worker builds the
app once, at start, and runs each job in its own app context in this process
(RQ's ``SimpleWorker``): a database connection pool that stays warm, SMTP
batches on one connection. Run several for more throughput and isolation; a
supervisor restarts one that stops.

Redis going away while a job runs stops an RQ worker (it cannot record the
job's end). This one waits for Redis and starts again; the job whose end was
lost is still pending in the database, and the follow-up sweep queues it again.
"""
from __future__ import annotations

import logging
import time

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue, SimpleWorker

from jobs.queue import QUEUE_NAMES, hold_app

# How often the worker looks after itself; among other things it starts its scheduler (which runs the
# delayed retries) again if a Redis outage stopped it. RQ's default is ten minutes.
MAINTENANCE_SECONDS = 30
REDIS_WAIT_SECONDS = 2
log = logging.getLogger(__name__)


def run_worker(app, queue_names: tuple[str, ...] = QUEUE_NAMES, *, name: str | None = None,
               burst: bool = False) -> bool:
    """Work the queues with ``app`` until stopped (or, with ``burst``, until they are empty)."""
    url = app.config.get("REDIS_URL")
    if not url:
        raise RuntimeError("REDIS_URL is not set: without Redis, jobs run inside the web process.")
    hold_app(app)
    connection = Redis.from_url(url)
    while True:
        queues = [Queue(queue_name, connection=connection) for queue_name in queue_names]
        worker = SimpleWorker(queues, connection=connection, name=name, maintenance_interval=MAINTENANCE_SECONDS)
        try:
            return worker.work(burst=burst, with_scheduler=True)
        except RedisConnectionError as error:
            if burst:
                raise
            log.warning("Redis went away while a job ran (%s); starting again once it is back.", error)
            _wait_for(connection)
            name = None  # the old name may still be registered to the worker that stopped


def _wait_for(connection: Redis) -> None:
    while True:
        try:
            connection.ping()
            return
        except RedisConnectionError:
            time.sleep(REDIS_WAIT_SECONDS)
