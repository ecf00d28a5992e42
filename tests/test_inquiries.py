"""The inquiry rules of ``models.inquiries``: sending one, the author-only cancel, a new inquiry type with a
copy of a workflow, the resolution kept and mailed, and two moves of one inquiry at the same moment.

The world (tests/world_aftersales.py): Ben's INQ-00001 (general, Pending), INQ-00002 (asset inquiry, In
Review), INQ-00003 (order claim, Approved); Gina's INQ-00004 at Globex.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from models.actors import Actor
from models.assets import Asset
from models.audit import AuditEvent
from models.base import DomainError, NotPermitted
from models.files import File
from models.inquiries import Inquiry, add_inquiry_type, create_inquiry, id_from_reference, inquiry_list
from models.mail import OutboxMessage
from models.orders import Order
from models.staff import StaffUser
from models.users import CompanyUser
from models.workflow_engine import available_transitions, history_of, transition, workflow_of
from models.workflows import WorkflowHistory
from tests import factories as f
from tests.databases import at_once, world_app
from tests.helpers import outbox
from tests.sample_files import PDF, png

BEN, GINA = "ben.buyer@acme.example", "gina.admin@globex.example"
SUPPORT = "support@atrium.example"


def _acme():
    return f.company("Acme Industrial")


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


# --- sending -------------------------------------------------------------------------------------

def test_an_inquiry_starts_pending_with_its_author_unit_and_files(app):
    with app.app_context():
        ben = f.user(BEN)
        inquiry = create_inquiry(_acme(), actor=f.actor(BEN), type_key="general", subject="  Two   words ",
                                 description=" Line one\nLine two ", uploads=[("a.pdf", PDF), ("b.png", png())])
        assert (inquiry.state, inquiry.type.key, inquiry.workflow.key) == ("pending", "general", "inquiry_general")
        assert (inquiry.subject, inquiry.description) == ("Two words", "Line one\nLine two")
        assert (inquiry.owner_id, inquiry.business_unit_id, inquiry.author_email) == (
            ben.id, ben.business_unit_id, BEN)
        assert inquiry.reference == f"INQ-{inquiry.id:05d}" and id_from_reference(inquiry.reference) == inquiry.id
        names = db.session.scalars(select(File.name).where(File.inquiry_id == inquiry.id).order_by(File.id)).all()
        assert names == ["a.pdf", "b.png"]
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "inquiry.created")
                                   .order_by(AuditEvent.id.desc())).first()
        assert event.details["reference"] == inquiry.reference and event.details["files"] == 2


@pytest.mark.parametrize("changes, message", [
    ({"type_key": "nope"}, "Choose the kind of inquiry from the list."),
    ({"subject": ""}, "Write the subject."),
    ({"subject": "s" * 256}, "The subject has at most 255 characters; this has 256."),
    ({"description": "d" * 1001}, "The description has at most 1,000 characters; this has 1,001."),
    ({"type_key": "asset"}, "Choose one of your assets for an asset inquiry."),
    ({"type_key": "order_claim", "order_id": "abc"}, "Choose one of your orders for an order claim."),
    ({"type_key": "asset", "asset_id": str(10**12)}, "Choose one of your assets for an asset inquiry."),
    ({"type_key": "order_claim", "order_id": str(2**31)}, "Choose one of your orders for an order claim."),
    ({"uploads": [("x.png", png())] * 6}, "Attach at most 5 files; you chose 6."),
])
def test_a_refused_inquiry_names_what_is_wrong(app, changes, message):
    with app.app_context():
        values = dict({"type_key": "general", "subject": "Subject", "description": "Words."}, **changes)
        before = (_count(Inquiry), _count(File))
        with pytest.raises(DomainError) as refused:
            create_inquiry(_acme(), actor=f.actor(BEN), **values)
        assert refused.value.message == message
        assert (_count(Inquiry), _count(File)) == before


def test_an_asset_or_order_of_another_company_is_not_one_to_ask_about(app):
    with app.app_context():
        press = db.session.scalar(select(Asset.id).where(Asset.name == "Hydraulic press HP-200"))
        order = db.session.scalar(select(Order.id).where(Order.number == "DE-10000"))
        gina, globex = f.actor(GINA), f.company("Globex")
        with pytest.raises(DomainError, match="Choose one of your assets"):
            create_inquiry(globex, actor=gina, type_key="asset", subject="s", description="d", asset_id=press)
        with pytest.raises(DomainError, match="Choose one of your orders"):
            create_inquiry(globex, actor=gina, type_key="order_claim", subject="s", description="d", order_id=order)


def test_staff_send_no_inquiry_of_their_own_but_an_agent_may_for_a_customer(app):
    with app.app_context():
        with pytest.raises(NotPermitted):
            create_inquiry(_acme(), actor=f.actor(SUPPORT), type_key="general", subject="s", description="d")
        agent = f.actor("agent@atrium.example").emulating(f.actor(BEN))
        inquiry = create_inquiry(_acme(), actor=agent, type_key="general", subject="By phone", description="d")
        assert inquiry.owner_id == f.user(BEN).id and inquiry.author_name == "Ben Buyer"


# --- cancelling: the author only, while Pending ---------------------------------------------------

def test_only_the_author_cancels_while_it_is_pending(app):
    with app.app_context():
        first = db.session.get(Inquiry, 1)
        anna = f.actor("anna.admin@acme.example")
        assert [t.key for t in available_transitions(first, actor=f.actor(BEN))] == ["cancel"]
        with pytest.raises(DomainError, match="Only the person who sent the inquiry can cancel it."):
            transition(first, "cancel", actor=anna)
        assert first.state == "pending" and history_of(first) == []
        with pytest.raises(DomainError, match="not possible"):
            transition(db.session.get(Inquiry, 2), "cancel", actor=f.actor(BEN))
        transition(first, "cancel", actor=f.actor(BEN), expected_state="pending")
        assert first.state == "canceled" and first.closed_at is not None
        [move] = history_of(first)
        assert (move.from_state, move.to_state) == ("pending", "canceled")
        assert outbox(BEN, "inquiry_resolved") == []  # the author cancelled: nobody to tell


def test_an_agent_cancels_for_the_author_and_staff_cancel_for_the_customer(app):
    with app.app_context():
        agent = f.actor("agent@atrium.example").emulating(f.actor(BEN))
        transition(db.session.get(Inquiry, 1), "cancel", actor=agent)
        assert db.session.get(Inquiry, 1).state == "canceled"
        second = create_inquiry(_acme(), actor=f.actor(BEN), type_key="general", subject="s", description="d")
        transition(second, "cancel_for_customer", actor=f.actor(SUPPORT), comment="Answered by phone.")
        assert second.state == "canceled"
        [mail] = outbox(BEN, "inquiry_resolved")
        assert mail.subject == "Your inquiry is canceled"


# --- a new kind of inquiry -----------------------------------------------------------------------

def test_a_new_inquiry_type_gets_its_own_copy_of_a_workflow(app):
    with app.app_context():
        admin = f.actor("admin@atrium.example")
        kind = add_inquiry_type("warranty", "Warranty claim", actor=admin, needs="asset", copy_of="asset")
        source = db.session.scalar(select(Inquiry).where(Inquiry.id == 2)).type.workflow
        copy = kind.workflow
        assert copy.id != source.id and copy.key == "inquiry_warranty" and copy.name == "Inquiry: Warranty claim"
        assert [(s.key, s.label, s.tone) for s in copy.states] == [(s.key, s.label, s.tone) for s in source.states]
        assert sorted((t.key, t.from_state.key, t.to_state.key, t.guard) for t in copy.transitions) == sorted(
            (t.key, t.from_state.key, t.to_state.key, t.guard) for t in source.transitions)
        copy.states[0].label = "Received"  # editing the copy leaves the asset inquiries' workflow alone
        db.session.flush()
        assert source.states[0].label == "Pending"
        press = db.session.scalar(select(Asset.id).where(Asset.name == "Hydraulic press HP-200"))
        inquiry = create_inquiry(_acme(), actor=f.actor(BEN), type_key="warranty", subject="s", description="d",
                                 asset_id=press)
        assert workflow_of(inquiry).id == copy.id and inquiry.state == "pending"
        with pytest.raises(DomainError, match="exists already"):
            add_inquiry_type("warranty", "Again", actor=admin)
        with pytest.raises(NotPermitted):
            add_inquiry_type("other", "Other", actor=f.actor(SUPPORT))


# --- the resolution ------------------------------------------------------------------------------

def test_a_decision_keeps_the_resolution_and_mails_it_to_the_author(app):
    with app.app_context():
        support, inquiry = f.actor(SUPPORT), db.session.get(Inquiry, 2)
        reason = next(r for r in workflow_of(inquiry).reasons if r.fits(
            next(t for t in workflow_of(inquiry).transitions if t.key == "reject")))
        with pytest.raises(DomainError, match="Pick a reason"):
            transition(inquiry, "reject", actor=support)
        transition(inquiry, "reject", actor=support, reason_id=reason.id, comment="Not covered by warranty.")
        assert inquiry.state == "rejected" and inquiry.closed_at is not None
        assert inquiry.resolution == f"{reason.label}\nNot covered by warranty."
        [mail] = outbox(BEN, "inquiry_resolved")
        body = mail.bodies_for_recipient()[0]
        assert mail.subject == "About your inquiry"
        assert "INQ-00002 (Press leaks oil) is now rejected" in body and "Not covered by warranty." in body
        assert "http://localhost/inquiries/2" in body
        assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.template == "inquiry_resolved")) == 1  # the author only


def test_the_list_follows_who_may_see(app):
    with app.app_context():
        ids = {email: db.session.scalars(inquiry_list(f.actor(email))).all() for email in (BEN, GINA)}
        assert [i.reference for i in ids[BEN]] == ["INQ-00003", "INQ-00002", "INQ-00001"]
        assert [i.reference for i in ids[GINA]] == ["INQ-00004"]
        found = db.session.scalars(inquiry_list(f.actor(BEN), search="INQ-00002")).all()
        assert [i.id for i in found] == [2]


# --- two at once ---------------------------------------------------------------------------------

def test_the_author_cancelling_while_staff_start_the_review_makes_one_move(tmp_path):
    with world_app(tmp_path) as app:
        def move(i):
            with app.app_context():
                try:
                    inquiry = db.session.get(Inquiry, 1)
                    if i == 0:
                        actor = Actor.for_company_user(
                            db.session.scalar(select(CompanyUser).where(CompanyUser.email == BEN)))
                        moved = transition(inquiry, "cancel", actor=actor, expected_state="pending")
                    else:
                        actor = Actor.for_staff(db.session.scalar(select(StaffUser).where(StaffUser.email == SUPPORT)))
                        moved = transition(inquiry, "review", actor=actor, expected_state="pending")
                    db.session.commit()
                    return moved.to_state.key
                finally:
                    db.session.remove()

        results = at_once(move)
        refused = [r for r in results if isinstance(r, DomainError)]
        assert len(refused) == 1, results
        winner = next(r for r in results if isinstance(r, str))
        assert "by someone else" in refused[0].message and "nothing was changed" in refused[0].message
        with app.app_context():
            assert db.session.get(Inquiry, 1).state == winner
            assert db.session.scalar(select(func.count(WorkflowHistory.id)).where(
                WorkflowHistory.subject_type == "inquiry", WorkflowHistory.subject_id == 1)) == 1
