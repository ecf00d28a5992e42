"""A property-based test of the workflow engine: random steps by random people find no illegal state.

Hypothesis drives a fresh subject of the test world (an inquiry of each type, an order, a quote) through a
random sequence of ``transition(subject, key, actor=..., reason_id=..., expected_state=...)`` calls: the
actor drawn from support, the sales representative (no inquiry permission), the author Ben, Rita acting for
Ben, his colleague Anna, Gina of Globex and the system; the key from every step of the subject's workflow and
one that does not exist. After each call:

- the subject's state is a state of its workflow, on the row as on the object;
- a move happened exactly when it was offered to the actor (``offered_transitions``), the state the person saw
  was still the state and the reason was one the step takes; it was one of ``available_transitions`` from the
  prior state and went to that step's state;
- a refused move (``DomainError``, ``NotPermitted``) changed neither the state nor the history;
- a customer moves only their own subject, a staff member only with the staff permission the step names, and
  nobody moves a subject out of a final state.

At the end the history holds one entry per move, each with its from/to chained from the start state to the
current one and pointing at its audit event, and the author got one mail per move that mails.
Each example runs in a savepoint that is rolled back.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from extensions import db
from models.actors import SYSTEM
from models.base import DomainError, NotPermitted
from models.inquiries import Inquiry, create_inquiry
from models.mail import OutboxMessage
from models.permissions import StaffPerm
from models.quotes import request_quote_for_lines, today
from models.workflow_engine import (
    actor_may,
    available_transitions,
    get_workflow,
    history_of,
    offered_transitions,
    transition,
    workflow_of,
)
from models.workflows import WorkflowHistory
from tests import factories as f

BEN, ANNA, GINA = "ben.buyer@acme.example", "anna.admin@acme.example", "gina.admin@globex.example"
SUPPORT, REP = "support@atrium.example", "agent@atrium.example"
ACTORS = ("support", "sales rep", "author", "agent for the author", "colleague", "other company", "system")
SUBJECTS = ("general inquiry", "asset inquiry", "order claim", "order", "quote")
BOGUS = "teleport"
OFFERED, ANY = "one offered to the actor", "any step"  # offered ones let a short run go deep


# --- the subjects and the people -----------------------------------------------------------------

def _inquiry(type_key: str) -> Inquiry:
    """A new inquiry of Ben's, about the asset or order of the world's inquiries of that type."""
    about = {"asset": {"asset_id": db.session.get(Inquiry, 2).asset_id},
             "order_claim": {"order_id": db.session.get(Inquiry, 3).order_id}}.get(type_key, {})
    return create_inquiry(f.company("Acme Industrial"), actor=f.actor(BEN), type_key=type_key,
                          subject="Random walk", description="Driven by hypothesis.", **about)


def _quote():
    """A new quote request of Ben's, its prices already filled in, so that support may send the offer."""
    quote, _ = request_quote_for_lines(f.company("Acme Industrial"), [("DRILL-500", "2")], actor=f.actor(BEN))
    quote.valid_until = today() + timedelta(days=30)
    for line in quote.lines:
        line.quoted_price = Decimal("99.00")
    db.session.flush()
    return quote


def _subject(kind: str):
    if kind == "order":
        ben = f.user(BEN)
        return f.OrderFactory(company=ben.company, owner=ben, business_unit_id=ben.business_unit_id)
    if kind == "quote":
        return _quote()
    return _inquiry({"general inquiry": "general", "asset inquiry": "asset", "order claim": "order_claim"}[kind])


def _actors() -> dict:
    ben, rep = f.actor(BEN), f.actor(REP)
    return {"support": f.actor(SUPPORT), "sales rep": rep, "author": ben, "agent for the author": rep.emulating(ben),
            "colleague": f.actor(ANNA), "other company": f.actor(GINA), "system": SYSTEM}


def _foreign_reason_id(workflow) -> int:
    """A reason of another workflow: never one this subject's steps take."""
    return next(r.id for r in get_workflow("company_application").reasons if r.workflow_id != workflow.id)


# --- what is observed ----------------------------------------------------------------------------

def _stored_state(subject) -> str:
    return db.session.scalar(select(type(subject).state).where(type(subject).id == subject.id))


def _history_count(subject) -> int:
    return db.session.scalar(select(func.count(WorkflowHistory.id)).where(
        WorkflowHistory.subject_type == subject.subject_type, WorkflowHistory.subject_id == subject.id))


def _mails_to_ben() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient == BEN))


# --- one step and its properties -----------------------------------------------------------------

def _arguments(subject, workflow, actor, key_choice, reason_choice, seen_choice) -> tuple[str, int | None, str | None]:
    """The call's key, reason and the state the person saw: an offered step as its button sends it, or anything."""
    pool, index = key_choice
    if pool == OFFERED:
        offered = offered_transitions(subject, actor=actor)
        if offered:
            move = offered[index % len(offered)]
            return move.key, _fitting_reason(workflow, move) if move.requires_reason else None, subject.state
    keys = sorted({t.key for t in workflow.transitions}) + [BOGUS]
    reason_id = {"none": None, "fitting": workflow.reasons[0].id if workflow.reasons else None,
                 "foreign": _foreign_reason_id(workflow)}[reason_choice]
    stale = next(s.key for s in workflow.states if s.key != subject.state)
    seen = {"none": None, "current": subject.state, "stale": stale}[seen_choice]
    return keys[index % len(keys)], reason_id, seen


