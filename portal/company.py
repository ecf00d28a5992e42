"""Company self-service for account admins: company details, business units, address book."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from extensions import db
from models.addresses import (
    add_address,
    address_book_mode,
    can_edit_addresses,
    delete_address,
    format_address,
    read_only_reason,
    update_address,
)
from models.base import DomainError
from models.companies import (
    Address,
    AddressKind,
    BusinessUnit,
    delete_business_unit,
    save_business_unit,
    update_company,
)
from models.permissions import Perm
from models.shops import AddressBookMode, ShopAddress
from portal import bp
from portal.company_forms import (
    TOP_LEVEL,
    AddressForm,
    CompanyForm,
    ConfirmForm,
    UnitForm,
    unit_tree,
)
from security import company_login_required, current_actor, permission_required

PER_PAGE = 25


def _own(model, row_id: int):
    """A row of the signed-in user's company, or 404."""
    row = db.session.get(model, row_id)
    if row is None or row.company_id != current_user.company_id:
        abort(404)
    return row


def _posted_id(name: str) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if not raw or raw == str(TOP_LEVEL):
        return None
    if not raw.isdigit():
        abort(404)
    return int(raw)


# --- company details and business units ------------------------------------------

def _render_company(form=None, unit_form=None, status: int = 200):
    company = current_user.company
    units = company.business_units
    return render_template(
        "portal/account/company.html", company=company,
        form=form or CompanyForm(formdata=None, obj=company),
        new_unit=unit_form or UnitForm(formdata=None, units=units), tree=unit_tree(units),
        unit_forms={u.id: UnitForm(formdata=None, units=units, unit=u, obj=u) for u in units},
        confirm=ConfirmForm(),
    ), status


@bp.route("/account/company", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_COMPANY)
def company():
    company = current_user.company
    form = CompanyForm(obj=company)
    if form.validate_on_submit():
        try:
            update_company(company, current_actor(), {"name": form.name.data, "vat_id": form.vat_id.data})
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
            return _render_company(form=form, status=400)
        db.session.commit()
        flash("The company details are saved.", "success")
        return redirect(url_for("portal.company"))
    return _render_company(form=form, status=400 if form.errors else 200)


@bp.route("/account/company/units", methods=["POST"])
@permission_required(Perm.MANAGE_COMPANY)
def unit_save():
    """Add a business unit, or rename / move one."""
    company = current_user.company
    unit_id, parent_id = _posted_id("unit_id"), _posted_id("parent_id")
    unit = _own(BusinessUnit, unit_id) if unit_id else None
    parent = _own(BusinessUnit, parent_id) if parent_id else None
    form = UnitForm(units=company.business_units, unit=unit)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(errors), "danger")
        return _render_company(unit_form=None if unit else form, status=400)
    try:
        saved = save_business_unit(company, current_actor(), name=form.name.data, parent=parent, unit=unit)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _render_company(unit_form=None if unit else form, status=400)
    name = saved.name
    db.session.commit()
    flash(f"Business unit {name} is saved.", "success")
    return redirect(url_for("portal.company"))


@bp.route("/account/company/units/<int:unit_id>/delete", methods=["POST"])
@permission_required(Perm.MANAGE_COMPANY)
def unit_delete(unit_id: int):
    unit = _own(BusinessUnit, unit_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = unit.name
    try:
        delete_business_unit(unit, current_actor())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(f"Business unit {name} is deleted.", "success")
    return redirect(url_for("portal.company"))


# --- the address book --------------------------------------------------------------

def _address_query(company, shared: bool, q: str, kind: str):
    model = ShopAddress if shared else Address
    query = select(model).where(model.shop_id == company.shop_id if shared else model.company_id == company.id)
    if kind in {k.value for k in AddressKind}:
        query = query.where(model.kind == kind)
    if q:
        like = f"%{q}%"
        query = query.where(or_(model.label.ilike(like), model.line1.ilike(like), model.city.ilike(like),
                                model.postal_code.ilike(like), func.upper(model.country) == q.upper()))
    return query.order_by(model.kind, model.id)


@bp.route("/account/addresses")
@company_login_required
def addresses():
    """The address book: every company user may look; account admins edit within the shop's mode."""
    company, actor = current_user.company, current_actor()
    shared = address_book_mode(company, current_user.customer_type) is AddressBookMode.SHARED
    filters = {"q": (request.args.get("q") or "").strip()[:80], "kind": request.args.get("kind") or ""}
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows = db.paginate(_address_query(company, shared, **filters), page=page, per_page=PER_PAGE,
                       error_out=False, count=True)
    editable = {k.value: can_edit_addresses(actor, company, k.value) for k in AddressKind}
    notice = read_only_reason(actor, company) or read_only_reason(actor, company, AddressKind.BILLING.value)
    return render_template(
        "portal/account/addresses.html", page=rows, filters=filters, shared=shared, editable=editable,
        notice=notice, confirm=ConfirmForm(), company=company,
        lines=lambda address: format_address(address, company.shop.address_format),
    )


def _refused(reason: str):
    flash(reason, "warning")
    return redirect(url_for("portal.addresses"))


@bp.route("/account/addresses/new", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_COMPANY)
def address_new():
    company, actor = current_user.company, current_actor()
    return _address_page(company, None, lambda data: add_address(company, actor, data), "The address is added.")


@bp.route("/account/addresses/<int:address_id>", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_COMPANY)
def address_edit(address_id: int):
    address, actor = _own(Address, address_id), current_actor()
    return _address_page(address.company, address, lambda data: update_address(address, actor, data),
                         "The address is saved.")


def _address_page(company, address, save, done: str):
    """The address form (new or edit) within the address book mode: read-only modes refuse it."""
    actor = current_actor()
    reason = read_only_reason(actor, company, address.kind if address is not None else None)
    if reason:
        return _refused(reason)
    form = AddressForm(obj=address)
    if form.validate_on_submit():
        try:
            save(form.data_for_model())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
            return render_template("portal/account/address_form.html", form=form, address=address), 400
        db.session.commit()
        flash(done, "success")
        return redirect(url_for("portal.addresses"))
    return render_template("portal/account/address_form.html", form=form, address=address,
                           billing_note=read_only_reason(actor, company, AddressKind.BILLING.value)
                           ), 400 if form.errors else 200


@bp.route("/account/addresses/<int:address_id>/delete", methods=["POST"])
@permission_required(Perm.MANAGE_COMPANY)
def address_delete(address_id: int):
    address = _own(Address, address_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        delete_address(address, current_actor())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash("The address is deleted.", "success")
    return redirect(url_for("portal.addresses"))
