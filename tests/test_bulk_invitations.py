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
from tests.helpers import count_queries, stopwatch

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


def test_a_list_of_1000_addresses_is_answered_within_3_seconds(app, client):
    """Invited, mailed and reported at once: rows, mail and audit are written set-based."""
    from io import BytesIO

    from tests.helpers import csrf_token, login

    login(client, "anna.admin@acme.example")
    with app.app_context():
        role_id = f.role("buyer").id
    addresses = "\n".join(f"thousand-{n}@acme.example" for n in range(1000)).encode()
    token = csrf_token(client.get("/account/invitations").get_data(as_text=True))
    with stopwatch() as elapsed:
        response = client.post("/account/invitations", content_type="multipart/form-data", data={
            "csrf_token": token, "list_role": role_id, "upload_list": "Upload and invite",
            "address_file": (BytesIO(addresses), "people.csv")})
    assert response.status_code == 200 and "1000 invitation(s) sent." in response.get_data(as_text=True)
    assert elapsed.seconds < 3, f"{elapsed.seconds:.2f} s"
    with app.app_context():
        mailed = select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient.like("thousand-%"))
        assert db.session.scalar(mailed) == 1000
