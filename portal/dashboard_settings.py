"""Which dashboard blocks each of the company's roles shows, chosen by those who manage users.

The rule (roles of the company, known blocks, who may choose) lives in ``models.dashboard.set_dashboard_blocks``;
this page shows the roles × blocks table and hands what was ticked to it.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from edge import attempt
from extensions import db
from models.base import DomainError
from models.dashboard import BLOCKS, hidden_blocks, set_dashboard_blocks
from models.members import company_roles
from models.permissions import PERM_LABELS, Perm
from portal import bp
from portal.people_forms import ConfirmForm
from security import MAX_ID, current_actor, current_company, permission_required


def posted_choice() -> dict[int, set[str]]:
    """role id → the blocks ticked for it, as posted (the operation checks the roles and blocks)."""
    role_ids = request.form.getlist("roles")
    if not role_ids or not all(r.isdigit() and int(r) <= MAX_ID for r in role_ids):
        raise DomainError("Choose roles of your company from the list.")
    return {int(r): set(request.form.getlist(f"blocks-{r}")) for r in role_ids}


@bp.route("/account/dashboard", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_USERS)
def dashboard_settings():
    form = ConfirmForm()
    if form.validate_on_submit():
        with attempt():
            set_dashboard_blocks(current_company(), posted_choice(), actor=current_actor())
            flash("The dashboard blocks are saved: each role now sees the blocks ticked for it.", "success")
            return redirect(url_for("portal.dashboard_settings"))
    company_id = current_actor().company_id
    roles = db.session.scalars(company_roles(company_id)).all()
    status = 400 if request.method == "POST" else 200
    return render_template("portal/account/dashboard.html", form=form, roles=roles, blocks=BLOCKS,
                           hidden=hidden_blocks(company_id), labels=PERM_LABELS), status
