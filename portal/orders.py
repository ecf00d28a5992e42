"""Order history and order pages: search, periods, the scope triad, print and PDF, cancelling."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from edge import attempt
from extensions import db
from models.orders import ORIGIN_LABELS, PERIOD_LABELS, Order, OrderFilters, OrderLine, Period, order_history
from models.permissions import Perm
from models.workflow_engine import available_transitions, get_workflow, history_of, transition, workflow_of
from paging import keyset_page
from portal import bp
from portal.order_pdf import order_pdf
from portal.people_forms import ConfirmForm
from security import can, company_login_required, current_actor, get_visible_or_404

PER_PAGE = 25


def _day(name: str) -> date | None:
    raw = (request.args.get(name) or "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        flash(f"“{raw[:20]}” is not a date; use the date picker or write it as 2026-03-31.", "warning")
        return None


def _filters() -> OrderFilters:
    period = request.args.get("period") or Period.MONTH.value
    if period not in PERIOD_LABELS:
        period = Period.MONTH.value
    return OrderFilters(search=(request.args.get("q") or "").strip()[:100],
                        sku=(request.args.get("sku") or "").strip()[:64], period=period,
                        date_from=_day("from"), date_to=_day("to"), state=(request.args.get("state") or "")[:40])


def _scope_label() -> str:
    if can(Perm.VIEW_COMPANY_ORDERS):
        return "your company's orders"
    if can(Perm.VIEW_BUSINESS_UNIT_ORDERS):
        return "your orders and those of your business unit"
    return "your orders"


@bp.route("/orders")
@company_login_required
def orders():
    filters = _filters()
    page = keyset_page(order_history(current_actor(), filters), Order, PER_PAGE, at="placed_at")
    args = {"q": filters.search, "sku": filters.sku, "period": filters.period, "state": filters.state,
            "from": filters.date_from.isoformat() if filters.date_from else "",
            "to": filters.date_to.isoformat() if filters.date_to else ""}
    return render_template("portal/orders/list.html", page=page, filters=filters,
                           args={k: v for k, v in args.items() if v}, periods=PERIOD_LABELS,
                           workflow=get_workflow("order"), scope=_scope_label())


def _order(order_id) -> Order:
    return get_visible_or_404(Order, order_id)


@bp.route("/orders/<int:order_id>")
@company_login_required
def order(order_id: int):
    order = _order(order_id)
    actor = current_actor()
    moves = [t for t in available_transitions(order, actor=actor)
             if t.key == "withdraw" and order.owner_id == actor.customer_id]  # the buyer cancels their own
    return render_template("portal/orders/details.html", order=order, lines=_lines(order),
                           workflow=workflow_of(order), history=history_of(order), moves=moves,
                           origin=ORIGIN_LABELS.get(order.origin, order.origin), confirm=ConfirmForm(),
                           printing="print" in request.args)


def _lines(order: Order) -> list[OrderLine]:
    return db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)
                              .order_by(OrderLine.position)).all()


@bp.route("/orders/<int:order_id>.pdf")
@company_login_required
def order_as_pdf(order_id: int):
    order = _order(order_id)
    response = make_response(order_pdf(order, _lines(order), workflow_of(order).label_of(order.state)))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="order-{order.number}.pdf"'
    return response


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@company_login_required
def order_cancel(order_id: int):
    order = _order(order_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with attempt():
        transition(order, "withdraw", actor=current_actor(), expected_state=request.form.get("state") or None)
        flash(f"Order {order.number} is cancelled.", "success")
    return redirect(url_for("portal.order", order_id=order.id))

