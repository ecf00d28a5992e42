"""Company self-service for account admins: company details, business units, address book."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from edge import attempt
from models.addresses import (
    add_address,
    address_book_mode,
    address_book_query,
    can_edit_addresses,
    delete_address,
    format_address,
    read_only_reason,
    update_address,
)
from models.companies import (
    Address,
    AddressKind,
    BusinessUnit,
    delete_business_unit,
    save_business_unit,
    unit_finder_answer,
    unit_tree,
    units_to_offer,
    update_company,
)
from models.permissions import Perm
from models.scopes import at_or_below
from models.shops import AddressBookMode
from paging import page_of, paginate
from portal import bp
from portal.company_forms import (
    TOP_LEVEL,
    AddressForm,
    CompanyForm,
    ConfirmForm,
    UnitForm,
)
from security import (
    company_login_required,
    current_actor,
    current_company,
    load_or_404,
    permission_required,
)


def _posted_id(name: str) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if not raw or raw == str(TOP_LEVEL):
        return None
    if not raw.isdigit():
        abort(404)
    return int(raw)


# --- company details and business units ------------------------------------------

UNITS_PER_PAGE = 25


def _unit_form(unit: BusinessUnit | None = None, **kwargs) -> UnitForm:
    """The form to add a unit or move ``unit``. Its parent choice lists the first units by name and the chosen
    parent (posted, or the unit's own), never the unit itself or one below it."""
    chosen = request.form.get("parent_id") if request.method == "POST" else (unit.parent_id if unit else None)
    offered, more = units_to_offer(current_actor().company_id, chosen=[chosen] if chosen else ())
    blocked = at_or_below(unit.id, [u.id for u in offered]) | {unit.id} if unit is not None else set()
    return UnitForm(offered=offered, more_units=more, blocked=blocked, **kwargs)


def _render_company(form=None, unit_form=None, status: int = 200):
    """The company page: its details, one page of the unit tree and one form to add a unit."""
    company = current_company()
    return render_template(
        "portal/account/company.html", company=company,
        form=form or CompanyForm(formdata=None, obj=company),
        new_unit=unit_form or _unit_form(formdata=None),
        tree=page_of(unit_tree(company.business_units), UNITS_PER_PAGE), confirm=ConfirmForm(),
    ), status


def _render_unit(unit: BusinessUnit, form=None, status: int = 200):
    """One business unit's page: rename it, move it (one select of the units it may go under) or delete it."""
    if form is None:
        form = _unit_form(unit, formdata=None, obj=unit)
        form.parent_id.data = unit.parent_id or TOP_LEVEL
    return render_template("portal/account/unit_edit.html", unit=unit, form=form, confirm=ConfirmForm()), status


@bp.route("/account/company", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_COMPANY)
def company():
    company = current_company()
    form = CompanyForm(obj=company)
    if form.validate_on_submit():
        with attempt(form):
            update_company(company, actor=current_actor(), name=form.name.data, vat_id=form.vat_id.data)
            flash("The company details are saved.", "success")
            return redirect(url_for("portal.company"))
    return _render_company(form=form, status=400 if form.is_submitted() else 200)


@bp.route("/account/company/units", methods=["POST"])
@permission_required(Perm.MANAGE_COMPANY)
def unit_save():
    """Add a business unit, or rename / move one."""
    company = current_company()
    unit_id, parent_id = _posted_id("unit_id"), _posted_id("parent_id")
    unit = load_or_404(BusinessUnit, unit_id) if unit_id else None
    parent = load_or_404(BusinessUnit, parent_id) if parent_id else None
    form = _unit_form(unit)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(errors), "danger")
    else:
        with attempt(form):
            saved = save_business_unit(company, actor=current_actor(), name=form.name.data, parent=parent, unit=unit)
            flash(f"Business unit {saved.name} is saved.", "success")
            return redirect(url_for("portal.company"))
    return _render_unit(unit, form, status=400) if unit else _render_company(unit_form=form, status=400)


