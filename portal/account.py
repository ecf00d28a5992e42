"""My Account: overview, profile, address book."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from extensions import db
from models.base import DomainError
from models.companies import Address
from models.users import update_profile
from portal import bp
from portal.forms import ProfileForm
from security import company_login_required, current_actor


@bp.route("/account")
@company_login_required
def account():
    return render_template("portal/account/overview.html", user=current_user)


@bp.route("/account/profile", methods=["GET", "POST"])
@company_login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        try:
            update_profile(
                user,
                current_actor(),
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                phone=form.phone.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash("Your profile is saved.", "success")
            return redirect(url_for("portal.profile"))
    return render_template("portal/account/profile.html", form=form)


@bp.route("/account/addresses")
@company_login_required
def addresses():
    rows = db.session.scalars(select(Address).order_by(Address.kind, Address.id)).all()
    return render_template("portal/account/addresses.html", addresses=rows)
