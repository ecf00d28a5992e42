"""Order templates (My account → Order templates): named lists of products to order again.

A template is its maker's own: another person's template, a colleague's or another company's, reads as
missing (404). Products go in from a product page (into a template picked by name, or a new one), by SKU
on the template page, or as a whole cart; a whole template goes into the cart in one step. The rules live
in ``models.order_templates``; these views load, call the operation and report.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField

from edge import attempt
from extensions import db
from models.base import DomainError
from models.carts import MAX_QUANTITY, LineReport, LineStatus, pricing_for
from models.catalog import products_by_sku
from models.order_templates import (
    NAME_LENGTH,
    OrderTemplate,
    TemplateLine,
    add_to_template,
    change_template_quantity,
    create_template,
    delete_template,
    remove_template_line,
    rename_template,
    save_cart_as_template,
    template_of,
    template_to_cart,
    templates_of,
)
from models.permissions import Perm
from paging import paginate
from portal import bp
from portal.cart import AddForm, QuantityForm, back_to, form_errors, sku_of
from portal.cart_session import current_cart
from portal.people_forms import ConfirmForm
from security import MAX_ID, can, current_actor, current_company, permission_required

PER_PAGE = 25


class NameForm(FlaskForm):
    """A template's name (new, renamed, or the cart saved as one); the model checks it."""

    name = StringField("Template name")


class TemplateAddForm(AddForm):
    """One product into a template chosen on the product page: an existing one, or a new one by name."""

    template_id = StringField("Order template")
    new_name = StringField("New template name")


@dataclass
class PricedLine:
    """A template line as its page shows it: today's unit price and total, or why it cannot be ordered."""

    line: TemplateLine
    sold: bool
    unit_price: Decimal | None
    total: Decimal | None


# --- loading and showing ----------------------------------------------------------------


def _template(template_id: int) -> OrderTemplate:
    """The person's own template with its lines; any other id is a 404."""
    template = template_of(current_actor(), template_id) if template_id <= MAX_ID else None
    if template is None:
        abort(404)
    return template


def _here(template: OrderTemplate) -> str:
    return url_for("portal.order_template", template_id=template.id)


def priced_lines(template: OrderTemplate):
    """The lines at today's prices (one statement for every price, one for what the shop still sells)."""
    pricing = pricing_for(template)
    prices = pricing.unit_prices({line.product_id: line.quantity for line in template.lines})
    sold = {sku for sku, (_, visible) in products_by_sku([ln.product.sku for ln in template.lines],
                                                           template.shop).items() if visible}
    rows = []
    for line in template.lines:
        price = prices.get(line.product_id) if line.product.sku in sold else None
        rows.append(PricedLine(line, line.product.sku in sold, price,
                               None if price is None else pricing.line_total(price, line.quantity)))
    return rows, pricing, pricing.totals([row.total for row in rows if row.total is not None])


def _template_page(template: OrderTemplate, rename: NameForm | None = None, status: int = 200):
    rows, pricing, totals = priced_lines(template)
    return render_template("portal/order_templates/details.html", template=template, rows=rows, pricing=pricing,
                           totals=totals, rename=rename or NameForm(name=template.name),
                           max_quantity=MAX_QUANTITY, name_length=NAME_LENGTH), status


def _list_page(form: NameForm, status: int = 200):
    search = request.args.get("q", "").strip()[:100]
    page = paginate(templates_of(current_actor(), search), PER_PAGE)
    return render_template("portal/order_templates/list.html", page=page, search=search, form=form,
                           filters={"q": search} if search else {}, name_length=NAME_LENGTH), status


@bp.app_template_global()
def order_template_choices() -> list[OrderTemplate]:
    """The signed-in customer's templates, for the product page's "Add to order template" form."""
    actor = current_actor()
    if not actor.acts_as_customer or not can(Perm.PURCHASE):
        return []
    return db.session.scalars(templates_of(actor)).all()


