"""Inquiries in the portal: the list, an inquiry's page with the customer's steps, and sending one.

An inquiry is sent from three places: the inquiries list ("Create inquiry": a general one), an asset's page
(``?type=asset&asset=<id>``) and an order's page ("Claim": ``?type=order_claim&order=<id>``). Every rule (the
kind, the lengths, the asset or order being one the author may see, the files) is checked by
``models.inquiries.create_inquiry``; a step (the author cancelling while it is Pending) by the workflow engine.
Who sees which inquiry follows the inquiries triad (``models.scopes``); any other id reads as missing (404).
Staff's internal notes are the back office's: no page here reads them.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload, selectinload
from wtforms import MultipleFileField, SelectField, StringField, TextAreaField

from edge import attempt, read_uploads, takes_files
from extensions import db
from models.assets import Asset, asset_list
from models.base import DomainError
from models.file_checks import ACCEPT_ATTRIBUTE
from models.files import files_of_inquiry
from models.inquiries import (
    DESCRIPTION_LENGTH,
    SUBJECT_LENGTH,
    Inquiry,
    create_inquiry,
    inquiry_list,
    inquiry_states,
    inquiry_types,
)
from models.orders import Order, OrderFilters, Period, order_history
from models.permissions import Perm
from models.scopes import get_visible
from models.workflow_engine import history_of, offered_transitions, transition, workflow_of
from models.workflows import Workflow
from paging import paginate
from portal import bp
from portal.people_forms import ConfirmForm
from security import MAX_ID, can, company_login_required, current_actor, current_company, permission_required

PER_PAGE = 25
SEARCH_LENGTH = 100
CHOICES = 50  # the newest orders (and the first assets) a form offers: a bounded list
DONE = {"cancel": "Inquiry {reference} is canceled."}


class InquiryForm(FlaskForm):
    """What an inquiry asks; every rule is checked by ``create_inquiry``."""

    type = SelectField("Kind of inquiry", validate_choice=False)
    asset = SelectField("Asset", validate_choice=False)
    order = SelectField("Order", validate_choice=False)
    subject = StringField("Subject")
    description = TextAreaField("Description")
    files = MultipleFileField("Files (optional)")


def _scope_label() -> str:
    if can(Perm.VIEW_COMPANY_INQUIRIES):
        return "your company's inquiries"
    if can(Perm.VIEW_BUSINESS_UNIT_INQUIRIES):
        return "your inquiries and those of your business unit"
    return "your inquiries"


# --- the list and an inquiry's page -----------------------------------------------------


@bp.route("/inquiries")
@company_login_required
def inquiries():
    kinds, states = inquiry_types(active_only=False), inquiry_states()
    type_id = request.args.get("type", type=int)
    type_id = type_id if any(kind.id == type_id for kind in kinds) else None
    state = request.args.get("state") or ""
    state = state if any(key == state for key, _ in states) else ""
    search = (request.args.get("q") or "").strip()[:SEARCH_LENGTH]
    query = inquiry_list(current_actor(), type_id=type_id, state=state, search=search).options(
        joinedload(Inquiry.asset), joinedload(Inquiry.order),
        selectinload(Inquiry.workflow).selectinload(Workflow.states))
    filters = {key: value for key, value in (("q", search), ("type", type_id), ("state", state)) if value}
    return render_template("portal/inquiries/list.html", page=paginate(query, PER_PAGE, counted=False), kinds=kinds,
                           states=states, type_id=type_id, state=state, search=search, filters=filters,
                           scope=_scope_label())


def _inquiry(inquiry_id: int) -> Inquiry:
    """An inquiry the signed-in person may see; any other id (another company's, a colleague's) is a 404."""
    found = get_visible(Inquiry, inquiry_id, current_actor()) if inquiry_id <= MAX_ID else None
    if found is None:
        abort(404)
    return found


@bp.route("/inquiries/<int:inquiry_id>")
@company_login_required
def inquiry(inquiry_id: int):
    found, actor = _inquiry(inquiry_id), current_actor()
    asset = get_visible(Asset, found.asset_id, actor) if found.asset_id else None
    order = get_visible(Order, found.order_id, actor) if found.order_id else None
    return render_template("portal/inquiries/details.html", inquiry=found, workflow=workflow_of(found),
                           history=history_of(found), moves=offered_transitions(found, actor=actor), files=files_of_inquiry(found.id),
                           asset=asset, order=order, mine=found.owner_id == actor.customer_id)


@bp.route("/inquiries/<int:inquiry_id>/move", methods=["POST"])
@company_login_required
def inquiry_move(inquiry_id: int):
    found = _inquiry(inquiry_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    step = (request.form.get("step") or "")[:40]
    expected = (request.form.get("expected_state") or "")[:40] or None
    with attempt():
        if expected in (None, found.state) and not any(
                t.key == step and t.from_state.key == found.state for t in workflow_of(found).transitions):
            raise DomainError(_not_offered(found, step))  # (a step of the state but not theirs: a 403)
        move = transition(found, step, actor=current_actor(), expected_state=expected)
        flash(DONE.get(move.key, "Inquiry {reference} is {state} now.").format(
            reference=found.reference, state=move.to_state.label), "success")
    return redirect(url_for("portal.inquiry", inquiry_id=found.id))


def _not_offered(inquiry: Inquiry, step: str) -> str:
    """Why a step cannot be taken now, in words: what the inquiry is now and when the step was possible."""
    workflow = workflow_of(inquiry)
    now = workflow.label_of(inquiry.state)
    elsewhere = [t for t in workflow.transitions if t.key == step]
    if not elsewhere:
        return f"Inquiry {inquiry.reference} is {now}: there is no such step. Nothing was changed."
    when = " or ".join(sorted({t.from_state.label for t in elsewhere}))
    return (f"Inquiry {inquiry.reference} is {now}, so “{elsewhere[0].label}” is not possible any more "
            f"(only while it is {when}). Nothing was changed.")


# --- sending one ------------------------------------------------------------------------


def _choices(form: InquiryForm, kinds) -> None:
    """The kinds, the person's assets and newest orders (with the one the link named, if they may see it)."""
    actor = current_actor()
    form.type.choices = [(kind.key, kind.name) for kind in kinds]
    assets = db.session.scalars(asset_list(actor).limit(CHOICES)).all()
    orders = db.session.scalars(order_history(actor, OrderFilters(period=Period.ALL.value)).limit(CHOICES)).all()
    wanted = form.asset.data or ""
    if wanted.isdigit() and int(wanted) <= MAX_ID and all(str(a.id) != wanted for a in assets):
        assets += [a for a in [get_visible(Asset, int(wanted), actor)] if a is not None]
    wanted = form.order.data or ""
    if wanted.isdigit() and int(wanted) <= MAX_ID and all(str(o.id) != wanted for o in orders):
        orders += [o for o in [get_visible(Order, int(wanted), actor)] if o is not None]
    form.asset.choices = [("", "Choose an asset")] + [(str(a.id), _asset_label(a)) for a in assets]
    form.order.choices = [("", "Choose an order")] + [
        (str(o.id), f"{o.number} · {o.placed_at.strftime('%d %b %Y')}") for o in orders]


