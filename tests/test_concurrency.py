"""Two people doing the same thing at the same moment: exactly one wins, the other is told, no rule breaks.

Each test runs on a database of its own with real commits (``tests.databases``):
a SQLite file under ``make test``, a fresh PostgreSQL database under ``make
test-services``. Threads meet at a barrier and then act at once.
"""
from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models.actors import Actor
from models.applications import CompanyApplication, submit_application
from models.auth import hash_password
from models.base import DomainError
from models.companies import Company
from models.invitations import Invitation
from models.shops import RegistrationMode, Shop
from models.staff import StaffUser
from models.users import CompanyUser, builtin_roles
from models.workflow_engine import transition
from models.workflows import WorkflowHistory
from tests.databases import at_once, shared_app
from tests.helpers import PASSWORD, csrf_token, flashes, login

APPLICATION = {
    "company_name": "Hooli", "first_name": "Gavin", "last_name": "Belson", "email": "gavin@hooli.example",
    "line1": "1 Hooli Way", "postal_code": "94043", "city": "Mountain View", "country": "US",
}
STAFF = ("ada@atrium.example", "sam@atrium.example")


def _an_application_and_two_clerks(app) -> int:
    with app.app_context():
        shop = Shop(code="us", name="Atrium USA", registration_mode=RegistrationMode.APPLICATION.value,
                    locale="en_US", currency="USD")
        for email in STAFF:
            clerk = StaffUser(email=email, name=email.split("@")[0].title(), password_hash=hash_password(PASSWORD))
            clerk.roles = ["administrator"]
            db.session.add(clerk)
        db.session.add(shop)
        db.session.flush()
        application = submit_application(shop, dict(APPLICATION))
        db.session.commit()
        return application.id


def _one_company_one_invitation_one_move(app, application_id: int) -> None:
    with app.app_context():
        assert db.session.scalar(select(func.count(Company.id)).where(Company.name == "Hooli")) == 1
        assert db.session.scalar(select(func.count(Invitation.id)).where(
            Invitation.email == "gavin@hooli.example")) == 1
        assert db.session.scalar(select(func.count(WorkflowHistory.id)).where(
            WorkflowHistory.subject_id == application_id)) == 1
        assert db.session.get(CompanyApplication, application_id).state == "accepted"


def test_two_clerks_accepting_one_application_at_once_make_one_company(tmp_path):
    with shared_app(tmp_path) as app:
        application_id = _an_application_and_two_clerks(app)

        def accept(i):
            with app.app_context():
                try:
                    clerk = db.session.scalar(select(StaffUser).where(StaffUser.email == STAFF[i]))
                    application = db.session.get(CompanyApplication, application_id)
                    moved = transition(application, "accept", actor=Actor.for_staff(clerk), expected_state="new")
                    db.session.commit()
                    return moved
                finally:
                    db.session.remove()

        results = at_once(accept)
        refused = [r for r in results if isinstance(r, DomainError)]
        assert len(refused) == 1 and len(results) - len(refused) == 1, results
        assert "was already moved to Accepted by someone else" in refused[0].message
        _one_company_one_invitation_one_move(app, application_id)


def _signed_in_clerk(app, email: str):
    client = app.test_client()
    page = client.get("/admin/login/").get_data(as_text=True)
    response = client.post("/admin/login/", data={"email": email, "password": PASSWORD,
                                                  "csrf_token": csrf_token(page)})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def test_two_accept_clicks_at_once_through_the_back_office_make_one_company(tmp_path):
    """The same race through real requests: the edge, the engine and the database together."""
    with shared_app(tmp_path) as app:
        application_id = _an_application_and_two_clerks(app)
        clients = [_signed_in_clerk(app, email) for email in STAFF]
        pages = [c.get(f"/admin/applications/details/?id={application_id}").get_data(as_text=True) for c in clients]
        forms = [{"csrf_token": csrf_token(page), "id": str(application_id), "transition": "accept", "state": "new"}
                 for page in pages]

        def click(i):
            response = clients[i].post("/admin/applications/transition/", data=forms[i])
            assert response.status_code == 302
            return flashes(clients[i].get(response.location).get_data(as_text=True))

        results = at_once(click)
        said = sorted(" ".join(flashes) for flashes in results)
        assert any("Hooli is accepted: the company is created" in s for s in said), said
        assert any("This application was already moved to Accepted by someone else" in s for s in said), said
        _one_company_one_invitation_one_move(app, application_id)


def _a_company_user(app) -> None:
    with app.app_context():
        shop = Shop(code="de", name="Atrium Germany", locale="de_DE", currency="EUR")
        company = Company(name="Acme Industrial", shop=shop)
        db.session.add(CompanyUser(email="ben.buyer@acme.example", first_name="Ben", last_name="Buyer",
                                   company=company, password_hash=hash_password(PASSWORD)))
        db.session.commit()