def _added(report: LineReport, template: OrderTemplate, before: int) -> str:
    """What a successful addition says: the quantity added, the line's new quantity if it held some
    already, and when the line stopped at the largest quantity."""
    now = next(line.quantity for line in template.lines if line.product_id == report.product.id)
    said = f"Added {report.quantity:,} × {report.product.name} ({report.sku}) to “{template.name}”"
    if now < before + report.quantity:
        return f"{said}; it now holds {now:,}, the most one line can hold."
    return f"{said}; it now holds {now:,}." if before else f"{said}."


def _add_one(template: OrderTemplate, sku: str, quantity) -> None:
    """Add one product; a refused line is rolled back with its reason (so a new template is not kept)."""
    before = {line.product_id: line.quantity for line in template.lines}
    report = add_to_template(template, [(sku, quantity)], actor=current_actor())[0]
    if not report.ok:
        raise DomainError(report.message)
    flash(_added(report, template, before.get(report.product.id, 0)), "success")


# --- the list ---------------------------------------------------------------------------


@bp.route("/order-templates")
@permission_required(Perm.PURCHASE)
def order_templates():
    return _list_page(NameForm())


@bp.route("/order-templates", methods=["POST"])
@permission_required(Perm.PURCHASE)
def order_template_create():
    form = NameForm()
    if form.validate_on_submit():
        with attempt(form):
            template = create_template(current_company(), actor=current_actor(), name=form.name.data)
            flash(f"The template “{template.name}” is ready: add products by SKU here or from a product page.",
                  "success")
            return redirect(_here(template))
    return _list_page(form, 400)


# --- one template -----------------------------------------------------------------------


@bp.route("/order-templates/<int:template_id>")
@permission_required(Perm.PURCHASE)
def order_template(template_id: int):
    return _template_page(_template(template_id))


@bp.route("/order-templates/<int:template_id>/rename", methods=["POST"])
@permission_required(Perm.PURCHASE)
def order_template_rename(template_id: int):
    template, form = _template(template_id), NameForm()
    if form.validate_on_submit():
        with attempt(form):
            rename_template(template, actor=current_actor(), name=form.name.data)
            flash(f"The template is now called “{template.name}”.", "success")
            return redirect(_here(template))
        template = _template(template_id)  # as it was: the refusal rolled the session back
    return _template_page(template, form, 400)


@bp.route("/order-templates/<int:template_id>/delete", methods=["POST"])
@permission_required(Perm.PURCHASE)
def order_template_delete(template_id: int):
    template = _template(template_id)
    if ConfirmForm().validate_on_submit():
        name = template.name
        with attempt():
            delete_template(template, actor=current_actor())
            flash(f"The template “{name}” is deleted.", "success")
            return redirect(url_for("portal.order_templates"))
    return redirect(_here(template))


@bp.route("/order-templates/<int:template_id>/add", methods=["POST"])
@permission_required(Perm.PURCHASE)
def order_template_add(template_id: int):
    template, form = _template(template_id), AddForm()
    sku = (form.sku.data or "").strip()
    if not form.validate_on_submit():
        flash(form_errors(form) or "The form could not be read; try again.", "danger")
    elif not sku:
        flash("Enter the SKU of the product to add.", "danger")
    else:
        with attempt():
            _add_one(template, sku, form.quantity.data)
    return redirect(_here(template))


@bp.route("/order-templates/<int:template_id>/lines/<int:line_id>", methods=["POST"])
@permission_required(Perm.PURCHASE)
def order_template_line(template_id: int, line_id: int):
    template, form = _template(template_id), QuantityForm()
    line = next((line for line in template.lines if line.id == line_id), None)
    if line is None:
        abort(404)
    if not form.validate_on_submit():
        flash(form_errors(form), "danger")
    else:
        with attempt():
            change_template_quantity(template, line.id, form.quantity.data, actor=current_actor())
            flash(f"{line.product.name}: the template now holds {line.quantity:,}.", "success")
    return redirect(_here(template))


