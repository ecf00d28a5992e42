"""People of the company for account admins: users, invitations, custom roles, audit log."""
from __future__ import annotations

from collections import Counter

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from extensions import db
from models.audit import AuditEvent
from models.base import DomainError
from models.companies import BusinessUnit
from models.invitations import (
    LIST_MAX_BYTES, Invitation, InvitationState, invite, invite_many, read_address_list, resend_invitation,
    revoke_invitation,
)
from models.members import (
    assign_roles, change_user_active, create_user, delete_user, grantable_roles, set_budget, set_business_unit,
)
from models.permissions import PERM_LABELS, BuiltinRole, Perm
from models.roles import create_role, delete_role, update_role
from models.users import CompanyUser, Role, user_roles
from portal import bp
from portal.people_forms import (
    ActiveForm, ConfirmForm, EditUserForm, InviteForm, InviteListForm, NewUserForm, RoleForm,
    permission_choices, role_choices, unit_choices,
)
from security import current_actor, permission_required

PER_PAGE = 25
AUDIT_KINDS = {
    "user": "Users", "invitation": "Invitations", "role": "Roles", "company": "Company",
    "business_unit": "Business units", "address": "Addresses", "shop": "Shop access",
}


# --- helpers ------------------------------------------------------------------

def _own(model, row_id: int):
    """A row of the signed-in user's company, or 404."""
    row = db.session.get(model, row_id)
    if row is None or row.company_id != current_user.company_id:
        abort(404)
    return row


def _paginate(query):
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False, count=True)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _fail(error: DomainError, form=None) -> None:
    """Undo the half-done change and say what went wrong, next to the field when there is one."""
    db.session.rollback()
    flash(error.message, "danger")
    if form is not None and error.field and error.field in form:
        form[error.field].errors = list(form[error.field].errors) + [error.message]


def _form_errors(form) -> str:
    return " ".join(message for messages in form.errors.values() for message in messages)


def _grantable(include_buyer: bool = False) -> list[Role]:
    roles = grantable_roles(current_actor(), current_user.company)
    return [r for r in roles if include_buyer or r.key != BuiltinRole.BUYER.value]


def _units() -> list[BusinessUnit]:
    return db.session.scalars(
        select(BusinessUnit).where(BusinessUnit.company_id == current_user.company_id).order_by(BusinessUnit.name)
    ).all()


def _offer(form, grantable, units) -> None:
    form.roles.choices = role_choices(grantable)
    form.business_unit.choices = unit_choices(units)


def _picked(rows, ids) -> list:
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids or [] if i in by_id]


def _one(rows, row_id):
    return next((row for row in rows if row.id == row_id), None)


# --- users --------------------------------------------------------------------

@bp.route("/account/users")
@permission_required(Perm.MANAGE_USERS)
def users():
    search = request.args.get("q", "").strip()[:100]
    status = request.args.get("status", "")
    role_id = request.args.get("role", type=int)
    query = select(CompanyUser).where(CompanyUser.company_id == current_user.company_id)
    if search:
        full_name = CompanyUser.first_name + " " + CompanyUser.last_name
        query = query.where(or_(*(c.ilike(_like(search), escape="\\")
                                  for c in (CompanyUser.email, full_name, CompanyUser.last_name))))
    if status in ("active", "inactive"):
        query = query.where(CompanyUser.active.is_(status == "active"))
    if role_id:
        query = query.where(CompanyUser.roles.any(Role.id == role_id))
    query = query.options(selectinload(CompanyUser.roles), joinedload(CompanyUser.business_unit)).order_by(
        CompanyUser.last_name, CompanyUser.first_name, CompanyUser.id)
    roles = db.session.scalars(select(Role).where(
        or_(Role.company_id == current_user.company_id, Role.company_id.is_(None))).order_by(Role.id)).all()
    return render_template("portal/account/users.html", page=_paginate(query), roles=roles,
                           filters={"q": search, "status": status, "role": role_id})


@bp.route("/account/users/new", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_USERS)
def user_new():
    grantable, units = _grantable(), _units()
    form = NewUserForm()
    _offer(form, grantable, units)
    if form.validate_on_submit():
        try:
            user = create_user(
                current_user.company, current_actor(), email=form.email.data, first_name=form.first_name.data,
                last_name=form.last_name.data, phone=form.phone.data or "",
                roles=_picked(grantable, form.roles.data), business_unit=_one(units, form.business_unit.data),
            )
        except DomainError as error:
            _fail(error, form)
        else:
            db.session.commit()
            flash(f"{user.full_name} is added. We sent {user.email} a link to set a password.", "success")
            return redirect(url_for("portal.user_edit", user_id=user.id))
    status = 400 if form.is_submitted() else 200
    return render_template("portal/account/user_new.html", form=form, grantable=grantable), status


