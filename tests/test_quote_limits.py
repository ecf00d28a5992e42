"""Where quotes stop: expiry with a controlled clock (the job, a quote past its date before the job ran, a
checkout after the date passed), quotes and carts set to repeat not mixing, and who may see and move which quote
(only the requester moves it, other companies see none, the pages need the quotes permission, a step the
customer does not take is refused, accepting fills only the requester's cart).

The world is described in tests/quote_pages.py.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models.base import DomainError
from models.carts import Cart, cart_of
from models.quotes import Quote, expire_quotes
from models.users import RolePermission
from tests import factories as f
from tests.helpers import csrf_token, text
from tests.quote_pages import ANNA, BEN, GINA, _as, _change, _flashed, _move, _numbers, _quote_of, _state
from tests.test_cart import cart_lines
from tests.test_checkout import _checkout

# --- expiry (a controlled clock) -----------------------------------------------------------------

def test_the_job_expires_a_quote_past_its_date_and_the_cart_drops_its_prices(app):
    from jobs.ordering import expire_quotes as expire_job

    ben, quote_id = _as(app, BEN), _quote_of(app, BEN)
    _move(ben, quote_id, "accept", "answered")
    with app.app_context():
        valid_until = db.session.get(Quote, quote_id).valid_until
        assert expire_job(on=valid_until) == 0  # the last day it holds: not yet
        assert expire_job(on=valid_until + timedelta(days=1)) == 1
    page = ben.get(f"/quotes/{quote_id}")
    assert "Quote Q-00001 Expired" in text(page)
    assert f"This quote was valid until {valid_until:%d %B %Y}, so it can no longer be accepted" in text(page)
    assert "</button>" not in page.get_data(as_text=True).split("<main")[1]  # no accept, no "Put in cart again"
    cart = text(ben.get("/cart"))
    assert "Quoted price" not in cart and "119,00 €" in cart  # the products stay, at today's prices
    with app.app_context():
        cart_row = cart_of(f.user(BEN).id)
        assert cart_row.quote_id is None and all(line.quoted_price is None for line in cart_row.lines)
    response = _move(ben, quote_id, "accept", "answered")  # a page from before the job
    assert _flashed(ben, response) == ["This quote was already moved to Expired by someone else; nothing was changed."]


def test_an_answered_quote_past_its_date_cannot_be_accepted_before_the_job_ran(app):
    ben, quote_id = _as(app, BEN), _quote_of(app, BEN)
    last_day = date.today() - timedelta(days=1)
    _change(app, lambda: setattr(db.session.get(Quote, quote_id), "valid_until", last_day))
    page = ben.get(f"/quotes/{quote_id}")
    assert f"This quote was valid until {last_day:%d %B %Y}, so it can no longer be accepted or ordered." in text(page)
    assert "Accept and put in cart" not in page.get_data(as_text=True)
    response = _move(ben, quote_id, "accept", "answered")
    assert _flashed(ben, response) == [f"This quote was valid until {last_day:%-d %B %Y}; ask for a new one."]
    assert _state(app, quote_id) == "answered" and cart_lines(app, BEN) == {"BOLT-M8": 10}
    with app.app_context():
        assert expire_quotes(on=date.today()) == 1
        assert db.session.get(Quote, quote_id).state == "expired"


def test_checkout_refuses_a_quote_whose_date_passed_after_it_was_accepted(app):
    ben, quote_id = _as(app, BEN), _quote_of(app, BEN)
    _move(ben, quote_id, "accept", "answered")
    _change(app, lambda: setattr(db.session.get(Quote, quote_id), "valid_until", date.today() - timedelta(days=1)))
    response = _checkout(app, ben)
    assert response.status_code == 400
    assert "Quote Q-00001 was valid until" in text(response) and _state(app, quote_id) == "accepted"


def _answered_copies(quote_id: int, n: int, valid_until: date) -> list[int]:
    """``n`` answered copies of a quote (without lines: expiring reads none), valid until ``valid_until``."""
    from sqlalchemy import insert

    table = Quote.__table__
    row = db.session.execute(select(table).where(table.c.id == quote_id)).mappings().one()
    copy = {key: value for key, value in row.items() if key != "id"} | {"state": "answered", "valid_until": valid_until}
    return db.session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), [copy] * n).all()


@pytest.mark.parametrize("size", [3, 60])
def test_the_expiry_job_moves_a_batch_in_the_same_statements_at_any_size(app, size):
    """Every quote past its date expires with its history and audit entry, in statements that do not grow
    with the batch: the due quotes, their workflow (four), one UPDATE, the audit events (an INSERT and a
    SELECT of their ids), the history rows, and the carts that held them (two)."""
    from models.audit import AuditEvent
    from models.workflows import WorkflowHistory
    from tests.helpers import count_queries

    with app.app_context():
        last_day = date.today() - timedelta(days=3)
        ids = _answered_copies(_quote_of(app, BEN), size, last_day)
        with count_queries(app) as statements:
            assert expire_quotes(on=date.today()) == size
        assert len(statements) <= 11, "\n".join(s[:100] for s in statements)
        assert set(db.session.scalars(select(Quote.state).where(Quote.id.in_(ids)))) == {"expired"}
        history = db.session.execute(select(WorkflowHistory.subject_id, WorkflowHistory.comment, AuditEvent.action)
                                     .join(AuditEvent).where(WorkflowHistory.subject_type == "quote",
                                                             WorkflowHistory.subject_id.in_(ids))).all()
        assert sorted(history) == [(i, f"Valid until {last_day:%-d %B %Y}.", "workflow.moved") for i in ids]


def test_a_quote_another_step_took_first_is_left_where_it_is(app):
    """The batch was read, then one quote was accepted before the UPDATE: it stays accepted, with no expiry in
    its history, and the others expire."""
    from sqlalchemy import update

    from models.actors import SYSTEM
    from models.workflow_engine import transition_all
    from models.workflows import WorkflowHistory

    with app.app_context():
        ids = _answered_copies(_quote_of(app, BEN), 3, date.today() - timedelta(days=1))
        batch = db.session.scalars(select(Quote).where(Quote.id.in_(ids)).order_by(Quote.id)).all()
        db.session.execute(update(Quote).where(Quote.id == ids[0]).values(state="accepted")
                           .execution_options(synchronize_session=False))
        moved = transition_all(batch, "expire", actor=SYSTEM)
        assert [quote.id for quote in moved] == ids[1:]
        db.session.expire_all()
        assert [db.session.get(Quote, i).state for i in ids] == ["accepted", "expired", "expired"]
        assert db.session.scalars(select(WorkflowHistory.subject_id).where(
            WorkflowHistory.subject_type == "quote", WorkflowHistory.subject_id.in_(ids))).all() == ids[1:]


def test_a_customer_cannot_expire_quotes_through_the_batch(app):
    """Expiring is Atrium's own step: a company user's batch is refused and nothing moves."""
    from models.base import NotPermitted
    from models.workflow_engine import transition_all

    with app.app_context():
        ids = _answered_copies(_quote_of(app, BEN), 2, date.today() - timedelta(days=1))
        batch = db.session.scalars(select(Quote).where(Quote.id.in_(ids))).all()
        with pytest.raises(NotPermitted):
            transition_all(batch, "expire", actor=f.actor(ANNA))
        assert set(db.session.scalars(select(Quote.state).where(Quote.id.in_(ids)))) == {"answered"}


# --- quotes and recurring carts ------------------------------------------------------------------

def _repeat_bens_cart(app) -> None:
    from models.recurring import set_cart_repeat

    def repeat():
        set_cart_repeat(cart_of(f.user(BEN).id), actor=f.actor(BEN), cadence="monthly",
                        start=date.today().isoformat())
    _change(app, repeat)


def test_a_cart_set_to_repeat_takes_no_quote(app):
    _repeat_bens_cart(app)
    ben, quote_id = _as(app, BEN), _quote_of(app, BEN)
    assert _flashed(ben, _move(ben, quote_id, "accept", "answered")) == [
        "Your cart is set to repeat as a recurring order, and quotes and recurring orders do not mix: make the "
        "cart a one-time order first."]
    assert _state(app, quote_id) == "answered"
    response = ben.post("/cart/quote", data={"csrf_token": csrf_token(ben.get("/cart").get_data(as_text=True))})
    assert "quotes and recurring orders do not mix" in _flashed(ben, response)[0]
    assert cart_lines(app, BEN) == {"BOLT-M8": 10} and _quote_of(app, BEN, "requested") is None


def test_a_cart_holding_a_quote_cannot_be_set_to_repeat(app):
    from models.recurring import set_cart_repeat

    ben = _as(app, BEN)
    _move(ben, _quote_of(app, BEN), "accept", "answered")
    with app.app_context():
        cart = cart_of(f.user(BEN).id)
        with pytest.raises(DomainError, match="Your cart holds a quote, and quotes and recurring orders do not mix"):
            set_cart_repeat(cart, actor=f.actor(BEN), cadence="monthly", start=date.today().isoformat())
        db.session.rollback()


# --- who sees and moves which quote --------------------------------------------------------------

def test_only_the_requester_moves_a_quote_and_other_companies_see_none(app):
    ben, anna, gina = _as(app, BEN), _as(app, ANNA), _as(app, GINA)
    ben_quote, anna_quote = _quote_of(app, BEN), _quote_of(app, ANNA)
    assert ben.get(f"/quotes/{anna_quote}").status_code == 404  # Ben sees his own quotes only
    assert _move(ben, anna_quote, "withdraw", "requested").status_code == 404
    page = anna.get(f"/quotes/{ben_quote}")  # Anna sees the company's quotes, but moves only her own
    assert "Only Ben Buyer, who asked for this quote, can accept, decline or withdraw it." in text(page)
    assert "Accept and put in cart" not in page.get_data(as_text=True)
    assert _flashed(anna, _move(anna, ben_quote, "accept", "answered")) == [
        "Only the person who asked for this quote can do that; ask them, or your representative."]
    assert _state(app, ben_quote) == "answered"
    assert set(_numbers(anna.get("/quotes"))) == {"Q-00001", "Q-00002"}
    token = csrf_token(gina.get("/orders").get_data(as_text=True))
    for quote_id in (ben_quote, anna_quote):
        assert gina.get(f"/quotes/{quote_id}").status_code == 404
        assert gina.post(f"/quotes/{quote_id}/move", data={"csrf_token": token, "step": "accept"}).status_code == 404
        assert gina.post(f"/quotes/{quote_id}/cart", data={"csrf_token": token}).status_code == 404
    assert _numbers(gina.get("/quotes")) == [] and "No quotes yet." in text(gina.get("/quotes"))


def test_without_the_quotes_permission_the_pages_are_forbidden(app):
    _change(app, lambda: db.session.execute(RolePermission.__table__.delete().where(
        RolePermission.permission == "manage_own_quotes")))
    ben, quote_id = _as(app, BEN), _quote_of(app, BEN)
    assert ben.get("/quotes").status_code == 403 and ben.get(f"/quotes/{quote_id}").status_code == 403
    token = csrf_token(ben.get("/cart").get_data(as_text=True))
    assert ben.post("/cart/quote", data={"csrf_token": token}).status_code == 403
    assert ben.post(f"/quotes/{quote_id}/move", data={"csrf_token": token, "step": "accept"}).status_code == 403
    assert ben.post(f"/quotes/{quote_id}/cart", data={"csrf_token": token}).status_code == 403
    quick_order = ben.get("/quick-order").get_data(as_text=True)
    assert "Ask for a quote instead" not in quick_order and 'href="/quotes"' not in quick_order
    assert cart_lines(app, BEN) == {"BOLT-M8": 10}


def test_a_step_the_customer_does_not_take_is_refused(app):
    anna = _as(app, ANNA)
    response = _move(anna, _quote_of(app, ANNA), "answer", "requested")
    assert response.status_code == 403 and _state(app, _quote_of(app, ANNA)) == "requested"


def test_the_cart_of_someone_else_is_not_touched_by_a_quote(app):
    """Accepting puts the lines into the requester's own cart, never the one of who clicks."""
    ben = _as(app, BEN)
    _move(ben, _quote_of(app, BEN), "accept", "answered")
    assert cart_lines(app, ANNA) == {"GLOVE-L": 4}
    with app.app_context():
        assert db.session.scalar(select(Cart.quote_id).where(Cart.owner_id == f.user(ANNA).id)) is None
