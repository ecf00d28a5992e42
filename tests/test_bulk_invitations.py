"""Inviting a list is set-based: a fixed, small number of SQL statements, whatever the list's length."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from jobs.queue import dispatch_ready
from models.audit import AuditEvent
from models.invitations import Invitation, invite_many
from models.mail import MailState, OutboxMessage
from tests import factories as f
from tests.helpers import count_queries

BOUND = 20  # statements to invite a list and store its mail, and again to deliver the mail in process


@pytest.mark.parametrize("size", [20, 200])
def test_an_invitation_list_costs_the_same_statements_at_any_length(app, run_jobs, size):
    with app.app_context():
        anna = f.user("anna.admin@acme.example")
        buyer, company = f.role("buyer"), anna.company
        entries = [(n, f"list{size}-{n}@acme.example") for n in range(size)]
        with count_queries(app) as inviting:
            lines = invite_many(company, entries, buyer, actor=f.actor(anna))
            db.session.commit()
        with count_queries(app) as delivering:
            dispatch_ready()
            run_jobs()  # with Redis: a worker takes the delivery jobs
        assert [line.outcome for line in lines] == ["invited"] * size
        assert len(inviting) <= BOUND and len(delivering) <= BOUND, (len(inviting), len(delivering))
        emails = [email for _, email in entries]
        assert db.session.scalar(select(func.count(Invitation.id)).where(Invitation.email.in_(emails))) == size
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "invitation.sent", AuditEvent.target_label.like("Invitation for list%"))) == size
        sent = db.session.scalars(select(OutboxMessage.state).where(OutboxMessage.recipient.in_(emails))).all()
        assert sent == [MailState.SENT.value] * size
