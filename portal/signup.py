"""Getting a company into Atrium: the company application (/apply) and organisation sign-up (/register).

Also which shop a visitor is in: ``?shop=CODE`` picks a storefront (remembered
in the session; otherwise the configured ``PORTAL_SHOP`` or the first top-level
shop). A signed-in customer is always in one of their own enabled shops:
signing in on a master shop lands a B2B customer in their sub shop.
"""
from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, user_logged_in
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from edge import attempt
from extensions import db
from models.applications import submit_application
from models.attributes import shop_attributes
from models.auth import account_is_usable
from models.base import DomainError
from models.registration import confirm_address, register_organisation, user_to_confirm
from models.shops import CustomerType, RegistrationMode, Shop, find_shop, landing_shop, shops_to_visit
from models.users import CompanyUser
from portal import bp
from portal.signup_forms import (
    ApplicationForm,
    ConfirmAddressForm,
    RegistrationForm,
    attribute_fields,
    with_attributes,
)
from security import is_company_user

SHOP_KEY, SHOP_ID_KEY = "shop", "shop_id"


# --- the current shop -----------------------------------------------------------

def visited_shop() -> Shop | None:
    """The storefront the visitor is looking at (before any landing in a sub shop)."""
    if "visited_shop" not in g:
        g.visited_shop = _find_visited_shop()
    return g.visited_shop


def _find_visited_shop() -> Shop | None:
    asked = (request.args.get("shop") or "").strip()
    shop = find_shop(asked) if asked else None
    if shop is not None:
        session[SHOP_KEY], session[SHOP_ID_KEY] = shop.code, shop.id
        return shop
    code = session.get(SHOP_KEY) or current_app.config.get("PORTAL_SHOP") or ""
    shop = find_shop(code, session.get(SHOP_ID_KEY)) if code else None
    if shop is None:
        shop = db.session.scalar(select(Shop).where(Shop.parent_id.is_(None)).order_by(Shop.id).limit(1))
    return shop


def current_shop() -> Shop | None:
    """The shop of this request: a signed-in customer's landing shop, or the visited one."""
    if is_company_user():
        if "landing_shop" not in g:
            g.landing_shop = _signed_in_shop(current_user._get_current_object())
        return g.landing_shop
    return visited_shop()


def _signed_in_shop(user: CompanyUser) -> Shop:
    try:
        return landing_shop(user, visited_shop())
    except DomainError:  # the remembered shop was disabled meanwhile: their sessions ended
        return user.company.shop


@bp.record_once
def _connect_signals(state) -> None:
    user_logged_in.connect(_land_in_shop, state.app)


def _land_in_shop(sender, user, **extra) -> None:
    """After sign-in, remember the customer's own shop; say so when it is a sub shop of the visited one."""
    if not isinstance(user, CompanyUser):
        return
    visited = visited_shop()
    shop = _signed_in_shop(user)
    session[SHOP_KEY], session[SHOP_ID_KEY] = shop.code, shop.id
    g.landing_shop = shop
    if visited is not None and shop.id != visited.id:
        flash(f"You are in {shop.name}, your company's shop.", "info")


@bp.app_context_processor
def _shop_context() -> dict:
    def shop_for_templates() -> Shop | None:
        try:
            return current_shop()
        except SQLAlchemyError:  # an error page after a failed transaction still renders
            return None

    def shops_for_templates() -> list[Shop]:
        """The shops a visitor may switch to (none once signed in: a customer is in their company's shop)."""
        if is_company_user():
            return []
        try:
            return shops_to_visit()
        except SQLAlchemyError:
            return []

    return {"current_shop": shop_for_templates, "shops_to_visit": shops_for_templates}


# --- the pages --------------------------------------------------------------------

def _shop_or_404() -> Shop:
    shop = visited_shop()
    if shop is None:
        abort(404, description="There is no shop to sign up in yet.")
    return shop


def _already_signed_in():
    flash("You are signed in already; sign out to register another organisation.", "info")
    return redirect(url_for("portal.home"))


@bp.route("/apply", methods=["GET", "POST"])
def apply():
    """The company application: staff review it in the back office."""
    if is_company_user():
        return _already_signed_in()
    shop = _shop_or_404()
    if shop.is_master:
        return render_template("portal/apply.html", shop=shop, form=None)
    form = ApplicationForm()
    if form.validate_on_submit():
        with attempt(form):
            values = form.data_for_model()
            submit_application(shop, values)
            return _signed_up(values, shop)
    return render_template("portal/apply.html", shop=shop, form=form), 400 if form.is_submitted() else 200


def _signed_up(values: dict, shop: Shop):
    """The answer to a sign-up: built from what was sent, the same whether or not the address was known."""
    receipt = dict(values, email=values["email"].strip().lower(), first_name=values["first_name"].strip(),
                   company_name=values["company_name"].strip())
    if shop.registration_mode == RegistrationMode.APPLICATION.value or "password" not in values:
        return render_template("portal/apply_done.html", receipt=receipt, shop=shop)
    return render_template("portal/register_done.html", receipt=receipt, shop=shop,
                           needs_approval=shop.settings_for(CustomerType.B2B.value).requires_approval,
                           days=current_app.config["CONFIRMATION_DAYS"])


def _registration_form(shop: Shop):
    """The application form where the shop files applications; else person, organisation, attributes."""
    if shop.registration_mode == RegistrationMode.APPLICATION.value:
        return ApplicationForm(), []
    definitions = shop_attributes(shop.id, form="registration")
    return with_attributes(RegistrationForm, definitions)(), definitions


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Organisation sign-up; the shop decides: company at once, or a company application."""
    if is_company_user():
        return _already_signed_in()
    shop = _shop_or_404()
    if shop.is_master:
        return render_template("portal/register.html", shop=shop, form=None)
    form, definitions = _registration_form(shop)
    if form.validate_on_submit():
        with attempt(form):
            values = form.data_for_model(definitions)
            register_organisation(shop, values)
            return _signed_up(values, shop)
    return _render_register(shop, form, definitions), 400 if form.is_submitted() else 200


def _render_register(shop: Shop, form, definitions):
    return render_template("portal/register.html", shop=shop, form=form,
                           files_application=isinstance(form, ApplicationForm),
                           needs_approval=shop.settings_for(CustomerType.B2B.value).requires_approval,
                           attribute_fields=attribute_fields(form, definitions))


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_registration(token: str):
    """The link mailed after registering: confirming the address signs the new Account Admin in."""
    form = ConfirmAddressForm()
    if form.validate_on_submit():
        with attempt():
            user = confirm_address(token)
            if not account_is_usable(user):
                return render_template("portal/register_confirmed.html", user=user)
            login_user(user)
            flash(f"Welcome to Atrium, {user.first_name}. {user.company.name} is set up "
                  "and you are its Account Admin.", "success")
            return redirect(url_for("portal.home"))
    try:
        user = user_to_confirm(token)
    except DomainError as error:
        return render_template("portal/register_confirm.html", problem=error.message, form=None), 404
    return render_template("portal/register_confirm.html", user=user, form=form, problem=None)
