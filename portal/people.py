"""People of the company for account admins: users, invitations, custom roles, audit log."""
from __future__ import annotations

from collections import Counter

from flask import abort, flash, redirect, render_template, request, url_for

from edge import attempt, refused
from extensions import db
from locales import request_locale
from models.audit import AUDIT_KINDS, AuditEvent, company_audit
from models.companies import BusinessUnit, units_to_offer
from models.invitations import (
    LIST_MAX_BYTES,
    Invitation,
    invite,
    invite_many,
    pending_invitations,
    read_address_list,
    resend_invitation,
    revoke_invitation,
)
from models.members import (
    assign_roles,
    company_roles,
    company_users,
    create_user,
    delete_user,
    grantable_roles,
    role_holder_counts,
    set_budget,
    set_business_unit,
    set_user_active,
)
from models.money import input_text, parse_amount
from models.permissions import PERM_LABELS, BuiltinRole, Perm
from models.roles import create_role, delete_role, update_role
from models.users import CompanyUser, Role
from paging import keyset_page, paginate
from portal import bp
from portal.people_forms import (
    ActiveForm,
    ConfirmForm,
    EditUserForm,
    InviteForm,
    InviteListForm,
    NewUserForm,
    RoleForm,
    permission_choices,
    role_choices,
    unit_choices,
)
from security import current_actor, current_company, load_or_404, permission_required

# --- helpers ------------------------------------------------------------------

def _status(form) -> int:
    """400 when a sent form (or the operation it asked for) was refused, else 200."""
    return 400 if form.is_submitted() or refused() else 200


def _form_errors(form) -> str:
    return " ".join(message for messages in form.errors.values() for message in messages)


def _grantable(include_buyer: bool = False) -> list[Role]:
    roles = grantable_roles(current_company(), actor=current_actor())
    return [r for r in roles if include_buyer or r.key != BuiltinRole.BUYER.value]


def _units(current: int | None = None) -> tuple[list[BusinessUnit], bool]:
    """The units the form lists (the chosen one, posted or ``current``, among them), and whether there are more."""
    chosen = request.form.get("business_unit") if request.method == "POST" else current
    return units_to_offer(current_actor().company_id, chosen=[chosen] if chosen else ())


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
    company_id = current_actor().company_id
    query = company_users(company_id, search=search, status=status, role_id=role_id)
    roles = db.session.scalars(company_roles(company_id)).all()  # with their grants: the rows' roles are these
    return render_template("portal/account/users.html", page=paginate(query), roles=roles,
                           filters={"q": search, "status": status, "role": role_id})


@bp.route("/account/users/new", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_USERS)
def user_new():
    grantable, (units, more_units) = _grantable(), _units()
    form = NewUserForm()
    _offer(form, grantable, units)
    if form.validate_on_submit():
        with attempt(form):
            user = create_user(
                current_company(), actor=current_actor(), email=form.email.data, first_name=form.first_name.data,
                last_name=form.last_name.data, phone=form.phone.data or "",
                roles=_picked(grantable, form.roles.data), business_unit=_one(units, form.business_unit.data),
            )
            flash(f"{user.full_name} is added. We sent {user.email} a link to set a password.", "success")
            return redirect(url_for("portal.user_edit", user_id=user.id))
    return render_template("portal/account/user_new.html", form=form, grantable=grantable,
                           more_units=more_units), _status(form)


@bp.route("/account/users/<int:user_id>", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_USERS)
def user_edit(user_id: int):
    user = load_or_404(CompanyUser, user_id)
    if not current_actor().may_act_on(user):
        return render_template("portal/account/user_view.html", user=user), 403 if request.method == "POST" else 200
    grantable, (units, more_units) = _grantable(), _units(user.business_unit_id)
    locale = request_locale()
    form = EditUserForm(data={
        "roles": [r.id for r in user.roles], "business_unit": user.business_unit_id or 0,
        "budget_amount": input_text(user.budget_amount, locale, user.currency),
        "budget_period": user.budget_period or "",
        "order_spend_limit": input_text(user.order_spend_limit, locale, user.currency),
    })
    _offer(form, grantable, units)
    if form.validate_on_submit():
        with attempt(form):
            _save_user(user, form, grantable, units)
            flash(f"The changes to {user.full_name} are saved.", "success")
            return redirect(url_for("portal.user_edit", user_id=user.id))
    return render_template("portal/account/user_edit.html", user=user, form=form, grantable=grantable,
                           more_units=more_units), _status(form)


def _save_user(user: CompanyUser, form: EditUserForm, grantable, units) -> None:
    """Business unit, budget and roles in one go: all saved or none."""
    actor, locale = current_actor(), request_locale()
    budget = parse_amount(form.budget_amount.data, locale=locale, currency=user.currency, label="The budget",
                          field="budget_amount")
    limit = parse_amount(form.order_spend_limit.data, locale=locale, currency=user.currency,
                         label="The order spend limit", field="order_spend_limit")
    set_business_unit(user, _one(units, form.business_unit.data), actor=actor)
    set_budget(user, actor=actor, budget_amount=budget, budget_period=form.budget_period.data,
               order_spend_limit=limit)
    assign_roles(user, _picked(grantable, form.roles.data), actor=actor)


@bp.route("/account/users/<int:user_id>/active", methods=["POST"])
@permission_required(Perm.MANAGE_USERS)
def user_active(user_id: int):
    user = load_or_404(CompanyUser, user_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "danger")
        return redirect(url_for("portal.user_edit", user_id=user_id))
    active = form.active.data == "1"
    with attempt():
        set_user_active(user, active, actor=current_actor())
        if active:
            flash(f"{user.full_name} is active again and can sign in.", "success")
        else:
            flash(f"{user.full_name} is deactivated: they cannot sign in and their open sessions have ended.",
                  "success")
    return redirect(url_for("portal.user_edit", user_id=user_id))


