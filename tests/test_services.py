"""Jobs on the production services: PostgreSQL, Redis, a real ``flask worker`` and ``rq cron``.

Run by ``make test-services`` (TEST_DATABASE_URL and TEST_REDIS_URL set). The web side
is a separate app on its own engine, so that what the worker reads is committed; each
test deletes the rows it committed.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete, func, select

from app import create_app
from extensions import db
from jobs.queue import QUEUE_NAMES, enqueue, get_queue
from jobs.schedules import SCHEDULES
from models.auth import PasswordResetToken
from models.followups import FollowUp
from models.mail import OutboxMessage
from models.throttle import Throttle
from tests.helpers import free_port
from tests.mail_servers import RESET_LINK, SmtpInbox, request_reset, smtp_config

DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
ROOT = Path(__file__).resolve().parent.parent
RQ = Path(sys.executable).with_name("rq")

pytestmark = pytest.mark.services  # without the services these fail (tests/conftest.py), never skip


def wait_for(check, timeout: float, what: str, log: Path | None = None):
    """Poll ``check`` until it returns something truthy; fail with the process log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    detail = log.read_text()[-4000:] if log and log.exists() else ""
    pytest.fail(f"timed out waiting for {what}\n{detail}")


class Process:
    """A command of the production set-up, run as a child process with its log in a file."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log
        self.handle = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
        )

    def stop(self) -> None:
        self.handle.send_signal(signal.SIGTERM)
        try:
            self.handle.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.handle.kill()
            self.handle.wait()


def production_env(smtp_port: int) -> dict:
    """The environment ``rq worker`` gets in production, pointed at the test services."""
    return dict(
        os.environ,
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        SECRET_KEY="test-secret",
        PUBLIC_URL="http://atrium.test",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_port),
        FLASK_APP="app:create_app",
    )


def worker_process(env: dict, log: Path, name: str | None = None) -> Process:
    """``flask worker`` on every queue, as production starts it."""
    return Process([sys.executable, "-m", "flask", "worker", *(["--name", name] if name else [])], env, log)


@pytest.fixture
def web_app(app, smtp_inbox):
    """The web side on its own engine (real commits) with the production queues on Redis."""
    web = create_app(smtp_config(DATABASE_URL, smtp_inbox.port, REDIS_URL=REDIS_URL))
    with web.app_context():
        for name in QUEUE_NAMES:
            get_queue(name).empty()  # left-overs of rolled-back tests
        last = {model: db.session.scalar(select(func.max(model.id))) or 0
                for model in (OutboxMessage, PasswordResetToken, FollowUp)}
        counters = set(db.session.scalars(select(Throttle.key)))
    yield web
    with web.app_context():
        for model, last_id in last.items():
            db.session.execute(delete(model).where(model.id > last_id))
        db.session.execute(delete(Throttle).where(Throttle.key.not_in(counters)))  # the requests' rate limits
        db.session.commit()
        db.engine.dispose()


@pytest.fixture
def rq_worker(tmp_path, smtp_inbox):
    """``flask worker`` on the app's queues, with the scheduler that runs retries."""
    name = f"atrium-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    worker = worker_process(production_env(smtp_inbox.port), log, name)
    from redis import Redis
    from rq import Worker

    connection = Redis.from_url(REDIS_URL)
    wait_for(lambda: any(w.name == name for w in Worker.all(connection=connection)), 30, "rq worker", log)
    yield worker
    worker.stop()


def reset_mail(web) -> OutboxMessage | None:
    with web.app_context():
        row = db.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.recipient == "ben.buyer@acme.example", OutboxMessage.template == "password_reset"
            ).order_by(OutboxMessage.id.desc())
        )
        db.session.expunge_all()
        return row


def test_the_worker_delivers_reset_mail_over_smtp_once(web_app, rq_worker, smtp_inbox):
    client = request_reset(web_app, "ben.buyer@acme.example")
    sent = wait_for(lambda: (m := reset_mail(web_app)) and m.state == "sent" and m, 60, "delivery", rq_worker.log)
    assert (sent.transport, sent.attempts) == ("smtp", 1)

    [(recipients, message)] = smtp_inbox.messages
    assert recipients == ["ben.buyer@acme.example"]
    assert message["Subject"] == "Reset your Atrium password"
    assert message.get_all("Message-ID") == [f"<{sent.idempotency_key}@atrium.test>"]
    token = RESET_LINK.search(smtp_inbox.text_of()).group(1)
    assert "New password" in client.get(f"/password-reset/{token}").get_data(as_text=True)

    with web_app.app_context():  # a repeated job finds the mail sent and skips it
        job = enqueue("emails", "jobs.mail.deliver_mail", sent.id)
    wait_for(lambda: job.get_status(refresh=True) == "finished", 60, "the repeated job", rq_worker.log)
    assert job.return_value() == "skipped"
    assert len(smtp_inbox.messages) == 1


