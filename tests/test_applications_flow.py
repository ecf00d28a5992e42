"""Company applications in the back office: the worklist, hold / accept / reject, history, refusals."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from extensions import db
from models.companies import Company
from models.permissions import BuiltinRole, StaffRole
from models.staff import StaffUser
from models.users import CompanyUser
from models.workflow_engine import get_workflow, transition
from models.workflows import WorkflowHistory
from tests import factories as f
from tests.backoffice_forms import (
    APPLICATIONS,
    TRANSITION,
    application_details,
    filter_arg,
    fire_from_page,
    follow,
    get_application,
    reason_options,
    submit_demo_application,
    transition_form,
)
from tests.helpers import count_queries, csrf_token, flashes, login, mail_link, outbox, text


def test_worklist_filters_by_state_with_the_workflow_labels(app, login_as):
    held = submit_demo_application(app, company_name="Hold Co", email="h@hold.example")
    submit_demo_application(app)
    with app.app_context():
        transition(get_application(app, held), "hold", actor=f.actor(f.staff("admin@atrium.example")))
        db.session.commit()
    client = login_as("admin@atrium.example")
    page = client.get(APPLICATIONS).get_data(as_text=True)
    assert {"Hooli", "Hold Co", "Umbrella Supplies"} <= set(re.findall(r'details/\?id=\d+[^"]*">([^<]+)</a>', page))
    arg = filter_arg(page, "State")
    assert '["on_hold", "On hold"]' in page
    on_hold = text(client.get(f"{APPLICATIONS}?flt0_{arg}=on_hold").get_data(as_text=True))
    assert "Hold Co" in on_hold and "Hooli" not in on_hold and "Umbrella" not in on_hold
    assert "List (1)" in on_hold
    new = text(client.get(f"{APPLICATIONS}?flt0_{arg}=new").get_data(as_text=True))
    assert "Hooli" in new and "Umbrella Supplies" in new and "Hold Co" not in new


def test_hold_with_a_reason_from_the_list_mails_the_contact_and_shows_in_history(app, login_as):
    application_id = submit_demo_application(app)
    client = login_as("admin@atrium.example")
    html = application_details(client, application_id)
    assert "Incomplete information" in reason_options(html, "hold")
    response = fire_from_page(client, application_id, "hold", reason="Incomplete information", comment="Send your VAT id.")
    page = follow(client, response)
    assert "The application of Hooli is now On hold. Gavin Belson is told by mail." in flashes(page)
    history = text(page.split('data-testid="history"')[1].split("</ul>")[0])
    assert "New → On hold" in history and "Reason: Incomplete information" in history
    assert "Send your VAT id." in history and "Ada Administrator" in history
    with app.app_context():
        assert get_application(app, application_id).state == "on_hold"
        mail = outbox("gavin@hooli.example", "application_on_hold")
        assert len(mail) == 1 and mail[0].subject == "Your Atrium application is on hold"


def test_accept_creates_an_active_company_and_the_invitation_makes_the_contact_account_admin(app, login_as):
    application_id = submit_demo_application(app)
    client = login_as("admin@atrium.example")
    page = follow(client, fire_from_page(client, application_id, "accept"))
    assert ("Hooli is accepted: the company is created and Gavin Belson is invited as Account Admin "
            "(gavin@hooli.example).") in flashes(page)
    with app.app_context():
        company = f.company("Hooli")
        assert company.status == "active" and company.shop.code == "atrium-us" and company.vat_id == "US-99"
        assert [(a.kind, a.city, a.is_default) for a in company.addresses] == [("billing", "Mountain View", True)]
        assert get_application(app, application_id).company_id == company.id
        company_id = company.id
        mail = outbox("gavin@hooli.example", "invitation")
        assert len(mail) == 1 and "Hooli" in mail[0].subject
        link = mail_link("gavin@hooli.example", "/invitations/")
    assert f'href="/admin/companies/details/?id={company_id}"' in page

    invitee = app.test_client()
    form_page = invitee.get(link)
    assert form_page.status_code == 200 and "Join Hooli" in form_page.get_data(as_text=True)
    token = csrf_token(form_page.get_data(as_text=True))
    response = invitee.post(link, data={"csrf_token": token, "first_name": "Gavin", "last_name": "Belson",
                                        "password": "hooli-secret-1", "confirm": "hooli-secret-1"})
    assert response.status_code == 302 and response.location.endswith("/")
    with app.app_context():
        user = f.user("gavin@hooli.example")
        assert user.company_id == company_id and user.has_role(BuiltinRole.ACCOUNT_ADMIN)
        assert user.has_role(BuiltinRole.BUYER)
    assert invitee.get(link).status_code == 410  # single use
    assert login(app.test_client(), "gavin@hooli.example", "hooli-secret-1").status_code == 302
    company_page = text(client.get(f"/admin/companies/details/?id={company_id}").get_data(as_text=True))
    assert "Gavin Belson · gavin@hooli.example" in company_page


def test_reject_mails_the_reason_picked_from_the_list(app, login_as):
    application_id = submit_demo_application(app)
    client = login_as("support@atrium.example")
    page = follow(client, fire_from_page(client, application_id, "reject", reason="Outside our sales regions",
                                         comment="We do not ship to your region yet."))
    assert "The application of Hooli is now Rejected. Gavin Belson is told by mail." in flashes(page)
    assert "No further steps from this status." in text(page)
    with app.app_context():
        assert get_application(app, application_id).state == "rejected"
        assert f.company("Hooli") is None
        mail = outbox("gavin@hooli.example", "application_rejected")
        assert len(mail) == 1 and mail[0].subject == "Your Atrium application was not accepted"
        assert "Reason: Outside our sales regions." in mail[0].body_text
        assert "We do not ship to your region yet." in mail[0].body_text


def test_reject_without_a_reason_is_refused_and_nothing_changes(app, login_as):
    application_id = submit_demo_application(app)
    client = login_as("admin@atrium.example")
    data = transition_form(application_details(client, application_id), "reject")
    assert data["reason_id"] == ""
    page = follow(client, client.post(TRANSITION, data=data))
    assert "Pick a reason for this step." in flashes(page)
    with app.app_context():
        assert get_application(app, application_id).state == "new"
        assert outbox("gavin@hooli.example", "application_rejected") == []


@pytest.mark.parametrize("raw_reason", ["999999", "abc"])
def test_a_reason_not_in_the_list_is_refused(app, login_as, raw_reason):
    application_id = submit_demo_application(app)
    client = login_as("admin@atrium.example")
    data = dict(transition_form(application_details(client, application_id), "reject"), reason_id=raw_reason)
    page = follow(client, client.post(TRANSITION, data=data))
    assert "That reason is not one of the reasons for “Reject”." in flashes(page)
    with app.app_context():
        assert get_application(app, application_id).state == "new"


def test_history_lists_every_change_in_order(app, login_as):
    application_id = submit_demo_application(app)
    client = login_as("admin@atrium.example")
    fire_from_page(client, application_id, "hold", comment="Checking the register.")
    fire_from_page(client, application_id, "reopen")
    fire_from_page(client, application_id, "hold")
    page = follow(client, fire_from_page(client, application_id, "accept"))
    history = text(page.split('data-testid="history"')[1].split("</ul>")[0])
    moves = re.findall(r"(New|On hold|Accepted) → (New|On hold|Accepted)", history)
    assert moves == [("New", "On hold"), ("On hold", "New"), ("New", "On hold"), ("On hold", "Accepted")]
    assert "Checking the register." in history
    with app.app_context():
        rows = db.session.scalars(select(WorkflowHistory).where(WorkflowHistory.subject_id == application_id,
                                                                WorkflowHistory.subject_type == "company_application")).all()
        assert [r.transition_key for r in rows] == ["hold", "reopen", "hold", "accept"]
        assert {r.audit_event.actor_label for r in rows} == {"Ada Administrator <admin@atrium.example>"}


def test_a_move_not_possible_from_the_current_state_is_refused(app, login_as):
    application_id = submit_demo_application(app)
    client = login_as("admin@atrium.example")
    data = transition_form(application_details(client, application_id), "accept")
    follow(client, client.post(TRANSITION, data=data))
    page = follow(client, client.post(TRANSITION, data=data))  # a second click, e.g. from a stale tab
    assert "This application was already moved to Accepted by someone else; nothing was changed." in flashes(page)
    current = dict(data, state="accepted")  # the page as it is now offers no accept: a hand-made request
    page = follow(client, client.post(TRANSITION, data=current))
    assert "“Accept” is not possible while the application is Accepted." in flashes(page)
    page = follow(client, client.post(TRANSITION, data=dict(current, transition="frobnicate")))
    assert "“frobnicate” is not possible while the application is Accepted." in flashes(page)
    with app.app_context():
        assert db.session.scalar(select(func.count(Company.id)).where(Company.name == "Hooli")) == 1
        assert len(outbox("gavin@hooli.example", "invitation")) == 1


def test_accept_refused_when_the_contact_already_has_an_account_changes_nothing(app, login_as):
    application_id = submit_demo_application(app)
    with app.app_context():
        get_application(app, application_id).email = "ben.buyer@acme.example"  # signed up meanwhile
        db.session.commit()
    client = login_as("admin@atrium.example")
    page = follow(client, fire_from_page(client, application_id, "accept"))
    assert "ben.buyer@acme.example is already a member of another company." in flashes(page)
    with app.app_context():
        assert get_application(app, application_id).state == "new"
        assert f.company("Hooli") is None
        assert db.session.scalars(select(WorkflowHistory).where(
            WorkflowHistory.subject_id == application_id,
            WorkflowHistory.subject_type == "company_application")).all() == []


def _catalog_manager(app) -> None:
    with app.app_context():
        from models.auth import hash_password

        staff = StaffUser(email="cat@atrium.example", name="Cat Catalog", password_hash=hash_password("atrium-demo"))
        staff.roles = [StaffRole.CATALOG_MANAGER]
        db.session.add(staff)
        db.session.commit()


def test_staff_without_the_permission_get_403_on_transitions(app, client):
    application_id = submit_demo_application(app)
    _catalog_manager(app)
    assert login(client, "cat@atrium.example", path="/admin/login/").status_code == 302
    token = csrf_token(client.get("/admin/login/", follow_redirects=True).get_data(as_text=True))
    assert client.get(f"{APPLICATIONS}details/?id={application_id}").status_code == 403
    response = client.post(TRANSITION, data={"csrf_token": token, "id": application_id, "transition": "accept"})
    assert response.status_code == 403
    with app.app_context():
        assert get_application(app, application_id).state == "new" and f.company("Hooli") is None


def test_a_transition_limited_to_another_permission_is_403_for_support(app, login_as):
    application_id = submit_demo_application(app)
    with app.app_context():
        for transition in get_workflow("company_application").transitions:
            if transition.key == "accept":
                transition.permission = "manage_workflows"
        db.session.commit()
    client = login_as("support@atrium.example")
    html = application_details(client, application_id)
    assert 'value="accept"' not in html and 'value="hold"' in html
    data = dict(transition_form(html, "hold"), transition="accept")
    response = client.post(TRANSITION, data=data)
    assert response.status_code == 403
    assert "Your roles do not allow this step." in response.get_data(as_text=True)
    with app.app_context():
        assert get_application(app, application_id).state == "new" and f.company("Hooli") is None


def test_unknown_application_is_404_and_a_missing_csrf_token_is_refused(app, login_as):
    application_id = submit_demo_application(app)
    client = login_as("admin@atrium.example")
    data = transition_form(application_details(client, application_id), "accept")
    assert client.post(TRANSITION, data=dict(data, id="999999")).status_code == 404
    assert client.post(TRANSITION, data=dict(data, id="")).status_code == 404
    assert client.get(f"{APPLICATIONS}details/?id=999999").status_code in (302, 404)
    response = client.post(TRANSITION, data={k: v for k, v in data.items() if k != "csrf_token"})
    assert response.status_code == 400
    assert "sent without its security token" in response.get_data(as_text=True)
    with app.app_context():
        assert get_application(app, application_id).state == "new"


def test_worklist_runs_a_flat_number_of_statements(app, login_as):
    client = login_as("admin@atrium.example")
    client.get(APPLICATIONS)
    with count_queries(app) as small:
        assert client.get(APPLICATIONS).status_code == 200
    for n in range(6):
        submit_demo_application(app, company_name=f"Bulk {n}", email=f"bulk{n}@bulk.example")
    with count_queries(app) as large:
        page = client.get(APPLICATIONS).get_data(as_text=True)
    assert "Bulk 5" in page
    assert len(large) == len(small), (len(small), len(large))


def test_the_new_company_page_shows_the_contacts_pending_invitation(app, login_as):
    """Until the contact accepts, the company has no members and one pending admin invitation."""
    application_id = submit_demo_application(app)
    client = login_as("admin@atrium.example")
    fire_from_page(client, application_id, "accept")
    with app.app_context():
        company = f.company("Hooli")
        assert db.session.scalar(select(func.count(CompanyUser.id)).where(CompanyUser.company_id == company.id)) == 0
    page = text(client.get(f"/admin/companies/details/?id={company.id}").get_data(as_text=True))
    assert "gavin@hooli.example" in page and "No account admin yet; see the pending invitations." in page


def test_each_step_offers_only_its_own_reasons_and_destructive_steps_look_so(app, login_as):
    application_id = submit_demo_application(app)
    client = login_as("admin@atrium.example")
    html = application_details(client, application_id)
    assert set(reason_options(html, "reject")) == {
        "Company could not be verified", "Incomplete information", "Not a business customer",
        "Outside our sales regions", "Duplicate application"}
    assert set(reason_options(html, "hold")) == {"Company could not be verified", "Incomplete information"}
    assert reason_options(html, "accept") == {}  # no rejection reasons when accepting
    assert re.search(r'class="btn btn-sm btn-outline-danger" type="submit">Reject → Rejected', html)
    assert re.search(r'class="btn btn-sm btn-success" type="submit">Accept → Accepted', html)


def test_a_reason_of_another_step_is_refused_and_nothing_moves(app, login_as):
    application_id = submit_demo_application(app)
    client = login_as("admin@atrium.example")
    html = application_details(client, application_id)
    data = dict(transition_form(html, "accept"), reason_id=reason_options(html, "reject")["Duplicate application"])
    page = follow(client, client.post(TRANSITION, data=data))
    assert "That reason is not one of the reasons for “Accept”." in flashes(page)
    with app.app_context():
        assert get_application(app, application_id).state == "new"