def _asset_label(asset: Asset) -> str:
    return f"{asset.name} ({asset.serial_number})" if asset.serial_number else asset.name


def _unknown_links(form: InquiryForm) -> None:
    """A link that named an asset or order the person may not see: say so (the form offers theirs)."""
    for field, noun in ((form.asset, "asset"), (form.order, "order")):
        if field.data and all(value != field.data for value, _ in field.choices):
            field.errors = [f"That {noun} is not one of yours; choose one from the list."]
            field.data = ""


@bp.route("/inquiries/new", methods=["GET", "POST"])
# One file more than allowed may arrive, so that a sixth file is refused by name, not by its size.
@takes_files(lambda: current_app.config["INQUIRY_MAX_FILES"] + 1)
@permission_required(Perm.CREATE_INQUIRIES)
def inquiry_new():
    kinds = inquiry_types()
    needs = {kind.key: kind.needs for kind in kinds}  # (read now: a refusal rolls the session back)
    form = InquiryForm(data={"type": request.args.get("type") or "general", "asset": request.args.get("asset"),
                             "order": request.args.get("order")} if request.method == "GET" else None)
    _choices(form, kinds)
    if form.validate_on_submit():
        with attempt(form):
            created = create_inquiry(
                current_company(), actor=current_actor(), type_key=form.type.data or "",
                subject=form.subject.data, description=form.description.data, asset_id=form.asset.data or None,
                order_id=form.order.data or None, uploads=read_uploads(request.files.getlist("files")))
            flash(f"Inquiry {created.reference} is sent: we will answer soon and mail you when it is decided.",
                  "success")
            return redirect(url_for("portal.inquiry", inquiry_id=created.id))
    elif request.method == "GET":
        _unknown_links(form)
    return render_template("portal/inquiries/form.html", form=form, needs=needs, accept=ACCEPT_ATTRIBUTE,
                           max_files=current_app.config["INQUIRY_MAX_FILES"], subject_length=SUBJECT_LENGTH,
                           description_length=DESCRIPTION_LENGTH), 400 if request.method == "POST" else 200

