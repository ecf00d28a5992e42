"""Mail survives its faults: an SMTP server that refuses every message twice, and Redis gone for 30 seconds.

Real processes throughout: PostgreSQL, a Redis server of this test's own (so it
can be stopped and started again, empty, as a restarted Redis without
persistence is), ``flask worker`` and an aiosmtpd server. Mail committed while
Redis is down waits in the database; the sweeps that ``rq cron`` runs every few
minutes are run here once Redis is back. Every message arrives exactly once.
Run by ``make test-services``.
"""
from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete, func, select

from app import create_app
from extensions import db
from models.followups import FollowUp
from models.mail import Mail, OutboxMessage, queue_mails
from tests.helpers import free_port
from tests.mail_servers import smtp_config
from tests.test_services import DATABASE_URL, Process, production_env, wait_for, worker_process

pytestmark = pytest.mark.services  # without the services these fail (tests/conftest.py), never skip
REFUSALS_PER_MESSAGE = 2
OUTAGE_SECONDS = 30


class RefusingInbox:
    """An SMTP server that answers "try again later" to the first two deliveries of every message.

    Once armed, it holds the next delivery until released: the test stops Redis
    while the worker is inside a job, the moment an RQ worker cannot survive alone.
    """

    def __init__(self):
        self.tries: Counter = Counter()
        self.accepted: Counter = Counter()
        self.armed, self.holding, self.released = threading.Event(), threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.armed.is_set() and not self.holding.is_set():
            self.holding.set()
            await asyncio.to_thread(self.released.wait, 30)
        message_id = next(line for line in envelope.content.decode().splitlines()
                          if line.lower().startswith("message-id:")).split(":", 1)[1].strip()
        self.tries[message_id] += 1
        if self.tries[message_id] <= REFUSALS_PER_MESSAGE:
            return "451 4.3.0 Try again later"
        self.accepted[message_id] += 1
        return "250 Message accepted"


def redis_server(port: int, log) -> Process:
    return Process(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                   {}, log)


def _write_mail(web, addresses: list[str]) -> None:
    """Each mail in its own transaction, as requests write them."""
    with web.app_context():
        for address in addresses:
            queue_mails([Mail(address, "password_changed", "Your password was changed",
                              {"user": {"first_name": "Fault", "email": address, "kind": "company"}})])
            db.session.commit()


def _rows(web, prefix: str) -> list[OutboxMessage]:
    with web.app_context():
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient.like(f"{prefix}%"))).all()
        db.session.expunge_all()
        return rows


@pytest.fixture
def faulty_world(app, tmp_path):
    """A refusing SMTP server, a Redis of our own, the web side and ``flask worker`` pointed at them."""
    inbox, smtp_port, redis_port = RefusingInbox(), free_port(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    redis = redis_server(redis_port, tmp_path / "redis-1.log")
    web = create_app(smtp_config(DATABASE_URL, smtp_port, REDIS_URL=redis_url, JOB_RETRY_SECONDS=[1, 2, 3]))
    with web.app_context():
        last = {model: db.session.scalar(select(func.max(model.id))) or 0 for model in (OutboxMessage, FollowUp)}
    env = dict(production_env(smtp_port), REDIS_URL=redis_url, JOB_RETRY_SECONDS="1,2,3")
    world = {"inbox": inbox, "web": web, "redis": redis, "redis_port": redis_port, "tmp": tmp_path,
             "worker": worker_process(env, tmp_path / "worker.log")}
    try:
        yield world
    finally:
        world["worker"].stop()
        world["redis"].stop()
        controller.stop()
        with web.app_context():
            for model, last_id in last.items():
                db.session.execute(delete(model).where(model.id > last_id))
            db.session.commit()
            db.engine.dispose()


def test_every_mail_arrives_once_through_refusals_and_a_redis_outage(faulty_world):
    from jobs.mail import resend_pending_mail
    from jobs.runner import sweep_follow_ups

    web, inbox, worker_log = faulty_world["web"], faulty_world["inbox"], faulty_world["tmp"] / "worker.log"
    prefix = f"fault-{uuid.uuid4().hex[:6]}-"
    before = [f"{prefix}before-{n}@acme.example" for n in range(10)]
    during = [f"{prefix}during-{n}@acme.example" for n in range(10)]

    _write_mail(web, before)
    wait_for(lambda: sum(inbox.tries.values()) >= 5, 30, "the first refusals", worker_log)
    inbox.armed.set()
    wait_for(inbox.holding.is_set, 30, "a delivery in progress", worker_log)
    faulty_world["redis"].stop()  # while a job runs; retries waiting in Redis are lost with it
    inbox.released.set()
    outage_started = time.monotonic()
    _write_mail(web, during)  # the requests still commit; their jobs cannot be queued
    assert all(row.state == "pending" for row in _rows(web, f"{prefix}during-"))
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))
    faulty_world["redis"] = redis_server(faulty_world["redis_port"], faulty_world["tmp"] / "redis-2.log")
    with web.app_context():  # what rq cron runs every five minutes
        wait_for(lambda: sweep_follow_ups(older_than_minutes=0) > 0, 30, "Redis to come back", worker_log)
        resend_pending_mail(older_than_minutes=0)

    wait_for(lambda: all(row.state == "sent" for row in _rows(web, prefix)), 120, "every mail", worker_log)
    rows = _rows(web, prefix)
    assert sorted(row.recipient for row in rows) == sorted(before + during)
    expected_ids = {f"<{row.idempotency_key}@atrium.test>" for row in rows}
    assert [inbox.accepted[message_id] for message_id in expected_ids] == [1] * len(rows)  # exactly once each
    assert set(inbox.accepted.values()) == {1}  # nor any other mail that was waiting, twice
    assert all(inbox.tries[message_id] == REFUSALS_PER_MESSAGE + 1 for message_id in expected_ids)
    assert {row.transport for row in rows} == {"smtp"} and all(row.attempts >= 3 for row in rows)
