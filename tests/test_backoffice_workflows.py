"""The workflow definition editor: states, reasons and transitions are data the engine follows."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from models.workflow_engine import get_workflow
from models.workflows import WorkflowState, WorkflowTransition
from tests import factories as f
from tests.backoffice_forms import (
    TRANSITION,
    application_details,
    fire_from_page,
    follow,
    form_values,
    get_application,
    reason_options,
    submit_demo_application,
    transition_form,
)
from tests.helpers import flashes, text

TRANSITIONS = "/admin/transitions/"


def _workflow_id(app) -> int:
    with app.app_context():
        workflow = get_workflow("company_application")
        db.session.commit()
        return workflow.id


def _state_ids(app) -> dict[str, int]:
    with app.app_context():
        return {s.key: s.id for s in get_workflow("company_application").states}


def _edit_url(app) -> str:
    return f"/admin/workflows/edit/?id={_workflow_id(app)}"


def _definition_form(client, app) -> dict[str, str]:
    return form_values(client.get(_edit_url(app)).get_data(as_text=True))


def _next_index(data: dict, prefix: str) -> int:
    return 1 + max(int(k.split("-")[1]) for k in data if k.startswith(prefix + "-"))


def add_state(client, app, key: str, label: str, **extra):
    """Add a state on the workflow's edit form, as the "Add State" button does."""
    data = _definition_form(client, app)
    n = _next_index(data, "states")
    data.update({f"states-{n}-key": key, f"states-{n}-label": label, f"states-{n}-position": str(n)})
    data.update({f"states-{n}-{name}": value for name, value in extra.items()})
    return client.post(_edit_url(app), data=data)


def add_transition(client, app, **fields):
    """Create a transition on the Transitions form; ``from_state``/``to_state`` are state keys."""
    data = form_values(client.get(f"{TRANSITIONS}new/").get_data(as_text=True))
    states = _state_ids(app)
    fields["from_state"] = str(states[fields["from_state"]])
    fields["to_state"] = str(states[fields["to_state"]])
    data.update(fields)
    return client.post(f"{TRANSITIONS}new/", data=data)


def _transition_id(app, key: str, from_state: str) -> int:
    with app.app_context():
        workflow = get_workflow("company_application")
        return next(t.id for t in workflow.transitions if t.key == key and t.from_state.key == from_state)


def test_staff_without_manage_workflows_cannot_open_the_editor(app, login_as):
    client = login_as("support@atrium.example")
    assert client.get("/admin/workflows/").status_code == 403
    assert client.get(TRANSITIONS).status_code == 403
    assert client.get(_edit_url(app)).status_code == 403


def test_the_editor_lists_states_transitions_and_reasons(app, login_as):
    client = login_as("admin@atrium.example")
    page = text(client.get("/admin/workflows/").get_data(as_text=True))
    assert "Company application New, On hold, Accepted, Rejected 6 transitions 5" in page
    transitions = text(client.get(f"{TRANSITIONS}?flt0_workflow_equals={_workflow_id(app)}").get_data(as_text=True))
    assert "List (6)" in transitions and "application.accept" in transitions


def test_a_custom_state_and_transitions_added_in_the_back_office_are_fired_by_the_engine(app, login_as):
    client = login_as("admin@atrium.example")
    page = follow(client, add_state(client, app, "credit_check", "Credit check"))
    assert "Record was successfully saved." in flashes(page)
    follow(client, add_transition(client, app, key="check_credit", label="Check credit", from_state="new",
                                  to_state="credit_check", permission="manage_companies"))
    follow(client, add_transition(client, app, key="accept", label="Accept", from_state="credit_check",
                                  to_state="accepted", permission="manage_companies", side_effect="application.accept"))
    application_id = submit_demo_application(app)
    worklist = client.get("/admin/applications/").get_data(as_text=True)
    assert '["credit_check", "Credit check"]' in worklist
    page = follow(client, fire_from_page(client, application_id, "check_credit", comment="Waiting for the agency."))
    assert "The application of Hooli is now Credit check." in flashes(page)
    assert 'data-testid="state">Credit check<' in page
    assert "New → Credit check" in text(page)
    assert 'value="reject"' not in page  # nothing defined from the new state but accept
    page = follow(client, fire_from_page(client, application_id, "accept"))
    assert "Credit check → Accepted" in text(page)
    with app.app_context():
        assert get_application(app, application_id).state == "accepted"
        assert f.company("Hooli").status == "active"
    listing = text(client.get("/admin/applications/?flt0_state_equals=credit_check").get_data(as_text=True))
    assert "Hooli" not in listing


def test_editing_a_transitions_permission_changes_who_may_fire_it(app, login_as):
    client = login_as("admin@atrium.example")
    url = f"{TRANSITIONS}edit/?id={_transition_id(app, 'hold', 'new')}"
    data = form_values(client.get(url).get_data(as_text=True))
    assert data["permission"] == "manage_companies"
    follow(client, client.post(url, data=dict(data, permission="manage_workflows")))
    with app.app_context():
        assert db.session.get(WorkflowTransition, _transition_id(app, "hold", "new")).permission == "manage_workflows"
    application_id = submit_demo_application(app)
    client.post("/admin/logout/", data={"csrf_token": data["csrf_token"]})
    support = login_as("support@atrium.example")
    html = application_details(support, application_id)
    assert 'value="hold"' not in html and 'value="accept"' in html
    response = support.post(TRANSITION, data=dict(transition_form(html, "accept"), transition="hold"))
    assert response.status_code == 403
    with app.app_context():
        assert get_application(app, application_id).state == "new"


