"""The workflow engine: each subject row names its workflow; tones, guards and recipients are data."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from models.applications import CompanyApplication, submit_application
from models.audit import AuditEvent
from models.base import DomainError
from models.mail import OutboxMessage
from models.workflow_engine import available_transitions, get_workflow, history_of, start, transition
from models.workflows import Workflow, WorkflowState, WorkflowTransition
from tests import factories as f

APPLICATION = {
    "company_name": "Hooli", "first_name": "Gavin", "last_name": "Belson", "email": "gavin@hooli.example",
    "line1": "1 Hooli Way", "postal_code": "94043", "city": "Mountain View", "country": "us",
}


def _apply(**changes) -> CompanyApplication:
    application = submit_application(f.shop("atrium-us"), dict(APPLICATION, **changes))
    db.session.flush()
    return application


def _fast_track() -> Workflow:
    """A second workflow for applications: straight from Received to Approved."""
    workflow = Workflow(key="fast_track", name="Fast track", subject_type="company_application")
    received = WorkflowState(key="received", label="Received", tone="primary", initial=True, position=0)
    approved = WorkflowState(key="approved", label="Approved", tone="success", final=True, position=1)
    workflow.states = [received, approved]
    workflow.transitions = [WorkflowTransition(
        key="approve", label="Approve", from_state=received, to_state=approved, permission="manage_companies",
        side_effect="application.accept", mail_template="application_on_hold", mail_subject="Approved",
        mail_to="contact,staff")]
    db.session.add(workflow)
    db.session.flush()
    return workflow


def test_each_subject_follows_the_workflow_its_row_names(app):
    with app.app_context():
        admin = f.actor("admin@atrium.example")
        usual, fast = _apply(), _apply(email="other@hooli.example", company_name="Hooli Two")
        start(fast, _fast_track())
        assert (usual.workflow.key, usual.state) == ("company_application", "new")
        assert (fast.workflow.key, fast.state) == ("fast_track", "received")
        assert [t.key for t in available_transitions(fast, actor=admin)] == ["approve"]
        with pytest.raises(DomainError, match="not possible"):
            transition(fast, "accept", actor=admin)
        transition(fast, "approve", actor=admin)
        assert fast.state == "approved" and fast.company.name == "Hooli Two"
        assert usual.state == "new"


def test_a_transition_mails_every_recipient_it_names(app):
    with app.app_context():
        application = _apply()
        start(application, _fast_track())
        transition(application, "approve", actor=f.actor("support@atrium.example"))
        db.session.flush()
        approved = {m.recipient for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.subject == "Approved"))}
        # the contact, and every active staff member who may fire the step (administrator, support, agent)
        assert approved == {"gavin@hooli.example", "admin@atrium.example", "support@atrium.example",
                            "agent@atrium.example"}


def test_a_guard_refuses_the_move_with_its_reason_and_nothing_changes(app):
    with app.app_context():
        application = _apply()
        application.email = "ben.buyer@acme.example"  # the contact signed up meanwhile
        with pytest.raises(DomainError, match="already a member of another company"):
            transition(application, "accept", actor=f.actor("admin@atrium.example"))
        assert application.state == "new" and application.company is None
        assert history_of(application) == []


def test_a_move_is_one_audit_event_that_the_history_points_at(app):
    with app.app_context():
        application = _apply()
        agent = f.actor("agent@atrium.example")
        transition(application, "hold", actor=agent, comment="Waiting for the register extract.")
        [entry] = history_of(application)
        assert (entry.from_state, entry.to_state, entry.comment) == ("new", "on_hold", "Waiting for the register extract.")
        event = db.session.get(AuditEvent, entry.audit_event_id)
        assert event.action == "workflow.moved" and event.actor_label == agent.label
        assert event.details == {"workflow": "Company application", "step": "Put on hold", "before": "New",
                                 "after": "On hold", "reason": ""}


def test_the_state_the_person_saw_must_still_be_the_state(app):
    with app.app_context():
        application = _apply()
        admin = f.actor("admin@atrium.example")
        transition(application, "hold", actor=admin)
        with pytest.raises(DomainError, match="already moved to On hold by someone else"):
            transition(application, "accept", actor=admin, expected_state="new")
        assert application.state == "on_hold"


def test_a_step_removed_from_the_definition_while_the_page_was_open_is_refused(app):
    with app.app_context():
        application = _apply()
        workflow = get_workflow("company_application")
        for step in [t for t in workflow.transitions if t.key == "hold"]:
            db.session.delete(step)
        db.session.flush()
        db.session.expire_all()
        with pytest.raises(DomainError, match="“hold” is not possible while the application is New"):
            transition(application, "hold", actor=f.actor("admin@atrium.example"), expected_state="new")
        assert application.state == "new"


def test_a_subject_in_a_state_its_workflow_lost_is_not_moved(app):
    with app.app_context():
        application = _apply()
        application.state = "vanished"
        db.session.flush()
        with pytest.raises(DomainError, match="no longer has"):
            transition(application, "accept", actor=f.actor("admin@atrium.example"))


def test_a_states_tone_is_data_shown_on_its_badge(app, login_as):
    with app.app_context():
        application = _apply()
        state = get_workflow("company_application").state("new")
        state.tone = "danger"
        db.session.commit()
        application_id = application.id
    client = login_as("admin@atrium.example")
    page = client.get(f"/admin/applications/details/?id={application_id}").get_data(as_text=True)
    assert 'class="badge badge-danger" data-testid="state">New<' in page
    listing = client.get("/admin/applications/").get_data(as_text=True)
    assert '<span class="badge badge-danger">New</span>' in listing


def test_a_side_effect_that_refuses_leaves_the_state_and_the_history_as_they_were(app):
    """The move, its record and its side effect stand or fall together."""
    from models.workflows import SIDE_EFFECTS

    def refuse(subject, *, actor, reason, comment):
        raise DomainError("The warehouse says no.")

    SIDE_EFFECTS["test.refuse"] = refuse
    try:
        with app.app_context():
            application = _apply()
            hold = next(t for t in get_workflow("company_application").transitions
                        if t.key == "hold" and t.from_state.key == "new")
            hold.side_effect = "test.refuse"
            db.session.flush()
            with pytest.raises(DomainError, match="The warehouse says no."):
                transition(application, "hold", actor=f.actor("admin@atrium.example"))
            assert application.state == "new"
            db.session.expire(application)
            assert application.state == "new" and history_of(application) == []
            assert db.session.scalar(select(AuditEvent).where(
                AuditEvent.action == "workflow.moved", AuditEvent.target_type == "CompanyApplication",
                AuditEvent.target_id == application.id)) is None
    finally:
        del SIDE_EFFECTS["test.refuse"]


def test_a_customer_of_another_company_cannot_move_a_subject_whatever_the_step_allows(app):
    from models.base import NotPermitted
    from models.inquiries import Inquiry

    with app.app_context():
        inquiry = db.session.scalar(select(Inquiry).where(Inquiry.subject == "Delivery times to Hamburg"))
        cancel = next(t for t in inquiry.workflow.transitions if t.key == "cancel")
        cancel.guard = ""  # an edited workflow that forgot the author-only condition
        db.session.flush()
        with pytest.raises(NotPermitted):
            transition(inquiry, "cancel", actor=f.actor("gina.admin@globex.example"))
        assert inquiry.state == "pending"
