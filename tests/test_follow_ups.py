"""Follow-up jobs are recorded with the change that asks for them: nothing is lost, nothing runs twice."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from jobs.runner import resolve, run_follow_up, sweep_follow_ups
from models.actors import SYSTEM
from models.companies import Company, set_customer_group
from models.followups import FollowUp, FollowUpState, request_job
from models.mail import MailState, OutboxMessage, queue_mail
from tests.databases import app_on, shared_app
from tests.helpers import free_port


def test_with_redis_down_at_commit_the_mail_waits_and_the_sweep_delivers_it(tmp_path):
    with shared_app(tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0") as down:
        with down.app_context():
            queue_mail("ops@initrode.example", "company_status", subject="Initrode is active",
                       user={"first_name": "Olga"}, company={"name": "Initrode", "is_active": True})
            db.session.commit()  # the change commits although Redis cannot take the job
            waiting = db.session.scalars(select(FollowUp)).all()
            assert [(f.job, f.state) for f in waiting] == [("jobs.mail.deliver_mails", "pending")]
            assert db.session.scalar(select(OutboxMessage.state)) == MailState.PENDING.value
            url = down.config["DATABASE_URL"]
        with app_on(url, REDIS_URL="") as up, up.app_context():
            assert sweep_follow_ups(older_than_minutes=0) == 1
            assert db.session.scalar(select(OutboxMessage.state)) == MailState.SENT.value
            assert db.session.scalar(select(FollowUp.state)) == FollowUpState.DONE.value
            assert sweep_follow_ups(older_than_minutes=0) == 0  # nothing left behind, nothing sent twice


def test_a_rolled_back_change_asks_for_nothing(app):
    with app.app_context():
        before = db.session.scalar(select(func.count(FollowUp.id)))
        set_customer_group(db.session.scalar(select(Company).order_by(Company.id)), "gold", actor=SYSTEM)
        queue_mail("x@acme.example", "company_status", subject="s", user={"first_name": "X"},
                   company={"name": "Acme", "is_active": True})
        db.session.rollback()
        db.session.commit()
        assert db.session.scalar(select(func.count(FollowUp.id))) == before


def test_only_functions_marked_as_jobs_run(app):
    assert resolve("jobs.mail.deliver_mails").__name__ == "deliver_mails"
    for path in ("os.system", "jobs.queue.enqueue", "jobs.mail.nothing_here", "app.create_app"):
        with pytest.raises(LookupError, match="not a job of Atrium"):
            resolve(path)


def test_a_failing_job_is_recorded_and_runs_once_when_it_succeeds(app, monkeypatch):
    with app.app_context():
        message = queue_mail("y@acme.example", "company_status", subject="s", user={"first_name": "Y"},
                             company={"name": "Acme", "is_active": True})
        db.session.info.pop("mail_to_deliver")  # deliver it through the follow-up below only
        follow_up = request_job("emails", "jobs.mail.deliver_mails", [message.id])
        db.session.commit()
        db.session.info.clear()
        import jobs.mail

        real = jobs.mail.deliver_mails
        monkeypatch.setattr(jobs.mail, "deliver_mails", _failing)
        _failing.is_follow_up_job = True
        with pytest.raises(ConnectionError):
            run_follow_up(follow_up.id)
        db.session.expire_all()
        failed = db.session.get(FollowUp, follow_up.id)
        assert (failed.state, failed.attempts, failed.last_error) == ("pending", 1, "ConnectionError: SMTP is down")
        monkeypatch.setattr(jobs.mail, "deliver_mails", real)
        assert run_follow_up(follow_up.id) == "done"
        assert run_follow_up(follow_up.id) == "skipped"
        db.session.expire_all()
        assert db.session.get(FollowUp, follow_up.id).attempts == 2
        assert db.session.get(OutboxMessage, message.id).state == MailState.SENT.value


def _failing(message_ids):
    raise ConnectionError("SMTP is down")