def _guessesat_once(app, emails: list[str]) -> list[str]:
    """Each e-mail with a wrong password, all posted at once from one address; what each page said."""
    clients = [app.test_client() for _ in emails]
    tokens = [csrf_token(c.get("/login").get_data(as_text=True)) for c in clients]

    def guess(i):
        response = clients[i].post("/login", data={"email": emails[i], "password": "wrong-guess-123",
                                                   "csrf_token": tokens[i]})
        assert response.status_code == 401
        return response.get_data(as_text=True)

    return at_once(guess, len(emails))


def test_concurrent_wrong_passwords_check_no_more_than_the_limit(tmp_path):
    with shared_app(tmp_path) as app:
        _a_company_user(app)
        limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        pages = _guessesat_once(app, ["ben.buyer@acme.example"] * 25)
        checked = sum("No account matches that e-mail and password." in page for page in pages)
        refused = sum("Too many failed sign-ins for this account." in page for page in pages)
        assert (checked, refused) == (limit, 25 - limit), (checked, refused)
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        right = client.post("/login", data={"email": "ben.buyer@acme.example", "password": PASSWORD,
                                            "csrf_token": csrf_token(page)})
        assert right.status_code == 401  # locked for the window, even with the right password


def test_concurrent_guesses_from_one_address_check_no_more_than_its_limit(tmp_path):
    with shared_app(tmp_path, LOGIN_MAX_FAILURES_PER_IP=8) as app:
        _a_company_user(app)
        pages = _guessesat_once(app, [f"guess{n}@acme.example" for n in range(14)])
        checked = sum("No account matches that e-mail and password." in page for page in pages)
        refused = sum("Too many failed sign-ins from your network." in page for page in pages)
        assert (checked, refused) == (8, 6), (checked, refused)


def test_a_slow_password_check_holds_up_no_other_sign_in_from_its_address(tmp_path, monkeypatch):
    """The throttle's slots are committed before the password is checked: while one check runs (held here),
    a colleague behind the same address signs in, instead of waiting for the first check to end."""
    import threading
    import time

    import models.auth as auth

    with shared_app(tmp_path) as app:
        _a_company_user(app)
        with app.app_context():
            ben = db.session.scalar(select(CompanyUser).where(CompanyUser.email == "ben.buyer@acme.example"))
            db.session.add(CompanyUser(email="slow@acme.example", first_name="Sam", last_name="Slow",
                                       company=ben.company, password_hash=hash_password(PASSWORD)))
            db.session.commit()
        checking, release, real = threading.Event(), threading.Event(), auth.password_matches

        def held(known_hash, password):
            if threading.current_thread() is slow:
                checking.set()
                release.wait(30)
            return real(known_hash, password)

        monkeypatch.setattr(auth, "password_matches", held)
        slow = threading.Thread(target=lambda: results.append(login(app.test_client(), "slow@acme.example")))
        results: list = []
        slow.start()
        try:
            assert checking.wait(10)
            started = time.monotonic()
            assert login(app.test_client(), "ben.buyer@acme.example").status_code == 302
            assert time.monotonic() - started < 5
        finally:
            release.set()
            slow.join(30)
        assert [r.status_code for r in results] == [302]


def _two_admins(app) -> dict[str, int]:
    with app.app_context():
        shop = Shop(code="de", name="Atrium Germany", locale="de_DE", currency="EUR")
        company = Company(name="Acme Industrial", shop=shop)
        roles = [builtin_roles()["buyer"], builtin_roles()["account_admin"]]
        admins = [CompanyUser(email=f"{name}@acme.example", first_name=name.title(), last_name="Admin", roles=roles,
                              company=company, password_hash=hash_password(PASSWORD)) for name in ("anna", "ada")]
        db.session.add_all(admins)
        db.session.commit()
        return {admin.email: admin.id for admin in admins}


def _active_admins(app) -> int:
    with app.app_context():
        admin = builtin_roles()["account_admin"]
        return db.session.scalar(select(func.count(CompanyUser.id)).where(
            CompanyUser.active.is_(True), CompanyUser.roles.contains(admin)))


def _admins_act_on_each_otherat_once(app, action: str, data: dict) -> list[int]:
    ids = _two_admins(app)
    emails = list(ids)
    clients = [app.test_client() for _ in emails]
    for client, email in zip(clients, emails):
        assert login(client, email).status_code == 302
    tokens = [csrf_token(c.get("/account").get_data(as_text=True)) for c in clients]

    def act(i):
        other = ids[emails[1 - i]]
        response = clients[i].post(f"/account/users/{other}/{action}", data=dict(data, csrf_token=tokens[i]))
        return response.status_code

    return at_once(act)


def test_two_admins_deleting_each_other_at_once_leave_one(tmp_path):
    with shared_app(tmp_path) as app:
        statuses = _admins_act_on_each_otherat_once(app, "delete", {})
        assert statuses == [302, 302], statuses
        assert _active_admins(app) == 1
        with app.app_context():
            assert db.session.scalar(select(func.count(CompanyUser.id))) == 1


def test_two_admins_deactivating_each_other_at_once_leave_one(tmp_path):
    with shared_app(tmp_path) as app:
        statuses = _admins_act_on_each_otherat_once(app, "active", {"active": "0"})
        assert statuses == [302, 302], statuses
        assert _active_admins(app) == 1