@bp.route("/account/users/<int:user_id>", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_USERS)
def user_edit(user_id: int):
    user = _own(CompanyUser, user_id)
    grantable, units = _grantable(), _units()
    kept = [r for r in user.roles if r.key != BuiltinRole.BUYER.value and r not in grantable]
    form = EditUserForm(data={
        "roles": [r.id for r in user.roles if r in grantable], "business_unit": user.business_unit_id or 0,
        "budget_amount": user.budget_amount or "", "budget_period": user.budget_period or "",
        "order_spend_limit": user.order_spend_limit or "",
    })
    _offer(form, grantable, units)
    if form.validate_on_submit():
        try:
            _save_user(user, form, grantable, kept, units)
        except DomainError as error:
            _fail(error, form)
        else:
            db.session.commit()
            flash(f"The changes to {user.full_name} are saved.", "success")
            return redirect(url_for("portal.user_edit", user_id=user.id))
    status = 400 if form.is_submitted() else 200
    return render_template("portal/account/user_edit.html", user=user, form=form, grantable=grantable,
                           kept=kept), status


def _save_user(user: CompanyUser, form: EditUserForm, grantable, kept, units) -> None:
    """Business unit, budget and roles in one go: all saved or none. Roles the actor cannot grant stay."""
    actor = current_actor()
    set_business_unit(user, actor, _one(units, form.business_unit.data))
    set_budget(user, actor, budget_amount=form.budget_amount.data, budget_period=form.budget_period.data,
               order_spend_limit=form.order_spend_limit.data)
    assign_roles(user, _picked(grantable, form.roles.data) + kept, actor)


@bp.route("/account/users/<int:user_id>/active", methods=["POST"])
@permission_required(Perm.MANAGE_USERS)
def user_active(user_id: int):
    user = _own(CompanyUser, user_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "danger")
        return redirect(url_for("portal.user_edit", user_id=user_id))
    active = form.active.data == "1"
    try:
        change_user_active(user, active, current_actor())
    except DomainError as error:
        _fail(error)
    else:
        db.session.commit()
        if active:
            flash(f"{user.full_name} is active again and can sign in.", "success")
        else:
            flash(f"{user.full_name} is deactivated: they cannot sign in and their open sessions have ended.",
                  "success")
    return redirect(url_for("portal.user_edit", user_id=user_id))


@bp.route("/account/users/<int:user_id>/delete", methods=["POST"])
@permission_required(Perm.MANAGE_USERS)
def user_delete(user_id: int):
    user = _own(CompanyUser, user_id)
    name = user.full_name
    if ConfirmForm().validate_on_submit():
        try:
            delete_user(user, current_actor())
        except DomainError as error:
            _fail(error)
            return redirect(url_for("portal.user_edit", user_id=user_id))
        db.session.commit()
        flash(f"{name} is deleted.", "success")
    return redirect(url_for("portal.users"))


# --- invitations --------------------------------------------------------------

@bp.route("/account/invitations", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_USERS)
def invitations():
    roles = _grantable(include_buyer=True)
    one, many = InviteForm(), InviteListForm()
    one.role.choices = many.list_role.choices = role_choices(roles)
    if request.method == "GET" and roles:
        one.role.data = many.list_role.data = roles[0].id
    report, status = None, 200
    if one.send_invitation.data:
        status = 400
        if one.validate_on_submit():
            try:
                invite(current_user.company, current_actor(), one.email.data, _one(roles, one.role.data))
            except DomainError as error:
                _fail(error, one)
            else:
                db.session.commit()
                flash(f"Invitation sent to {one.email.data.strip()}.", "success")
                return redirect(url_for("portal.invitations"))
    elif many.upload_list.data:
        status = 400
        if many.validate_on_submit():
            report, status = _invite_list(many, roles)
    elif request.method == "POST":
        flash("Choose whether to invite one address or upload a list.", "danger")
        status = 400
    pending = _paginate(select(Invitation).where(
        Invitation.company_id == current_user.company_id, Invitation.state == InvitationState.PENDING.value,
    ).options(joinedload(Invitation.role)).order_by(Invitation.created_at.desc(), Invitation.id.desc()))
    summary = Counter(line.outcome for line in report or [])
    return render_template("portal/account/invitations.html", one=one, many=many, report=report,
                           summary=summary, pending=pending), status


def _invite_list(form: InviteListForm, roles):
    """Invite every address of the uploaded list; the report says what became of each line."""
    role = _one(roles, form.list_role.data)
    try:
        upload = form.address_file.data
        entries = read_address_list(upload.read(LIST_MAX_BYTES + 1), upload.filename or "")
        report = invite_many(current_user.company, current_actor(), entries, role)
    except DomainError as error:
        _fail(error)
        form.address_file.errors = [error.message]
        return None, 400
    db.session.commit()
    sent = sum(1 for line in report if line.outcome == "invited")
    if not report:
        flash("The file holds no e-mail addresses.", "warning")
    elif sent == len(report):
        flash(f"{sent} invitation(s) sent.", "success")
    else:
        flash(f"{sent} of {len(report)} address(es) invited; see the report below for the others.", "warning")
    return report, 200


