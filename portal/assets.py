"""Assets in the portal: the list, an asset's page (schedule, documents, service history), and managing them.

Who sees which asset follows the assets triad (``models.scopes``); another asset reads as missing (404).
Users with "Manage assets" record and change assets and add or remove their documents; the rules live in
``models.assets`` and ``models.files``, these views load, call the operation and report.
"""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField, widgets

from edge import attempt, read_uploads, takes_files
from extensions import db
from models.asset_services import book_for_asset, bookable_services, bookings_of
from models.assets import (
    NAME_LENGTH,
    NOTE_LENGTH,
    REFERENCE_LENGTH,
    SERIAL_LENGTH,
    STATUS_LABELS,
    Asset,
    AssetStatus,
    add_asset_files,
    asset_list,
    create_asset,
    get_asset,
    update_asset,
)
from models.companies import units_to_offer
from models.file_checks import ACCEPT_ATTRIBUTE
from models.files import CATEGORY_LABELS, delete_file, files_of_asset, reachable_file
from models.inquiries import Inquiry, inquiry_list
from models.permissions import Perm
from models.quotes import today
from models.workflows import Workflow
from paging import paginate
from portal import bp
from portal.cart_session import current_cart
from portal.people_forms import ConfirmForm
from security import MAX_ID, can, company_login_required, current_actor, current_company, permission_required

PER_PAGE = 25
HISTORY_ROWS = 20
MAX_UPLOADS = 10
#: what ``update_asset`` reports as changed, in plain words and in the form's order
CHANGED_WORDS = {"name": "name", "serial_number": "serial number", "reference": "reference", "status": "status",
                 "business units": "business units", "maintenance_months": "maintenance interval",
                 "next_maintenance_on": "next maintenance date", "note": "note"}
IMAGE_ACCEPT = ".jpg,.jpeg,.png,.heic,.heif,image/jpeg,image/png,image/heic"


class AssetForm(FlaskForm):
    """An asset's fields; every rule is checked by ``create_asset`` / ``update_asset``."""

    name = StringField("Name")
    serial_number = StringField("Serial number (optional)")
    reference = StringField("Your reference (optional)")
    status = SelectField("Status", choices=list(STATUS_LABELS.items()), validate_choice=False)
    units = SelectMultipleField("Business units", validate_choice=False, coerce=str,
                                widget=widgets.ListWidget(prefix_label=False),
                                option_widget=widgets.CheckboxInput())
    maintenance_months = StringField("Maintenance every … months (optional)")
    next_maintenance_on = StringField("Next maintenance (optional)")
    note = TextAreaField("Note (optional)")


class UploadForm(FlaskForm):
    """Documents for an asset: what kind they are; the files themselves are read with ``read_uploads``."""

    category = SelectField("Kind of document", choices=list(CATEGORY_LABELS.items()), validate_choice=False)


# --- loading ----------------------------------------------------------------------------


def _asset(asset_id: int) -> Asset:
    """An asset the signed-in person may see, with its units and picture; any other id is a 404."""
    found = get_asset(asset_id, current_actor()) if asset_id <= MAX_ID else None
    if found is None:
        abort(404)
    return found


def _values(form: AssetForm) -> dict:
    """The form's fields as the operations take them (a date that does not parse is passed on, refused there)."""
    raw_date = (form.next_maintenance_on.data or "").strip()
    try:
        next_due = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        next_due = raw_date
    return {"name": form.name.data, "serial_number": form.serial_number.data, "reference": form.reference.data,
            "status": form.status.data, "maintenance_months": (form.maintenance_months.data or "").strip(),
            "next_maintenance_on": next_due, "note": form.note.data}


def _saved(asset: Asset, changed: list[str]) -> str:
    """What saving the form did, in words: "Saved “Press”: changed its name and status."."""
    if not changed:
        return f"Nothing was changed: “{asset.name}” is as it was."
    words = [CHANGED_WORDS[key] for key in CHANGED_WORDS if key in changed]
    words += [key.replace("_", " ") for key in changed if key not in CHANGED_WORDS]
    listed = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
    return f"Saved “{asset.name}”: changed its {listed}."


def _form_page(form: AssetForm, asset: Asset | None = None):
    units, more_units = units_to_offer(current_actor().company_id, chosen=form.units.data or ())
    form.units.choices = [(str(unit.id), unit.name) for unit in units]
    lengths = {"name": NAME_LENGTH, "serial_number": SERIAL_LENGTH, "reference": REFERENCE_LENGTH,
               "note": NOTE_LENGTH}
    return render_template("portal/assets/form.html", form=form, asset=asset, lengths=lengths, more_units=more_units,
                           image_accept=IMAGE_ACCEPT), 400 if request.method == "POST" else 200


# --- the list and an asset's page -------------------------------------------------------


@bp.route("/assets")
@company_login_required
def assets():
    search = (request.args.get("q") or "").strip()[:100]
    status = request.args.get("status") or ""
    status = status if status in STATUS_LABELS else ""
    unit_id = request.args.get("unit", type=int)
    units, more_units = units_to_offer(current_actor().company_id, chosen=[unit_id] if unit_id else ())
    unit_id = unit_id if any(unit.id == unit_id for unit in units) else None
    page = paginate(asset_list(current_actor(), search=search, status=status, unit_id=unit_id), PER_PAGE,
                    counted=False)
    filters = {key: value for key, value in (("q", search), ("status", status), ("unit", unit_id)) if value}
    return render_template("portal/assets/list.html", page=page, search=search, status=status, unit_id=unit_id,
                           units=units, more_units=more_units, statuses=STATUS_LABELS, filters=filters, today=today())