@bp.route("/order-templates/<int:template_id>/lines/<int:line_id>/remove", methods=["POST"])
@permission_required(Perm.PURCHASE)
def order_template_line_remove(template_id: int, line_id: int):
    template = _template(template_id)
    if not any(line.id == line_id for line in template.lines):
        abort(404)
    if ConfirmForm().validate_on_submit():
        with attempt():
            product = remove_template_line(template, line_id, actor=current_actor())
            flash(f"{product.name} is out of the template “{template.name}”.", "success")
    return redirect(_here(template))


def _why_not(report: LineReport) -> str:
    """Why a template line stayed out of the cart; a product the shop no longer shows is no longer sold
    (the person named it in their template, so its name is no secret)."""
    if report.status is LineStatus.UNKNOWN and report.product is not None:
        return f"{report.sku}: {report.product.name} is no longer sold."
    return report.message


def _to_cart_message(reports: list[LineReport]) -> tuple[str, str]:
    """How many products went into the cart, and which lines did not and why."""
    added = sum(1 for r in reports if r.ok)
    refused = " ".join(_why_not(r) for r in reports if not r.ok)
    if not refused:
        return f"All {added:,} product(s) of the template are in your cart.", "success"
    if not added:
        return f"No product of the template could go into your cart. {refused}", "danger"
    return f"{added:,} of {len(reports):,} products of the template are in your cart. Not added: {refused}", "warning"


@bp.route("/order-templates/<int:template_id>/cart", methods=["POST"])
@permission_required(Perm.PURCHASE)
def order_template_to_cart(template_id: int):
    template = _template(template_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(_here(template))
    if not template.lines:  # (no cart made for nothing)
        flash("This template is empty: add products to it first.", "warning")
        return redirect(_here(template))
    with attempt():
        reports = template_to_cart(template, current_cart(create=True), actor=current_actor())
        flash(*_to_cart_message(reports))
        return redirect(url_for("portal.cart"))
    return redirect(_here(template))


# --- from the product page and the cart -------------------------------------------------


def _chosen_template(form: TemplateAddForm) -> OrderTemplate:
    """The template the product page names: an existing one by id, or a new one by name (made now)."""
    raw_id, new_name = (form.template_id.data or "").strip(), (form.new_name.data or "").strip()
    if raw_id and new_name:
        raise DomainError("Choose one of your templates or type a name for a new one, not both.")
    if new_name:
        return create_template(current_company(), actor=current_actor(), name=new_name)
    if not raw_id:
        raise DomainError("Choose one of your order templates, or type a name for a new one.")
    template = template_of(current_actor(), int(raw_id)) if raw_id.isdigit() and int(raw_id) <= MAX_ID else None
    if template is None:
        raise DomainError("That is not one of your order templates; choose another.")
    return template


@bp.route("/order-templates/add-product", methods=["POST"], endpoint="add_to_template")
@permission_required(Perm.PURCHASE)
def add_product_to_template():
    form = TemplateAddForm()
    back = back_to("portal.order_templates")
    sku = (form.sku.data or "").strip() or sku_of(form.product_id.data)
    if not form.validate_on_submit():
        flash(form_errors(form) or "The form could not be read; try again.", "danger")
    elif not sku:
        flash("That product is not in the catalog." if form.product_id.data
              else "Enter the SKU of the product to add.", "danger")
    else:
        with attempt():
            _add_one(_chosen_template(form), sku, form.quantity.data)
    return redirect(back)


@bp.route("/cart/save-as-template", methods=["POST"], endpoint="save_cart_as_template")
@permission_required(Perm.PURCHASE)
def save_cart():
    form = NameForm()
    if form.validate_on_submit():
        with attempt(form):
            template = save_cart_as_template(current_cart(create=True), actor=current_actor(), name=form.name.data)
            flash(f"Your cart is saved as the template “{template.name}” ({template.line_count:,} product(s)); "
                  "the cart stays as it was.", "success")
            return redirect(_here(template))
    return redirect(url_for("portal.cart"))
