"""My Account: overview and profile (with the shop's profile attributes)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from edge import attempt, refused
from models.attributes import set_attribute_values, shop_attributes
from models.members import update_profile
from portal import bp
from portal.forms import ChangePasswordForm, ProfileForm
from portal.signup import current_shop
from portal.signup_forms import (
    attribute_fields,
    attribute_values,
    fill_attributes,
    with_attributes,
)
from security import change_password_from, company_login_required, current_actor


@bp.route("/account")
@company_login_required
def account():
    return render_template("portal/account/overview.html", user=current_user)


@bp.route("/account/profile", methods=["GET", "POST"])
@company_login_required
def profile():
    user = current_user._get_current_object()
    definitions = shop_attributes(current_shop().id, form="profile")
    form = with_attributes(ProfileForm, definitions)(obj=user)
    if request.method == "GET":
        fill_attributes(form, definitions, user)
    if form.validate_on_submit():
        with attempt(form):
            actor = current_actor()
            update_profile(user, actor=actor, first_name=form.first_name.data, last_name=form.last_name.data,
                           phone=form.phone.data or "")
            set_attribute_values(user, definitions, attribute_values(form, definitions), actor=actor)
            flash("Your profile is saved.", "success")
            return redirect(url_for("portal.profile"))
    return render_template("portal/account/profile.html", form=form,
                           attribute_fields=attribute_fields(form, definitions)), 400 if form.is_submitted() else 200


@bp.route("/account/password", methods=["GET", "POST"])
@company_login_required
def change_password():
    """Change one's own password; every other session of the account ends, this one goes on."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        status = change_password_from(form)
        if status is None:
            flash("Your password is changed. You were signed out everywhere else.", "success")
            return redirect(url_for("portal.account"))
        flash(refused(), "danger")
        return render_template("portal/account/password.html", form=form), status
    return render_template("portal/account/password.html", form=form), 400 if form.is_submitted() else 200