@bp.route("/account/users/<int:user_id>/delete", methods=["POST"])
@permission_required(Perm.MANAGE_USERS)
def user_delete(user_id: int):
    user = load_or_404(CompanyUser, user_id)
    name = user.full_name
    if ConfirmForm().validate_on_submit():
        with attempt():
            delete_user(user, actor=current_actor())
            flash(f"{name} is deleted.", "success")
            return redirect(url_for("portal.users"))
        return redirect(url_for("portal.user_edit", user_id=user_id))
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
            with attempt(one):
                invite(current_company(), one.email.data, _one(roles, one.role.data), actor=current_actor())
                flash(f"Invitation sent to {one.email.data.strip()}.", "success")
                return redirect(url_for("portal.invitations"))
    elif many.upload_list.data:
        status = 400
        if many.validate_on_submit():
            report, status = _invite_list(many, roles)
    elif request.method == "POST":
        flash("Choose whether to invite one address or upload a list.", "danger")
        status = 400
    pending = paginate(pending_invitations(current_actor().company_id))
    summary = Counter(line.outcome for line in report or [])
    return render_template("portal/account/invitations.html", one=one, many=many, report=report,
                           summary=summary, pending=pending), status


def _invite_list(form: InviteListForm, roles):
    """Invite every address of the uploaded list; the report says what became of each line."""
    role = _one(roles, form.list_role.data)
    report = None
    with attempt(form):
        upload = form.address_file.data
        entries = read_address_list(upload.read(LIST_MAX_BYTES + 1), upload.filename or "")
        report = invite_many(current_company(), entries, role, actor=current_actor())
    if report is None:
        form.address_file.errors = [refused()]
        return None, 400
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
    invitation = load_or_404(Invitation, invitation_id)
    if ConfirmForm().validate_on_submit():
        with attempt():
            resend_invitation(invitation, actor=current_actor())
            flash(f"A new invitation link is on its way to {invitation.email}; the old link no longer works.",
                  "success")
    return redirect(url_for("portal.invitations"))


@bp.route("/account/invitations/<int:invitation_id>/revoke", methods=["POST"])
@permission_required(Perm.MANAGE_USERS)
def invitation_revoke(invitation_id: int):
    invitation = load_or_404(Invitation, invitation_id)
    if ConfirmForm().validate_on_submit():
        with attempt():
            revoke_invitation(invitation, actor=current_actor())
            flash(f"The invitation for {invitation.email} is withdrawn; its link no longer works.", "success")
    return redirect(url_for("portal.invitations"))


# --- roles --------------------------------------------------------------------

def _custom_role_or_404(role_id: int) -> Role:
    """One of the company's own roles (built-in roles have no page of their own)."""
    role = load_or_404(Role, role_id)
    if role.builtin:
        abort(404)
    return role


@bp.route("/account/roles")
@permission_required(Perm.MANAGE_USERS)
def roles():
    company_id = current_actor().company_id
    rows = db.session.scalars(company_roles(company_id)).all()
    return render_template("portal/account/roles.html", builtin=[r for r in rows if r.builtin],
                           custom=[r for r in rows if not r.builtin], holders=role_holder_counts(company_id),
                           perms=list(Perm), labels=PERM_LABELS)


@bp.route("/account/roles/new", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_USERS)
def role_new():
    form = RoleForm()
    form.permissions.choices = permission_choices(current_actor())
    if form.validate_on_submit():
        with attempt(form):
            role = create_role(current_company(), actor=current_actor(), name=form.name.data,
                               permissions=form.permissions.data)
            flash(f"The role {role.name} is created; you can now give it to users.", "success")
            return redirect(url_for("portal.roles"))
    return render_template("portal/account/role_edit.html", form=form, role=None), _status(form)


@bp.route("/account/roles/<int:role_id>", methods=["GET", "POST"])
@permission_required(Perm.MANAGE_USERS)
def role_edit(role_id: int):
    role = _custom_role_or_404(role_id)
    form = RoleForm(data={"name": role.name, "permissions": [p.value for p in role.permissions]})
    form.permissions.choices = permission_choices(current_actor())
    beyond = [PERM_LABELS[p] for p in role.permissions if not current_actor().can(p)]
    if form.validate_on_submit():
        with attempt(form):
            update_role(role, actor=current_actor(), name=form.name.data, permissions=form.permissions.data)
            flash(f"The role {role.name} is saved.", "success")
            return redirect(url_for("portal.roles"))
    return render_template("portal/account/role_edit.html", form=form, role=role, beyond=beyond), _status(form)


@bp.route("/account/roles/<int:role_id>/delete", methods=["POST"])
@permission_required(Perm.MANAGE_USERS)
def role_delete(role_id: int):
    role = _custom_role_or_404(role_id)
    name = role.name
    if ConfirmForm().validate_on_submit():
        with attempt():
            delete_role(role, actor=current_actor())
            flash(f"The role {name} is deleted.", "success")
            return redirect(url_for("portal.roles"))
        return redirect(url_for("portal.role_edit", role_id=role_id))
    return redirect(url_for("portal.roles"))


# --- audit log ----------------------------------------------------------------

@bp.route("/account/audit")
@permission_required(Perm.VIEW_AUDIT_LOG)
def audit():
    search = request.args.get("q", "").strip()[:100]
    kind = request.args.get("kind", "")
    page = keyset_page(company_audit(current_actor().company_id, kind=kind, search=search), AuditEvent)
    return render_template("portal/account/audit.html", page=page, kinds=AUDIT_KINDS,
                           filters={"q": search, "kind": kind}, labels=PERM_LABELS)