@bp.route("/account/company/units/<int:unit_id>")
@permission_required(Perm.MANAGE_COMPANY)
def unit_edit(unit_id: int):
    return _render_unit(load_or_404(BusinessUnit, unit_id))


@bp.route("/account/company/units/<int:unit_id>/delete", methods=["POST"])
@permission_required(Perm.MANAGE_COMPANY)
def unit_delete(unit_id: int):
    unit = load_or_404(BusinessUnit, unit_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = unit.name
    with attempt():
        delete_business_unit(unit, actor=current_actor())
        flash(f"Business unit {name} is deleted.", "success")
    return redirect(url_for("portal.company"))


@bp.route("/account/company/units/find")
@company_login_required
def units_find():
    """The company's business units whose name holds ``q``, by name, for the forms' unit finder (JSON)."""
    return unit_finder_answer(current_actor().company_id, request.args.get("q", ""))


# --- the address book --------------------------------------------------------------

@bp.route("/account/addresses")
@company_login_required
def addresses():
    """The address book: every company user may look; account admins edit within the shop's mode."""
    company, actor = current_company(), current_actor()
    shared = address_book_mode(company, actor.customer_type) is AddressBookMode.SHARED
    filters = {"q": (request.args.get("q") or "").strip()[:80], "kind": request.args.get("kind") or ""}
    rows = paginate(address_book_query(company, shared=shared, search=filters["q"], kind=filters["kind"]))
    editable = {k.value: can_edit_addresses(actor, company, k.value) for k in AddressKind}
    notice = read_only_reason(actor, company) or read_only_reason(actor, company, AddressKind.BILLING.value)
    return render_template(
        "portal/account/addresses.html", page=rows, filters=filters, shared=shared, editable=editable,
        notice=notice, confirm=ConfirmForm(), company=company,
        lines=lambda address: format_address(address, company.shop.address_format),
    )


@bp.route("/account/addresses/new", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_COMPANY)
def address_new():
    company, actor = current_company(), current_actor()
    return _address_page(company, None, lambda data: add_address(company, data, actor=actor), "The address is added.")


@bp.route("/account/addresses/<int:address_id>", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_COMPANY)
def address_edit(address_id: int):
    address, actor = load_or_404(Address, address_id), current_actor()
    return _address_page(address.company, address, lambda data: update_address(address, data, actor=actor),
                         "The address is saved.")


def _address_page(company, address, save, done: str):
    """The address form (new or edit) within the address book mode: read-only modes refuse it."""
    actor = current_actor()
    reason = read_only_reason(actor, company, address.kind if address is not None else None)
    if reason:
        flash(reason, "warning")
        return redirect(url_for("portal.addresses"))
    form = AddressForm(obj=address)
    if form.validate_on_submit():
        refusal = read_only_reason(actor, company, form.kind.data)
        if refusal:  # e.g. a billing address where billing is read-only: said beside the form
            form.kind.errors = [refusal]
            flash(refusal, "danger")
        else:
            with attempt(form):
                save(form.data_for_model())
                flash(done, "success")
                return redirect(url_for("portal.addresses"))
    return render_template("portal/account/address_form.html", form=form, address=address,
                           billing_note=read_only_reason(actor, company, AddressKind.BILLING.value)
                           ), 400 if form.is_submitted() else 200


@bp.route("/account/addresses/<int:address_id>/delete", methods=["POST"])
@permission_required(Perm.MANAGE_COMPANY)
def address_delete(address_id: int):
    address = load_or_404(Address, address_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reason = read_only_reason(current_actor(), address.company, address.kind)
    if reason:
        flash(reason, "warning")
        return redirect(url_for("portal.addresses"))
    with attempt():
        delete_address(address, actor=current_actor())
        flash("The address is deleted.", "success")
    return redirect(url_for("portal.addresses"))
