"""The workflow engine, driven through company applications."""
import pytest
from sqlalchemy import select

from extensions import db
from models.applications import CompanyApplication, submit_application
from models.base import DomainError, NotPermitted
from models.invitations import Invitation
from models.staff import StaffUser
from models.workflow_engine import available_transitions, get_workflow, history_of, transition
from models.workflows import WorkflowState, WorkflowTransition
from tests import factories as f
from tests.helpers import outbox

APPLICATION = {
    "company_name": "Hooli", "first_name": "Gavin", "last_name": "Belson", "email": "gavin@hooli.example",
    "line1": "1 Hooli Way", "postal_code": "94043", "city": "Mountain View", "country": "us",
}


def _apply(data=None):
    application = submit_application(f.shop("atrium-us"), dict(APPLICATION, **(data or {})))
    db.session.flush()
    return application


def test_application_starts_new_and_mails_contact_and_staff(app):
    with app.app_context():
        application = _apply()
        assert application.state == "new" and application.country == "US"
        assert [m.template for m in outbox("gavin@hooli.example")] == ["application_received"]
        assert [m.template for m in outbox("admin@atrium.example")].count("staff_new_application") == 2  # Umbrella + Hooli


def test_accept_creates_active_company_and_invites_contact_as_admin(app):
    with app.app_context():
        application = _apply()
        transition(application, "accept", actor=f.actor(f.staff("admin@atrium.example")))
        company = application.company
        assert company.name == "Hooli" and company.status == "active"
        assert [a.city for a in company.addresses] == ["Mountain View"]
        invitation = db.session.scalar(select(Invitation).where(Invitation.email == "gavin@hooli.example"))
        assert invitation.role.key == "account_admin" and invitation.company_id == company.id
        assert "invitation" in [m.template for m in outbox("gavin@hooli.example")]
        assert [(h.from_state, h.to_state) for h in history_of(application)] == [("new", "accepted")]


def test_reject_needs_a_reason_and_mails_it(app):
    with app.app_context():
        application = _apply()
        admin = f.staff("admin@atrium.example")
        with pytest.raises(DomainError, match="Pick a reason"):
            transition(application, "reject", actor=f.actor(admin))
        assert application.state == "new"
        reason = get_workflow("company_application").reasons[0]
        transition(application, "reject", actor=f.actor(admin), reason_id=reason.id, comment="Please call us.")
        assert application.state == "rejected"
        mail = [m for m in outbox("gavin@hooli.example") if m.template == "application_rejected"]
        assert len(mail) == 1 and reason.label in mail[0].body_text and "Please call us." in mail[0].body_text


def test_moves_that_do_not_exist_or_are_not_allowed_are_refused(app):
    with app.app_context():
        application = _apply()
        admin = f.staff("admin@atrium.example")
        with pytest.raises(DomainError, match="not possible"):
            transition(application, "reopen", actor=f.actor(admin))
        with pytest.raises(NotPermitted):
            transition(application, "hold", actor=f.actor(_catalog_manager()))
        transition(application, "hold", actor=f.actor(admin))
        transition(application, "accept", actor=f.actor(admin))
        with pytest.raises(DomainError, match="not possible"):
            transition(application, "accept", actor=f.actor(admin))
        assert len(history_of(application)) == 2


def test_reason_from_another_list_is_refused(app):
    with app.app_context():
        application = _apply()
        with pytest.raises(DomainError, match="not one of the reasons"):
            transition(application, "reject", actor=f.actor(f.staff("admin@atrium.example")), reason_id=999999)
        assert application.state == "new"


def test_custom_state_and_transition_are_data(app):
    with app.app_context():
        workflow = get_workflow("company_application")
        review = WorkflowState(key="credit_check", label="Credit check", position=9)
        workflow.states.append(review)
        db.session.flush()
        workflow.transitions.append(WorkflowTransition(
            key="check_credit", label="Check credit", from_state=workflow.state("new"), to_state=review,
            permission="manage_companies",
        ))
        db.session.flush()
        application = _apply()
        admin = f.staff("admin@atrium.example")
        assert "check_credit" in [t.key for t in available_transitions(application, actor=f.actor(admin))]
        transition(application, "check_credit", actor=f.actor(admin))
        assert application.state == "credit_check"


def _catalog_manager():
    manager = StaffUser(email="cat@atrium.example", name="Cat Alog")
    manager.roles = ["catalog_manager"]
    return manager


@pytest.mark.parametrize("email", ["admin@atrium.example", "support@atrium.example", "agent@atrium.example"])
def test_staff_with_company_rights_see_the_moves_from_new(app, email):
    with app.app_context():
        application = _apply()
        keys = {t.key for t in available_transitions(application, actor=f.actor(f.staff(email)))}
        assert keys == {"hold", "accept", "reject"}
        assert available_transitions(application, actor=f.actor(_catalog_manager())) == []


def test_a_second_open_application_or_a_known_address_files_nothing_and_mails_the_owner(app):
    with app.app_context():
        first = _apply()
        assert _apply({"company_name": "Hooli Two"}) is None
        assert _apply({"email": "ben.buyer@acme.example"}) is None
        assert db.session.scalar(select(db.func.count(CompanyApplication.id)).where(
            CompanyApplication.email.in_(["gavin@hooli.example", "ben.buyer@acme.example"]))) == 1
        assert [m.template for m in outbox("gavin@hooli.example")] == ["application_received", "application_already_open"]
        assert [m.template for m in outbox("ben.buyer@acme.example")] == ["sign_up_known_address"]
        assert first.open_email == "gavin@hooli.example"


def test_a_decided_application_frees_the_address_for_a_new_one(app):
    with app.app_context():
        first = _apply()
        transition(first, "reject", actor=f.actor("admin@atrium.example"),
                   reason_id=get_workflow("company_application").reasons[0].id)
        assert first.open_email is None
        second = _apply({"company_name": "Hooli Two"})
        assert second is not None and second.open_email == "gavin@hooli.example"


@pytest.mark.parametrize("field,value,message", [
    ("company_name", " ", "company name"),
    ("email", "not-an-email", "not a valid e-mail"),
    ("country", "Germany", "two-letter country code"),
])
def test_bad_application_input(app, field, value, message):
    with app.app_context():
        before = db.session.scalar(select(db.func.count(CompanyApplication.id)))
        with pytest.raises(DomainError, match=message):
            _apply({field: value})
        assert db.session.scalar(select(db.func.count(CompanyApplication.id))) == before
