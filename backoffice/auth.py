"""Staff sign-in and the back office home."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length

from backoffice.base import deny_or_login
from backoffice.home import home_tiles
from edge import attempt, keep_changes, refused
from models.auth import Throttled, authenticate, find_reset_token, request_password_reset, reset_password
from models.base import DomainError
from models.staff import StaffUser
from portal.forms import ChangePasswordForm, NewPasswordForm, ResetRequestForm
from security import change_password_from, current_actor, is_staff_user, next_url


class StaffLoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class StaffIndexView(AdminIndexView):
    """Open to everyone so that the sign-in page is reachable; each page checks."""

    @expose("/")
    def index(self):
        if not is_staff_user():
            return deny_or_login()
        return self.render("backoffice/index.html", tiles=home_tiles(current_actor()))

    @expose("/login/", methods=("GET", "POST"))
    def login(self):
        if is_staff_user():
            return redirect(url_for("admin.index"))
        form = StaffLoginForm(next=request.args.get("next", ""))
        if form.validate_on_submit():
            try:
                staff = authenticate(StaffUser, form.email.data, form.password.data, request.remote_addr or "")
            except DomainError as error:
                if not isinstance(error, Throttled):
                    keep_changes()  # a checked, failed attempt counts for the throttle
                flash(error.message, "error")
                return self.render("backoffice/login.html", form=form), 401
            login_user(staff)
            return redirect(next_url("admin.index"))
        return self.render("backoffice/login.html", form=form)

    @expose("/password-reset/", methods=("GET", "POST"))
    def password_reset_view(self):
        """Staff who forgot their password ask for a link (the answer never says whether the address exists)."""
        form = ResetRequestForm()
        if form.validate_on_submit():
            try:
                request_password_reset(form.email.data, request.remote_addr or "", StaffUser)
            except Throttled as error:
                flash(error.message, "error")
                return self.render("backoffice/password_reset.html", form=form), 429
            flash("If that address belongs to an active back office account, a link to choose a new password "
                  "is on its way. It works once.", "info")
            return redirect(url_for("admin.login"))
        return self.render("backoffice/password_reset.html", form=form)

    @expose("/password/<token>/", methods=("GET", "POST"))
    def password_view(self, token: str):
        """Choose a password through a mailed link (a new account, or a reset)."""
        try:
            find_reset_token(token, StaffUser)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("admin.password_reset_view"))
        form = NewPasswordForm()
        if form.validate_on_submit():
            with attempt(form):
                reset_password(token, form.password.data, form.confirm.data, StaffUser)
                logout_user()
                flash("Your password is set. Sign in with it.", "success")
                return redirect(url_for("admin.login"))
        return self.render("backoffice/password.html", form=form), 400 if form.is_submitted() else 200

    @expose("/account/password/", methods=("GET", "POST"))
    def change_password_view(self):
        """A signed-in staff member changes their own password; their other sessions end."""
        if not is_staff_user():
            return deny_or_login()
        form = ChangePasswordForm()
        if form.validate_on_submit():
            status = change_password_from(form)
            if status is None:
                flash("Your password is changed. You were signed out everywhere else.", "success")
                return redirect(url_for("admin.index"))
            flash(refused(), "error")
            return self.render("backoffice/password_change.html", form=form), status
        return self.render("backoffice/password_change.html", form=form), 400 if form.is_submitted() else 200

    @expose("/logout/", methods=("POST",))
    def logout(self):
        if is_staff_user():
            current_user.end_sessions()
        logout_user()
        flash("You are signed out of the back office.", "info")
        return redirect(url_for("admin.login"))
