"""Sign-in, sign-out and password reset for company users."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from edge import attempt, keep_changes
from models.auth import (
    Throttled,
    authenticate,
    find_reset_token,
    request_password_reset,
    reset_password,
)
from models.base import DomainError
from models.shops import landing_shop
from models.users import CompanyUser
from portal import bp
from portal.forms import LoginForm, NewPasswordForm, ResetRequestForm
from portal.signup import visited_shop
from security import is_company_user, next_url


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign a company user in. Staff credentials do not open the portal."""
    if is_company_user():
        return redirect(url_for("portal.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = authenticate(CompanyUser, form.email.data, form.password.data, request.remote_addr or "")
            landing_shop(user, visited_shop())
        except DomainError as error:
            if not isinstance(error, Throttled):
                keep_changes()  # a checked, failed attempt counts for the throttle
            flash(error.message, "danger")
            return render_template("portal/login.html", form=form), 401
        login_user(user)
        flash(f"Welcome, {user.first_name}.", "success")
        return redirect(next_url("portal.home"))
    return render_template("portal/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out and end the session on the server, so a copied cookie stops working."""
    if current_user.is_authenticated:  # a staff user signing out here ends their sessions too
        current_user.end_sessions()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("portal.login"))


@bp.route("/password-reset", methods=["GET", "POST"])
def password_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        try:
            request_password_reset(form.email.data, request.remote_addr or "")
        except Throttled as error:
            flash(error.message, "danger")
            return render_template("portal/password_reset.html", form=form), 429
        flash(
            "If that address belongs to an active account, a reset link is on its way. "
            "It works once.",
            "info",
        )
        return redirect(url_for("portal.login"))
    return render_template("portal/password_reset.html", form=form)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def password_reset_confirm(token: str):
    try:
        find_reset_token(token)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("portal.password_reset"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        with attempt(form):
            reset_password(token, form.password.data, form.confirm.data)
            logout_user()
            flash("Your password is changed. Sign in with the new one.", "success")
            return redirect(url_for("portal.login"))
    return render_template("portal/password_new.html", form=form), 400 if form.is_submitted() else 200
