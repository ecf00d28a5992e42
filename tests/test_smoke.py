from sqlalchemy import select

from extensions import db
from models.mail import OutboxMessage
from models.users import CompanyUser
from tests.helpers import login


def test_portal_login_and_home(client):
    response = login(client, "anna.admin@acme.example")
    assert response.status_code == 302
    page = client.get("/")
    assert "Hello, Anna" in page.get_data(as_text=True)


def test_reset_mail_is_in_outbox(app, client, run_jobs):
    page = client.get("/password-reset")
    from tests.helpers import csrf_token

    client.post("/password-reset", data={"email": "ben.buyer@acme.example", "csrf_token": csrf_token(page.get_data(as_text=True))})
    run_jobs()
    with app.app_context():
        mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "ben.buyer@acme.example")).all()
        assert [m.recipient for m in mail] == ["ben.buyer@acme.example"]
        assert mail[0].state == "sent"


def test_rollback_isolation(app):
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "ben.buyer@acme.example")) is None
        assert db.session.scalar(select(CompanyUser).where(CompanyUser.email == "ben.buyer@acme.example"))
