"""The request edge: one commit per request, refusals shown plainly, conflicts never a 500."""
from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import models.invitations
from extensions import db
from models.invitations import Invitation, InvitationState
from models.users import Role
from tests import factories as f
from tests.backoffice_forms import company_id, post_company_form
from tests.helpers import flashes
from tests.portal_pages import ANNA, page_html, post_from_account

ROOT = Path(__file__).resolve().parent.parent


def _pending(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Invitation.id)).where(
            Invitation.email == email, Invitation.state == InvitationState.PENDING.value))


def _simulate_a_race(monkeypatch) -> None:
    """Someone invited the same address a moment ago: the check sees nothing, the insert collides."""
    monkeypatch.setattr(models.invitations, "pending_invitation", lambda company_id, email: None)


def test_deleting_a_role_offered_by_a_pending_invitation_is_refused_with_a_reason(app, login_as):
    with app.app_context():
        anna = f.user(ANNA)
        from models.invitations import invite
        from models.roles import create_role

        role = create_role(anna.company, actor=f.actor(anna), name="Night shift", permissions=["purchase"])
        invite(anna.company, "night@acme.example", role, actor=f.actor(anna))
        db.session.commit()
        role_id = role.id
    client = login_as(ANNA)
    response = post_from_account(client, f"/account/roles/{role_id}/delete")
    assert response.status_code == 302
    assert "1 pending invitation(s) offer the role Night shift" in page_html(client.get(response.location))
    with app.app_context():
        assert db.session.get(Role, role_id) is not None


def test_an_invitation_that_collides_with_one_saved_a_moment_ago_is_a_message_not_a_500(app, login_as,
                                                                                         monkeypatch):
    client = login_as(ANNA)
    _simulate_a_race(monkeypatch)
    with app.app_context():
        buyer = f.role("buyer").id
    before = _pending(app, "dave.new@acme.example")
    token_page = page_html(client.get("/account/invitations"))
    from tests.helpers import csrf_token

    response = client.post("/account/invitations", data={
        "csrf_token": csrf_token(token_page), "email": "dave.new@acme.example", "role": buyer,
        "send_invitation": "Send invitation"})
    assert response.status_code == 400
    assert "That address already has a pending invitation to the company." in page_html(response)
    assert "IntegrityError" not in page_html(response) and "UNIQUE" not in page_html(response)
    assert _pending(app, "dave.new@acme.example") == before


def test_the_back_office_shows_a_collision_plainly_too(app, login_as, monkeypatch):
    client = login_as("support@atrium.example")
    _simulate_a_race(monkeypatch)
    with app.app_context():
        buyer = str(f.role("buyer").id)
    page = post_company_form(client, company_id(app), "invite", email="dave.new@acme.example", role_id=buyer)
    assert "That address already has a pending invitation to the company." in flashes(page)
    assert _pending(app, "dave.new@acme.example") == 1


def test_a_commit_that_fails_takes_back_the_success_message_and_keeps_nothing(app, login_as, monkeypatch):
    client = login_as(ANNA)
    real_commit = db.session.commit
    calls = []

    def failing_commit():
        if not calls:
            calls.append(1)
            raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: roles.company_id, roles.name"))
        return real_commit()

    form = page_html(client.get("/account/roles/new"))
    from tests.helpers import csrf_token

    monkeypatch.setattr(db.session, "commit", failing_commit)
    response = client.post("/account/roles/new", data={
        "csrf_token": csrf_token(form), "name": "Twice", "permissions": ["purchase"]})
    monkeypatch.undo()
    page = page_html(client.get(response.location))
    assert "A role with that name already exists." in page
    assert "The role Twice is created" not in page
    with app.app_context():
        assert db.session.scalar(select(Role).where(Role.name == "Twice")) is None


def test_an_invitation_whose_role_was_deleted_is_still_accepted_as_buyer(app):
    from models.invitations import accept_invitation, invite

    with app.app_context():
        anna = f.user(ANNA)
        from models.roles import create_role

        role = create_role(anna.company, actor=f.actor(anna), name="Temp", permissions=["purchase"])
        invitation = invite(anna.company, "temp@acme.example", role, actor=f.actor(anna))
        token = models.invitations._new_token(invitation)
        db.session.flush()
        db.session.execute(Invitation.__table__.update().where(Invitation.id == invitation.id).values(role_id=None))
        db.session.expire_all()
        user = accept_invitation(token, first_name="T", last_name="Emp", password="a-long-password",
                                 confirm="a-long-password")
        assert [r.key for r in user.roles] == ["buyer"]


def _commits_or_rollbacks(folder: str) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in {"commit", "rollback"}:
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_no_view_commits_or_rolls_back_by_hand():
    assert _commits_or_rollbacks("portal") == []
    assert _commits_or_rollbacks("backoffice") == []


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_model_layer_imports_neither_jobs_nor_the_app_nor_the_request():
    """models/ is called by every door; it must not depend on any of them (DESIGN.md §1 and §5)."""
    for path in sorted((ROOT / "models").glob("*.py")):
        imported = _imports(path)
        assert not imported & {"jobs", "app", "portal", "backoffice", "security", "edge"}, path.name
        source = path.read_text()
        assert "flask_login" not in source and "from flask import request" not in source, path.name