@bp.route("/account/invitations/<int:invitation_id>/resend", methods=["POST"])
@permission_required(Perm.MANAGE_USERS)
def invitation_resend(invitation_id: int):
    invitation = _own(Invitation, invitation_id)
    if ConfirmForm().validate_on_submit():
        try:
            resend_invitation(invitation, current_actor())
        except DomainError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(f"A new invitation link is on its way to {invitation.email}; the old link no longer works.",
                  "success")
    return redirect(url_for("portal.invitations"))


@bp.route("/account/invitations/<int:invitation_id>/revoke", methods=["POST"])
@permission_required(Perm.MANAGE_USERS)
def invitation_revoke(invitation_id: int):
    invitation = _own(Invitation, invitation_id)
    if ConfirmForm().validate_on_submit():
        try:
            revoke_invitation(invitation, current_actor())
        except DomainError as error:
            _fail(error)
        else:
            db.session.commit()
            flash(f"The invitation for {invitation.email} is withdrawn; its link no longer works.", "success")
    return redirect(url_for("portal.invitations"))


# --- roles --------------------------------------------------------------------

@bp.route("/account/roles")
@permission_required(Perm.MANAGE_USERS)
def roles():
    company_id = current_user.company_id
    rows = db.session.scalars(select(Role).where(
        or_(Role.company_id == company_id, Role.company_id.is_(None))).order_by(Role.id)).all()
    holders = dict(db.session.execute(
        select(user_roles.c.role_id, func.count()).join(CompanyUser, CompanyUser.id == user_roles.c.user_id)
        .where(CompanyUser.company_id == company_id).group_by(user_roles.c.role_id)
    ).all())
    return render_template("portal/account/roles.html", builtin=[r for r in rows if r.builtin],
                           custom=[r for r in rows if not r.builtin], holders=holders, perms=list(Perm),
                           labels=PERM_LABELS)


@bp.route("/account/roles/new", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_USERS)
def role_new():
    form = RoleForm()
    form.permissions.choices = permission_choices(current_actor())
    if form.validate_on_submit():
        try:
            role = create_role(current_user.company, current_actor(), name=form.name.data,
                               permissions=form.permissions.data)
        except DomainError as error:
            _fail(error, form)
        else:
            db.session.commit()
            flash(f"The role {role.name} is created; you can now give it to users.", "success")
            return redirect(url_for("portal.roles"))
    status = 400 if form.is_submitted() else 200
    return render_template("portal/account/role_edit.html", form=form, role=None), status


@bp.route("/account/roles/<int:role_id>", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_USERS)
def role_edit(role_id: int):
    role = _own(Role, role_id)
    form = RoleForm(data={"name": role.name, "permissions": [p.value for p in role.permissions]})
    form.permissions.choices = permission_choices(current_actor())
    beyond = [PERM_LABELS[p] for p in role.permissions if not current_actor().can(p)]
    if form.validate_on_submit():
        try:
            update_role(role, current_actor(), name=form.name.data, permissions=form.permissions.data)
        except DomainError as error:
            _fail(error, form)
        else:
            db.session.commit()
            flash(f"The role {role.name} is saved.", "success")
            return redirect(url_for("portal.roles"))
    status = 400 if form.is_submitted() else 200
    return render_template("portal/account/role_edit.html", form=form, role=role, beyond=beyond), status


@bp.route("/account/roles/<int:role_id>/delete", methods=["POST"])
@permission_required(Perm.MANAGE_USERS)
def role_delete(role_id: int):
    role = _own(Role, role_id)
    name = role.name
    if ConfirmForm().validate_on_submit():
        try:
            delete_role(role, current_actor())
        except DomainError as error:
            _fail(error)
            return redirect(url_for("portal.role_edit", role_id=role_id))
        db.session.commit()
        flash(f"The role {name} is deleted.", "success")
    return redirect(url_for("portal.roles"))


# --- audit log ----------------------------------------------------------------

@bp.route("/account/audit")
@permission_required(Perm.VIEW_AUDIT_LOG)
def audit():
    search = request.args.get("q", "").strip()[:100]
    kind = request.args.get("kind", "")
    query = select(AuditEvent).where(AuditEvent.company_id == current_user.company_id)
    if kind in AUDIT_KINDS:
        query = query.where(AuditEvent.action.startswith(kind + ".", autoescape=True))
    if search:
        query = query.where(or_(*(c.ilike(_like(search), escape="\\")
                                  for c in (AuditEvent.actor_label, AuditEvent.target_label))))
    page = _paginate(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    return render_template("portal/account/audit.html", page=page, kinds=AUDIT_KINDS,
                           filters={"q": search, "kind": kind}, labels=PERM_LABELS)
