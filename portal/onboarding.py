"""Public pages that bring people in: accept an invitation, apply, register."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_user

from edge import attempt
from models.base import DomainError
from models.invitations import accept_invitation, find_invitation
from portal import bp
from portal.forms import AcceptInvitationForm


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation_page(token: str):
    """Set a name and password for an invited address; the link then stops working."""
    try:
        invitation = find_invitation(token)
    except DomainError as error:
        return render_template("portal/invitation_invalid.html", message=error.message), 410
    if current_user.is_authenticated and getattr(current_user, "email", None) != invitation.email:
        who = getattr(current_user, "email", "another account")
        flash(f"You are signed in as {who}. Sign out first to accept the invitation for {invitation.email}.", "warning")
        return render_template("portal/invitation_invalid.html", message=None, signed_in_as=who), 409
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        with attempt(form):
            user = accept_invitation(
                token, first_name=form.first_name.data, last_name=form.last_name.data,
                password=form.password.data, confirm=form.confirm.data,
            )
            login_user(user)
            flash(f"Welcome to {user.company.name}, {user.first_name}.", "success")
            return redirect(url_for("portal.home"))
    return render_template("portal/invitation_accept.html", form=form, invitation=invitation
                           ), 400 if form.is_submitted() else 200