def test_the_permission_list_says_which_staff_roles_hold_each_permission(app, login_as):
    client = login_as("admin@atrium.example")
    html = client.get(f"{TRANSITIONS}new/").get_data(as_text=True)
    assert "Staff: Edit workflows (Administrator)" in html
    assert "Staff: Manage companies and applications (Administrator, Support, Sales representative)" in html


def test_reasons_are_edited_in_the_back_office(app, login_as):
    client = login_as("admin@atrium.example")
    data = _definition_form(client, app)
    n = _next_index(data, "reasons")
    retired = next(k for k, v in data.items() if v == "Duplicate application").replace("-label", "-active")
    data.pop(retired)
    data.update({f"reasons-{n}-label": "  Sanctions list match ", f"reasons-{n}-active": "y"})
    follow(client, client.post(_edit_url(app), data=data))
    application_id = submit_demo_application(app)
    offered = reason_options(application_details(client, application_id), "reject")
    assert "Sanctions list match" in offered and "Duplicate application" not in offered
    page = follow(client, fire_from_page(client, application_id, "reject", reason="Sanctions list match"))
    assert "Reason: Sanctions list match" in text(page)


@pytest.mark.parametrize("key, label, extra, message", [
    ("Credit Check!", "Credit check", {}, "The state key “Credit Check!” is not valid"),
    ("credit_check", "", {}, "This field is required."),
    ("on_hold", "Again", {}, "The state key “on_hold” is used twice."),
    ("credit_check", "Credit check", {"initial": "y"}, "Mark exactly one state as the initial state"),
])
def test_a_bad_state_is_refused_with_a_clear_message(app, login_as, key, label, extra, message):
    client = login_as("admin@atrium.example")
    response = add_state(client, app, key, label, **extra)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert any(message in m for m in flashes(html)) or message in html, flashes(html)
    with app.app_context():
        assert [s.key for s in get_workflow("company_application").states] == ["new", "on_hold", "accepted", "rejected"]


def test_a_state_key_cannot_change_and_a_used_state_cannot_be_removed(app, login_as):
    client = login_as("admin@atrium.example")
    data = _definition_form(client, app)
    renamed = next(k for k, v in data.items() if v == "on_hold")
    response = client.post(_edit_url(app), data=dict(data, **{renamed: "paused"}))
    assert any("The key of the state “on_hold” cannot change" in m for m in flashes(response.get_data(as_text=True)))
    index = renamed.split("-")[1]
    response = client.post(_edit_url(app), data=dict(data, **{f"del-states-{index}": "y"}))
    assert any("is used by" in m and "transition(s); delete those first." in m
               for m in flashes(response.get_data(as_text=True)))
    with app.app_context():
        assert [s.key for s in get_workflow("company_application").states] == ["new", "on_hold", "accepted", "rejected"]


def test_a_reason_listed_twice_or_blank_is_refused(app, login_as):
    client = login_as("admin@atrium.example")
    data = _definition_form(client, app)
    n = _next_index(data, "reasons")
    response = client.post(_edit_url(app), data=dict(data, **{f"reasons-{n}-label": "Incomplete information"}))
    assert any("The reason “Incomplete information” is listed twice." in m
               for m in flashes(response.get_data(as_text=True)))
    with app.app_context():
        assert len(get_workflow("company_application").reasons) == 5


@pytest.mark.parametrize("fields, message", [
    ({"key": "Hold It", "label": "x", "from_state": "new", "to_state": "on_hold"}, "The transition key “Hold It” is not valid"),
    ({"key": "park", "label": "Park", "from_state": "new", "to_state": "new"}, "A transition must lead to another state."),
    ({"key": "hold", "label": "Hold", "from_state": "new", "to_state": "rejected"}, "“hold” already leaves the state New."),
    ({"key": "park", "label": "Park", "from_state": "new", "to_state": "on_hold", "mail_template": "application_on_hold"},
     "A transition that sends mail needs a mail subject."),
    ({"key": "park", "label": "", "from_state": "new", "to_state": "on_hold"}, "This field is required."),
])
def test_a_bad_transition_is_refused_with_a_clear_message(app, login_as, fields, message):
    client = login_as("admin@atrium.example")
    response = add_transition(client, app, permission="manage_companies", **fields)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert any(message in m for m in flashes(html)) or message in html, flashes(html)
    with app.app_context():
        assert len(get_workflow("company_application").transitions) == 6


def test_a_permission_that_does_not_exist_is_refused(app, login_as):
    client = login_as("admin@atrium.example")
    response = add_transition(client, app, key="park", label="Park", from_state="new", to_state="on_hold",
                              permission="be_the_boss")
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(WorkflowState).where(WorkflowState.key == "park")) is None
        assert len(get_workflow("company_application").transitions) == 6