def service_history(asset: Asset) -> list[Inquiry]:
    """The newest inquiries about ``asset`` that the signed-in person may see, with their workflows' states."""
    query = (inquiry_list(current_actor()).where(Inquiry.asset_id == asset.id).limit(HISTORY_ROWS)
             .options(selectinload(Inquiry.workflow).selectinload(Workflow.states)))
    return db.session.scalars(query).all()


def _may_book(asset: Asset) -> bool:
    return can(Perm.PURCHASE) and asset.status != AssetStatus.RETIRED.value


@bp.route("/assets/<int:asset_id>")
@company_login_required
def asset(asset_id: int):
    found = _asset(asset_id)
    services = bookable_services(current_company().shop, today()) if _may_book(found) else []
    return render_template("portal/assets/details.html", asset=found, documents=files_of_asset(found.id),
                           history=service_history(found), bookings=bookings_of(found, current_actor(), HISTORY_ROWS),
                           services=services, today=today(), upload=UploadForm(),
                           accept=ACCEPT_ATTRIBUTE, image_accept=IMAGE_ACCEPT, max_uploads=MAX_UPLOADS)


@bp.route("/assets/<int:asset_id>/book", methods=["POST"])
@permission_required(Perm.PURCHASE)
def asset_book(asset_id: int):
    """Put a service product in the cart for this asset; checkout books it and the asset's history shows it."""
    found = _asset(asset_id)
    if not ConfirmForm().validate_on_submit():
        flash("The form could not be read; try again.", "danger")
        return redirect(url_for("portal.asset", asset_id=found.id))
    with attempt():
        line = book_for_asset(current_cart(create=True), found.id, (request.form.get("product_id") or "")[:20],
                              actor=current_actor())
        flash(f"{line.product.name} for {found.name} is in your cart: choose the service point and time there, "
              "then place the order.", "success")
        return redirect(url_for("portal.cart"))
    return redirect(url_for("portal.asset", asset_id=found.id) + "#book")


# --- recording and changing -------------------------------------------------------------


@bp.route("/assets/new", methods=["GET", "POST"])
@takes_files(1)
@permission_required(Perm.MANAGE_ASSETS)
def asset_new():
    form = AssetForm()
    if form.validate_on_submit():
        with attempt(form):
            actor = current_actor()
            created = create_asset(current_company(), actor=actor, unit_ids=form.units.data, **_values(form))
            picture = read_uploads(request.files.getlist("picture"))
            if picture:
                add_asset_files(created, picture, actor=actor, as_image=True)
            flash(f"The asset “{created.name}” is recorded.", "success")
            return redirect(url_for("portal.asset", asset_id=created.id))
    return _form_page(form)


@bp.route("/assets/<int:asset_id>/edit", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_ASSETS)
def asset_edit(asset_id: int):
    found = _asset(asset_id)
    form = AssetForm(obj=found if request.method == "GET" else None)
    if request.method == "GET":
        form.units.data = [str(a.business_unit_id) for a in found.assignments]
        form.maintenance_months.data = "" if found.maintenance_months is None else str(found.maintenance_months)
        form.next_maintenance_on.data = found.next_maintenance_on.isoformat() if found.next_maintenance_on else ""
    elif form.validate_on_submit():
        with attempt(form):
            changed = update_asset(found, actor=current_actor(), unit_ids=form.units.data, **_values(form))
            flash(_saved(found, changed), "success" if changed else "info")
            return redirect(url_for("portal.asset", asset_id=found.id))
        found = _asset(asset_id)  # as it was: the refusal rolled the session back
    return _form_page(form, found)


@bp.route("/assets/<int:asset_id>/files", methods=["POST"])
@takes_files(MAX_UPLOADS)
@permission_required(Perm.MANAGE_ASSETS)
def asset_files(asset_id: int):
    found, form = _asset(asset_id), UploadForm()
    if not form.validate_on_submit():
        abort(400)
    as_image = bool(request.form.get("picture"))
    with attempt():
        rows = add_asset_files(found, read_uploads(request.files.getlist("files")), actor=current_actor(),
                               category=form.category.data or "other", as_image=as_image)
        flash(f"“{rows[0].name}” is the asset's picture now." if as_image
              else f"Uploaded {len(rows)} document(s): {', '.join(row.name for row in rows)}.", "success")
    return redirect(url_for("portal.asset", asset_id=found.id))


@bp.route("/assets/<int:asset_id>/files/<int:file_id>/delete", methods=["POST"])
@permission_required(Perm.MANAGE_ASSETS)
def asset_file_delete(asset_id: int, file_id: int):
    found = _asset(asset_id)
    document = reachable_file(file_id, current_actor()) if file_id <= MAX_ID else None
    if document is None or document.asset_id != found.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        name = document.name
        with attempt():
            delete_file(document, actor=current_actor())
            flash(f"“{name}” is deleted.", "success")
    return redirect(url_for("portal.asset", asset_id=found.id))