def test_the_worker_retries_while_smtp_is_down(web_app, tmp_path):
    port = free_port()  # nothing listens here yet
    worker_log = tmp_path / "worker.log"
    worker = worker_process(production_env(port), worker_log)
    inbox, controller = SmtpInbox(), None
    try:
        request_reset(web_app, "ben.buyer@acme.example")
        wait_for(lambda: (m := reset_mail(web_app)) and m.attempts == 1, 60, "the first attempt", worker_log)
        assert reset_mail(web_app).state == "pending"
        assert "ConnectionRefusedError" in reset_mail(web_app).last_error
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        sent = wait_for(lambda: (m := reset_mail(web_app)) and m.state == "sent" and m, 60, "the retry", worker_log)
    finally:
        worker.stop()
        if controller:
            controller.stop()
    assert (sent.attempts, sent.last_error) == (2, "")
    assert [rcpt for rcpt, _ in inbox.messages] == [["ben.buyer@acme.example"]]


def schedule_table(jobs) -> set[tuple]:
    return {(job.func_name, job.queue_name, job.interval, job.cron) for job in jobs}


def test_rq_cron_registers_every_schedule(tmp_path):
    from redis import Redis
    from rq import Queue
    from rq.cron import CronScheduler

    expected = {(s.func_path, s.queue, s.interval, s.cron) for s in SCHEDULES}
    connection = Redis.from_url(REDIS_URL)
    loaded = CronScheduler(connection=connection)
    loaded.load_config_from_file("jobs.cron")
    assert schedule_table(loaded.get_jobs()) == expected

    periodic = Queue("periodic", connection=connection)
    periodic.empty()
    log = tmp_path / "cron.log"
    cron = Process([str(RQ), "cron", "jobs.cron", "--url", REDIS_URL], dict(os.environ, REDIS_URL=REDIS_URL), log)
    try:
        running = wait_for(
            lambda: [s for s in CronScheduler.all(connection) if s.pid == cron.handle.pid], 30, "rq cron", log
        )
        assert running[0].config_file == "jobs.cron"
        assert schedule_table(running[0].get_jobs()) == expected
        # Interval schedules run once at start: the sweeps are on their queue.
        interval = sorted(s.func_path for s in SCHEDULES if s.interval)
        wait_for(lambda: periodic.count >= len(interval), 30, "the first sweeps", log)
        assert sorted(job.func_name for job in periodic.get_jobs()) == interval
    finally:
        cron.stop()
        periodic.empty()
    assert re.search(r"shutdown complete", log.read_text())


def _rate_mails(web, addresses: list[str], *, one_per_transaction: bool) -> None:
    """Write mail to ``addresses``: all in one transaction (batch jobs) or each in its own (a job per mail)."""
    from models.mail import Mail, queue_mails

    mails = [Mail(address, "password_changed", "Your password was changed",
                  {"user": {"first_name": "Rate", "email": address, "kind": "company"}}) for address in addresses]
    with web.app_context():
        for chunk in ([[m] for m in mails] if one_per_transaction else [mails]):
            queue_mails(chunk)
            db.session.commit()


def _sent_count(web, prefix: str) -> int:
    with web.app_context():
        count = db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.recipient.like(f"{prefix}%"), OutboxMessage.state == "sent"))
        db.session.rollback()
        return count


@pytest.mark.parametrize("one_per_transaction", [False, True], ids=["batches", "one job per mail"])
def test_one_worker_delivers_at_least_20_mails_a_second(web_app, rq_worker, smtp_inbox, one_per_transaction):
    count = 200 if not one_per_transaction else 60
    prefix = f"rate-{uuid.uuid4().hex[:6]}-"
    started = time.monotonic()
    _rate_mails(web_app, [f"{prefix}{n}@acme.example" for n in range(count)], one_per_transaction=one_per_transaction)
    wait_for(lambda: _sent_count(web_app, prefix) == count, 60, "delivery", rq_worker.log)
    rate = count / (time.monotonic() - started)
    assert len([1 for rcpt, _ in smtp_inbox.messages if rcpt[0].startswith(prefix)]) == count
    assert rate >= 20, f"{rate:.1f} mails/s"
