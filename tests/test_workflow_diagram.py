"""Each workflow is drawn as a diagram on its back office page: every state a box, every transition an arrow."""
from __future__ import annotations

import re

from markupsafe import escape

from backoffice.diagram import columns, workflow_svg
from models.workflow_engine import get_workflow
from tests.helpers import login


def test_the_inquiry_workflow_is_laid_out_from_its_initial_state(app):
    with app.app_context():
        workflow = get_workflow("inquiry_general")
        layout = [[s.key for s in column] for column in columns(workflow)]
        assert layout == [["pending"], ["in_review", "canceled"], ["approved", "rejected"]]
        svg = str(workflow_svg(workflow))
        assert svg.count("<rect") == 5 + 3  # five states, the three final ones drawn double
        assert svg.count("marker-end") == len(workflow.transitions)
        for t in workflow.transitions:
            assert f">{escape(t.label)}</text>" in svg
        assert "<script" not in svg and "href" not in svg


def test_a_state_no_transition_reaches_is_drawn_last(app):
    from extensions import db
    from models.workflows import WorkflowState

    with app.app_context():
        workflow = get_workflow("inquiry_general")
        workflow.states.append(WorkflowState(key="parked", label="Parked", position=99))
        db.session.flush()
        assert [s.key for s in columns(workflow)[-1]] == ["parked"]


def test_staff_see_the_diagram_on_the_workflow_page(app, client):
    with app.app_context():
        workflow_id = get_workflow("quote").id
    login(client, "admin@atrium.example", path="/admin/login/")
    html = client.get(f"/admin/workflows/details/?id={workflow_id}").get_data(as_text=True)
    assert 'role="img"' in html and re.search(r"<title[^>]*>Quote: Send the offer: Waiting for our answer to "
                                              r"Answered", html)


def test_staff_move_every_item_out_of_a_state_and_each_history_says_so(app, client):
    from sqlalchemy import select

    from extensions import db
    from models.inquiries import Inquiry
    from models.workflows import WorkflowHistory
    from tests.helpers import csrf_token, flashes

    with app.app_context():
        workflow = get_workflow("inquiry_general")
        pending = db.session.scalars(select(Inquiry.id).where(Inquiry.workflow_id == workflow.id,
                                                               Inquiry.state == "pending")).all()
        workflow_id = workflow.id
    assert pending
    login(client, "admin@atrium.example", path="/admin/login/")
    page = client.get(f"/admin/workflows/details/?id={workflow_id}").get_data(as_text=True)
    assert "Move items between states" in page and 'data-confirm="Move every item' in page
    data = {"csrf_token": csrf_token(page), "id": workflow_id, "from_state": "pending", "to_state": "canceled"}
    done = client.post("/admin/workflows/move/", data=data, follow_redirects=True).get_data(as_text=True)
    assert f"{len(pending)} item{'' if len(pending) == 1 else 's'} moved from Pending to Canceled." in flashes(done)
    with app.app_context():
        moved = db.session.scalars(select(Inquiry).where(Inquiry.id.in_(pending))).all()
        assert {i.state for i in moved} == {"canceled"} and all(i.closed_at is not None for i in moved)
        history = db.session.scalars(select(WorkflowHistory).where(WorkflowHistory.subject_type == "inquiry",
                                                                   WorkflowHistory.transition_key == "moved_by_staff"))
        assert {h.subject_id for h in history} == set(pending)
    again = client.post("/admin/workflows/move/", data=data, follow_redirects=True).get_data(as_text=True)
    assert "No item is in the state “Pending”." in flashes(again)
    same = client.post("/admin/workflows/move/", data=dict(data, to_state="pending"), follow_redirects=True)
    assert "Choose another state to move the items to." in flashes(same.get_data(as_text=True))


def test_only_workflow_editors_move_items(app, client):
    from tests.helpers import csrf_token

    with app.app_context():
        workflow_id = get_workflow("inquiry_general").id
    login(client, "support@atrium.example", path="/admin/login/")
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    response = client.post("/admin/workflows/move/", data={"csrf_token": token, "id": workflow_id,
                                                           "from_state": "pending", "to_state": "canceled"})
    assert response.status_code == 403