def _fitting_reason(workflow, move) -> int:
    return next(r.id for r in workflow.reasons if r.fits(move))


def _may_succeed(offered: dict, key: str, reason_id, seen, before: str, workflow) -> bool:
    """What the engine promises: an offered step, the state still the one seen, a reason the step takes."""
    move = offered.get(key)
    if move is None or seen not in (None, before):
        return False
    if reason_id is None:
        return not move.requires_reason
    return any(r.id == reason_id and r.fits(move) for r in workflow.reasons)


def _step(subject, workflow, who: str, actor, choices, moves: list) -> None:
    """Fire one step and check every property of a single move."""
    key, reason_id, seen = _arguments(subject, workflow, actor, *choices)
    before, history_before = subject.state, _history_count(subject)
    available = {t.key: t for t in available_transitions(subject, actor=actor)}
    offered = {t.key: t for t in offered_transitions(subject, actor=actor)}
    expected = _may_succeed(offered, key, reason_id, seen, before, workflow)
    try:
        move = transition(subject, key, actor=actor, reason_id=reason_id, comment=f"{who}: {key}",
                          expected_state=seen)
    except DomainError as refused:  # NotPermitted is one
        assert not expected, f"{who} was offered {key!r} from {before!r} but was refused: {refused.message}"
        assert isinstance(refused, NotPermitted) == _lacks_permission(workflow, actor, key, before, seen, subject), (
            f"{who} refused {key!r} from {before!r}: {type(refused).__name__}: {refused.message}")
        assert (subject.state, _stored_state(subject), _history_count(subject)) == (before, before, history_before)
    else:
        assert expected, f"{who} moved {key!r} from {before!r} without it being offered"
        assert workflow.state(before).final is False, f"{who} moved the subject out of the final state {before!r}"
        assert available.get(key) is move and move.from_state.key == before
        assert subject.state == _stored_state(subject) == move.to_state.key
        assert _history_count(subject) == history_before + 1
        _check_who(subject, who, actor, move)
        moves.append(move)
    assert workflow.state(subject.state) is not None, f"{subject.state!r} is not a state of {workflow.key}"


def _lacks_permission(workflow, actor, key: str, before: str, seen, subject) -> bool:
    """The step exists from here and the person saw this state, but their roles do not allow it, or they are
    of another company than the subject (a 403)."""
    move = next((t for t in workflow.transitions if t.key == key and t.from_state.key == before), None)
    other_company = actor.acts_as_customer and actor.company_id != subject.company_id
    return move is not None and seen in (None, before) and (not actor_may(actor, move.permission) or other_company)


def _check_who(subject, who: str, actor, move) -> None:
    """A customer moves only their own subject; staff only with the staff permission the step names."""
    assert who != "other company"
    if actor.acts_as_customer:
        assert actor.customer_id == subject.owner_id, f"{who} moved someone else's {subject.subject_noun}"
    elif actor.acts_as_staff:
        assert StaffPerm(move.permission) in actor.permissions, f"{who} moved without {move.permission}"


def _check_history(subject, start: str, moves: list) -> None:
    """One history entry per move, chained from the start state to the current one, each with its audit event."""
    entries = history_of(subject)
    assert [(e.transition_key, e.from_state, e.to_state) for e in entries] == [
        (m.key, m.from_state.key, m.to_state.key) for m in moves]
    assert [e.from_state for e in entries] == ([start] + [e.to_state for e in entries])[:len(entries)]
    assert (entries[-1].to_state if entries else start) == subject.state
    assert all(e.audit_event.action == "workflow.moved" for e in entries)


def _check_final(subject, workflow, actors: dict) -> None:
    """A final state has no way out, for anyone, in the definition as in the engine."""
    if workflow.state(subject.state).final:
        assert not [t for t in workflow.transitions if t.from_state.key == subject.state]
        assert all(available_transitions(subject, actor=a) == [] for a in actors.values())


STEPS = st.lists(st.tuples(
    st.sampled_from(ACTORS),
    st.tuples(st.sampled_from((ANY, OFFERED)), st.integers(min_value=0, max_value=15)),
    st.sampled_from(("none", "fitting", "foreign")),
    st.sampled_from(("none", "current", "stale")),
), min_size=6, max_size=25)


@settings(max_examples=100, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kind=st.sampled_from(SUBJECTS), steps=STEPS)
def test_random_steps_by_random_people_keep_every_subject_legal(app, kind, steps):
    with app.app_context():
        savepoint = db.session.begin_nested()
        try:
            subject = _subject(kind)
            workflow, actors = workflow_of(subject), _actors()
            start, mails_before, moves = subject.state, _mails_to_ben(), []
            assert start == workflow.initial_state.key
            for who, *choices in steps:
                _step(subject, workflow, who, actors[who], choices, moves)
            _check_history(subject, start, moves)
            _check_final(subject, workflow, actors)
            assert _mails_to_ben() - mails_before == sum(1 for m in moves if m.mail_template)
            event(f"{kind}: {len(moves)} moves, ends {subject.state}")  # see --hypothesis-show-statistics
        finally:
            savepoint.rollback()
