"""The same sign-up, invitation or acceptance sent twice at the same moment: one wins, the other is told.

Database constraints hold the rule (one open application per address and shop,
one account per address, one pending invitation per address and company, one
acceptance per invitation); the loser hears a plain answer, never a 500.
Real requests on a database of their own, SQLite or PostgreSQL.
"""
from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models.applications import CompanyApplication
from models.companies import Company
from models.invitations import Invitation
from models.users import CompanyUser
from tests import factories as f
from tests.databases import at_once, world_app
from tests.helpers import PASSWORD, csrf_token, flashes, login, mail_link, templates_to, text

APPLICATION = {"company_name": "Hooli", "vat_id": "", "first_name": "Gavin", "last_name": "Belson", "phone": "",
               "email": "gavin@hooli.example", "line1": "1 Hooli Way", "line2": "", "postal_code": "94043",
               "city": "Mountain View", "country": "US"}
PERSON = {"company_name": "Pied Piper", "first_name": "Richard", "last_name": "Hendricks", "phone": "",
          "email": "richard@piedpiper.example", "password": "middle-out-42", "confirm": "middle-out-42"}


def _visitors_posting(app, path: str, shop: str, data: dict, count: int = 2) -> list:
    clients = [app.test_client() for _ in range(count)]
    tokens = [csrf_token(c.get(f"{path}?shop={shop}").get_data(as_text=True)) for c in clients]
    return at_once(lambda i: clients[i].post(path, data=dict(data, csrf_token=tokens[i])), count)


def _count(app, query) -> int:
    with app.app_context():
        return db.session.scalar(query)


def test_one_address_applying_twice_at_once_files_one_application(tmp_path):
    with world_app(tmp_path) as app:
        responses = _visitors_posting(app, "/apply", "atrium-us", APPLICATION, count=4)
        assert [r.status_code for r in responses] == [200] * 4
        assert all("Your application for Hooli in Atrium USA is with our team." in text(r) for r in responses)
        assert _count(app, select(func.count(CompanyApplication.id)).where(
            CompanyApplication.email == APPLICATION["email"])) == 1
        with app.app_context():
            assert sorted(templates_to(APPLICATION["email"])) == ["application_already_open"] * 3 + [
                "application_received"]


def test_one_address_registering_twice_at_once_makes_one_account(tmp_path):
    with world_app(tmp_path) as app:
        responses = _visitors_posting(app, "/register", "atrium-de", PERSON, count=3)
        assert [r.status_code for r in responses] == [200] * 3
        assert all("Check your inbox, Richard" in text(r) for r in responses)
        assert _count(app, select(func.count(CompanyUser.id)).where(CompanyUser.email == PERSON["email"])) == 1
        assert _count(app, select(func.count(Company.id)).where(Company.name == "Pied Piper")) == 1


def test_two_admins_inviting_one_address_at_once_make_one_invitation(tmp_path):
    with world_app(tmp_path) as app:
        with app.app_context():
            buyer = f.role("buyer").id
        clients = [app.test_client() for _ in range(2)]
        for client in clients:
            assert login(client, "anna.admin@acme.example").status_code == 302
        tokens = [csrf_token(c.get("/account/invitations").get_data(as_text=True)) for c in clients]
        form = {"email": "zoe@acme.example", "role": str(buyer), "send_invitation": "1"}

        def invite(i):
            response = clients[i].post("/account/invitations", data=dict(form, csrf_token=tokens[i]))
            page = clients[i].get(response.location) if response.status_code in (302, 303) else response
            return response.status_code, text(page)

        results = at_once(invite)
        assert sorted(status for status, _ in results) in ([302, 303], [302, 400]), results
        said = " ".join(page for _, page in results)
        assert "Invitation sent to zoe@acme.example." in said
        assert any(m in said for m in ("zoe@acme.example is already invited.",
                                       "That address already has a pending invitation to the company.")), said
        assert _count(app, select(func.count(Invitation.id)).where(Invitation.email == "zoe@acme.example")) == 1


def test_one_invitation_accepted_twice_at_once_makes_one_account(tmp_path):
    with world_app(tmp_path) as app:
        with app.app_context():
            link = mail_link("dave.new@acme.example", "/invitations/")
        clients = [app.test_client() for _ in range(3)]
        tokens = [csrf_token(c.get(link).get_data(as_text=True)) for c in clients]
        form = {"first_name": "Dave", "last_name": "New", "password": PASSWORD, "confirm": PASSWORD}
        responses = at_once(lambda i: clients[i].post(link, data=dict(form, csrf_token=tokens[i])), 3)
        statuses = sorted(r.status_code for r in responses)
        assert statuses.count(302) == 1 and all(s < 500 for s in statuses), statuses
        losers = [text(r) if r.status_code != 302 else "" for r in responses]
        followed = [flashes(c.get(r.location).get_data(as_text=True)) if r.status_code in (302, 303) else []
                    for c, r in zip(clients, responses)]
        said = " ".join(losers) + " ".join(m for messages in followed for m in messages)
        assert "This invitation has already been used. Sign in instead." in said, said
        assert _count(app, select(func.count(CompanyUser.id)).where(
            CompanyUser.email == "dave.new@acme.example")) == 1
