"""Booked services in the portal: the list, one booked service's page, rescheduling and cancelling it.

A service is booked at checkout (``models.services.book_services``); who sees
which booked services follows the services triad (``models.scopes``): their
own, their business unit's, their company's. A booked service can be moved or
cancelled while it is scheduled and ahead (``BookedService.changeable``); the
operations say no otherwise. Times are read and shown in UTC.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from flask import abort, flash, redirect, render_template, request, url_for

from edge import attempt
from models.base import utcnow
from models.permissions import Perm
from models.services import (
    BOOKED_LABELS,
    EARLIEST_HOURS,
    BookedService,
    booked_list,
    cancel_service,
    reschedule_service,
    whose_choices,
)
from paging import paginate
from portal import bp
from portal.people_forms import ConfirmForm
from security import can, company_login_required, current_actor, get_visible_or_404, permission_required

PER_PAGE = 25
LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")
NOT_A_TIME = "That is not a date and time; use the date and time picker, or write it as 2026-03-31T09:30."


def read_service_time(raw: str | None) -> datetime | None:
    """The time of a ``datetime-local`` input, read as UTC; None when empty. ValueError (with a message for
    the person) when it is not a date and time."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not LOCAL_TIME.match(raw):
        raise ValueError(NOT_A_TIME)
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=timezone.utc)
    except ValueError:
        raise ValueError(NOT_A_TIME) from None


def earliest_input() -> str:
    """The earliest time a service may be booked for, as a ``datetime-local`` value (the picker's ``min``)."""
    return (utcnow() + timedelta(hours=EARLIEST_HOURS, minutes=5)).strftime("%Y-%m-%dT%H:%M")


def _scope_label() -> str:
    if can(Perm.VIEW_COMPANY_SERVICES):
        return "your company's booked services"
    if can(Perm.VIEW_BUSINESS_UNIT_SERVICES):
        return "your booked services and those of your business unit"
    return "your booked services"


@bp.route("/services")
@company_login_required
def services():
    search = (request.args.get("q") or "").strip()[:100]
    state = (request.args.get("state") or "")[:20]
    state = state if state in BOOKED_LABELS else ""
    upcoming = request.args.get("upcoming") == "1"
    actor = current_actor()
    choices = whose_choices(actor)
    whose = request.args.get("whose") if request.args.get("whose") in choices else ""
    page = paginate(booked_list(actor, search=search, state=state, upcoming=upcoming, whose=whose), PER_PAGE,
                    counted=False)
    args = {key: value for key, value in (("q", search), ("state", state), ("upcoming", "1" if upcoming else ""),
                                          ("whose", whose)) if value}
    return render_template("portal/services/list.html", page=page, args=args, search=search, state=state,
                           upcoming=upcoming, states=BOOKED_LABELS, scope=_scope_label(), whose=whose,
                           whose_choices=choices)


@bp.route("/services/<int:booked_id>")
@company_login_required
def booked_service(booked_id: int):
    booked = get_visible_or_404(BookedService, booked_id)
    return render_template("portal/services/details.html", booked=booked,
                           changeable=booked.changeable(utcnow()), may_change=can(Perm.PURCHASE),
                           earliest=earliest_input())


@bp.route("/services/<int:booked_id>/reschedule", methods=["POST"])
@permission_required(Perm.PURCHASE)
def booked_service_reschedule(booked_id: int):
    booked = get_visible_or_404(BookedService, booked_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        when = read_service_time(request.form.get("scheduled_at"))
    except ValueError as error:
        flash(str(error), "danger")
        return redirect(url_for("portal.booked_service", booked_id=booked.id))
    with attempt():
        reschedule_service(booked, when, actor=current_actor())
        flash(f"{booked.product_name} ({booked.order_number}) is now on "
              f"{booked.scheduled_at:%d %b %Y at %H:%M} UTC.", "success")
    return redirect(url_for("portal.booked_service", booked_id=booked.id))


@bp.route("/services/<int:booked_id>/cancel", methods=["POST"])
@permission_required(Perm.PURCHASE)
def booked_service_cancel(booked_id: int):
    booked = get_visible_or_404(BookedService, booked_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with attempt():
        cancel_service(booked, actor=current_actor())
        flash(f"{booked.product_name} ({booked.order_number}) is cancelled.", "success")
    return redirect(url_for("portal.booked_service", booked_id=booked.id))
