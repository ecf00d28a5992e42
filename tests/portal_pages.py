"""Helpers to drive portal pages in tests: post forms with their CSRF token, read pages, look up ids, prepare users."""
from __future__ import annotations

from extensions import db
from models.members import assign_roles
from models.roles import create_role
from tests import factories as f
from tests.helpers import csrf_token

ANNA = "anna.admin@acme.example"


def page_html(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def fresh_user(email: str):
    """The company user as the database holds it now (the session's cached rows expired)."""
    db.session.expire_all()
    return f.user(email)


def post_from_account(client, url, data=None):
    """Post ``data`` to ``url`` with the CSRF token of the signed-in user's account page."""
    token = csrf_token(client.get("/account").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})})


def ids_of(app, **lookups) -> dict:
    """name -> id of the row each lookup returns, e.g. ``ids_of(app, ben=lambda: f.user(BEN))``."""
    with app.app_context():
        return {name: fn().id for name, fn in lookups.items()}


def give_carl_people_desk(app) -> None:
    """Carl manages users through a custom role but holds no admin permissions beyond that."""
    with app.app_context():
        anna = f.user(ANNA)
        desk = create_role(anna.company, actor=f.actor(anna), name="People desk", permissions=["manage_users"])
        assign_roles(f.user("carl.ccm@acme.example"), [f.role("cost_center_manager"), desk], actor=f.actor(anna))
        db.session.commit()
