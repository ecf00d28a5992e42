"""The company page of the back office: what it shows and the forms it posts.

``company_page_context`` loads everything the page shows in a fixed number of
queries (no query per member, unit or address). ``CompanyPageActions`` holds the
page's POST endpoints; each calls one model operation.
"""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from backoffice.base import units_found
from backoffice.pages import form_id, load_or_404, optional_row, posted_amount, run_and_redirect
from edge import attempt
from extensions import db
from models.addresses import (
    add_address,
    address_book_mode,
    delete_address,
    format_address,
    update_address,
)
from models.audit import AuditEvent
from models.companies import (
    Address,
    BusinessUnit,
    Company,
    CompanyStatus,
    account_admins_and_role,
    delete_business_unit,
    descendant_ids,
    save_business_unit,
    set_checkout_rules,
    set_company_status,
    set_default_service_rep,
    set_unit_service_rep,
    unit_tree,
    units_to_offer_from,
)
from models.invitations import (
    LIST_MAX_BYTES,
    Invitation,
    InvitationState,
    invite,
    invite_many,
    read_address_list,
    resend_invitation,
    revoke_invitation,
)
from models.members import grantable_roles
from models.permissions import StaffPerm
from models.shops import AddressBookMode, Shop, ShopAssignment
from models.staff import StaffUser
from models.users import CompanyUser, adopt_roles, roles_joined
from paging import page_of, paginate
from security import current_actor

AUDIT_ENTRIES = 10
MEMBERS_SHOWN = 25
CONTACTS_SHOWN = 10
INVITATIONS_SHOWN = 25
CHECKOUT_FLAGS = ("require_approval", "block_checkout")
CHECKOUT_AMOUNTS = (("require_approval_over", "The approval threshold"),
                    ("block_checkout_over", "The checkout block threshold"))
ADDRESS_INPUTS = ("kind", "label", "line1", "line2", "postal_code", "city", "country", "is_default")


UNITS_SHOWN = 25
ADDRESSES_SHOWN = 24  # a grid of two or three columns

# What the company page shows of the company itself, loaded with it: shop and its settings, the
# representative and the billing address in one statement, units (with their representatives, for the tree) in one more. Addresses
# are paged by a query of their own.
COMPANY_PAGE_LOADS = (
    joinedload(Company.shop).joinedload(Shop.customer_settings),
    joinedload(Company.default_service_rep),
    joinedload(Company.billing_address),
    selectinload(Company.business_units).joinedload(BusinessUnit.service_rep),
)


def members(company_id: int) -> tuple[list[CompanyUser], int, int]:
    """The first members by name (with what the table shows), and how many there are, active or not: one
    statement, the counts riding along."""
    of_company = CompanyUser.company_id == company_id
    total = select(func.count(CompanyUser.id)).where(of_company).scalar_subquery()
    active = select(func.count(CompanyUser.id)).where(of_company, CompanyUser.active.is_(True)).scalar_subquery()
    rows = db.session.execute(
        select(CompanyUser, total, active).where(of_company)
        .order_by(CompanyUser.last_name, CompanyUser.first_name, CompanyUser.id).limit(MEMBERS_SHOWN)
        .options(
            roles_joined(grants=False),  # a member holds a few roles and a shop or two: one statement
            joinedload(CompanyUser.business_unit),
            joinedload(CompanyUser.shop_assignments).joinedload(ShopAssignment.shop),
        )
    ).unique().all()
    adopt_roles(row[0] for row in rows)
    return [row[0] for row in rows], (rows[0][1] if rows else 0), (rows[0][2] if rows else 0)


def contacts(company_id: int) -> dict:
    """The first account admins, and when there are more, a link to all of them in the users list."""
    (admins, admin_role), more_url = account_admins_and_role(company_id, limit=CONTACTS_SHOWN + 1), None
    if len(admins) > CONTACTS_SHOWN:
        more_url = url_for("company_users.index_view", flt0_company_id_equals=company_id,
                           flt1_role_equals=admin_role, flt2_active_equals=1)
    return {"contacts": admins[:CONTACTS_SHOWN], "more_contacts_url": more_url}


def company_page_context(company: Company, actor) -> dict:
    """Everything the company page shows besides the company itself."""
    mode = address_book_mode(company)
    shown, total, active = members(company.id)
    invitations, invitation_count = pending_invitations(company.id)
    return {
        "company": company,
        **contacts(company.id),
        "members": shown,
        "member_count": total,
        "active_count": active,
        "members_url": url_for("company_users.index_view", flt0_company_id_equals=company.id),
        "billing": company.billing_address,
        "addresses": paginate(select(Address).where(Address.company_id == company.id).order_by(Address.id),
                                     ADDRESSES_SHOWN, "addresses_page"),
        "invitations": invitations,
        "invitation_count": invitation_count,
        "audit_entries": last_audit_entries(company.id),
        "staff_choices": db.session.scalars(
            select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.name)
        ).all(),
        "roles": grantable_roles(company, actor=actor),
        **unit_section(company),
        "address_mode": mode,
        "shared_addresses": company.shop.shared_addresses if mode is AddressBookMode.SHARED else [],
        "format_address": lambda a: format_address(a, company.shop.address_format),
        "statuses": CompanyStatus,
        "audit_url": url_for("audit.index_view", flt0_company_id_equals=company.id),
        "orders_url": url_for("orders.index_view", flt0_company_id_equals=company.id)
        if actor.can(StaffPerm.MANAGE_ORDERS) else None,
        "aftersales_links": aftersales_links(company, actor),
    }


def aftersales_links(company: Company, actor) -> list[tuple[str, str]]:
    """(label, url) of the after-sales lists filtered on the company, those the actor may open."""
    lists = ((StaffPerm.MANAGE_AFTER_SALES, "assets", "Assets"), (StaffPerm.MANAGE_AFTER_SALES, "files", "Files"),
             (StaffPerm.WORK_INQUIRIES, "inquiries", "Inquiries"))
    return [(f"{label} of {company.name}", url_for(f"{endpoint}.index_view", flt0_company_id_equals=company.id))
            for permission, endpoint, label in lists if actor.can(permission)]


def unit_section(company: Company) -> dict:
    """One page of the unit tree, and the unit whose edit form is open (``?unit=``), if it is the company's."""
    units, tree = company.business_units, unit_tree(company.business_units)
    chosen = request.args.get("unit", type=int)
    editing = next((u for u in units if u.id == chosen), None)
    # The "Part of" choices of the add form and of the open edit form: the first units by name and the edited
    # unit's parent, with a finder for the others (``units_view``).
    offered, more = units_to_offer_from(units, chosen=[editing.parent_id] if editing else ())
    return {
        "units": page_of(tree, UNITS_SHOWN, "units_page"),
        "unit_choices": offered,
        "more_units": more,
        "editing_unit": editing,
        "blocked_units": descendant_ids(units, editing.id) | {editing.id} if editing else set(),
    }


def pending_invitations(company_id: int) -> tuple[list[Invitation], int]:
    """The newest pending invitations, and how many are pending (one statement: the count rides along)."""
    pending = (Invitation.company_id == company_id, Invitation.state == InvitationState.PENDING.value)
    rows = db.session.execute(
        select(Invitation, select(func.count(Invitation.id)).where(*pending).scalar_subquery())
        .where(*pending).options(joinedload(Invitation.role))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(INVITATIONS_SHOWN)
    ).all()
    return [row[0] for row in rows], (rows[0][1] if rows else 0)


def last_audit_entries(company_id: int) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.company_id == company_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(AUDIT_ENTRIES)
    ).all()


def _page(company_id: int, section: str = "") -> str:
    return url_for(".details_view", id=company_id) + (f"#{section}" if section else "")


def _invitation_report(lines) -> None:
    """Flash the outcome of an uploaded list: a summary and each refused line."""
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.outcome] = counts.get(line.outcome, 0) + 1
    if not lines:
        flash("The list has no e-mail addresses.", "error")
        return
    flash("Invitation list: " + ", ".join(f"{n} {outcome}" for outcome, n in counts.items()) + ".",
          "success" if counts.get("invited") else "warning")
    refused = [line for line in lines if line.outcome != "invited"]
    for line in refused[:20]:
        flash(f"Line {line.number} ({line.text}): {line.outcome}. {line.message}", "warning")
    if len(refused) > 20:
        flash(f"… and {len(refused) - 20} more lines not invited.", "warning")


class CompanyPageActions:
    """POST endpoints of the company page (mixed into ``CompanyView``), and its unit finder."""

    @expose("/units/")
    def units_view(self):
        """The "Part of" finder: a company's business units by part of their name (JSON)."""
        return units_found(request.args.get("company_id"), request.args.get("q"))

    @expose("/status/", methods=("POST",))
    def status_view(self):
        """Activate or deactivate the company; users of an inactive company cannot sign in."""
        company = load_or_404(Company, form_id())
        wanted = request.form.get("status", "")
        if wanted not in (CompanyStatus.ACTIVE.value, CompanyStatus.INACTIVE.value):
            flash("Choose to activate or to deactivate the company.", "error")
            return redirect(_page(company.id))
        status = CompanyStatus(wanted)
        done = f"{company.name} is {'active' if status is CompanyStatus.ACTIVE else 'deactivated; its users cannot sign in'}."
        return run_and_redirect(lambda: set_company_status(company, status, actor=current_actor()), done, _page(company.id))

    @expose("/checkout/", methods=("POST",))
    def checkout_view(self):
        """Save the checkout attributes (approval and blocking, with optional amounts)."""
        company = load_or_404(Company, form_id())

        def save():
            rules = {flag: request.form.get(flag) == "y" for flag in CHECKOUT_FLAGS}
            rules.update({field: posted_amount(field, company.currency, label) for field, label in CHECKOUT_AMOUNTS})
            set_checkout_rules(company, actor=current_actor(), **rules)

        return run_and_redirect(save, "Checkout rules saved.", _page(company.id, "checkout"))

    @expose("/invite/", methods=("POST",))
    def invite_view(self):
        """Invite one address, or every address of an uploaded CSV/TXT list, with a role."""
        company = load_or_404(Company, form_id())
        actor = current_actor()
        target = _page(company.id, "members")
        role = next((r for r in grantable_roles(company, actor=actor) if str(r.id) == request.form.get("role_id")), None)
        upload = request.files.get("file")
        if role is None:
            flash("Choose a role for the invitation from the list.", "error")
            return redirect(target)
        if upload is not None and upload.filename:
            return self._invite_list(company, actor, role, upload, target)
        email = request.form.get("email", "")
        return run_and_redirect(
            lambda: invite(company, email, role, actor=actor), lambda inv: f"Invitation sent to {inv.email} as {role.name}.",
            target,
        )

    def _invite_list(self, company, actor, role, upload, target: str):
        """Each line reports its outcome; valid lines go through even when others fail."""
        with attempt():
            entries = read_address_list(upload.read(LIST_MAX_BYTES + 1), upload.filename)
            _invitation_report(invite_many(company, entries, role, actor=actor))
        return redirect(target)

    @expose("/invitation/", methods=("POST",))
    def invitation_view(self):
        """Resend (new link, fresh expiry) or revoke a pending invitation."""
        invitation = load_or_404(Invitation, form_id("invitation_id"))
        target = _page(invitation.company_id, "members")
        if request.form.get("do") == "revoke":
            return run_and_redirect(lambda: revoke_invitation(invitation, actor=current_actor()),
                                    f"The invitation for {invitation.email} is revoked; its link no longer works.", target)
        return run_and_redirect(lambda: resend_invitation(invitation, actor=current_actor()),
                                f"A new invitation link was sent to {invitation.email}.", target)

    @expose("/unit/", methods=("POST",))
    def unit_view(self):
        """Add or change a business unit: name, parent and service representative."""
        company = load_or_404(Company, form_id())
        unit = load_or_404(BusinessUnit, form_id("unit_id")) if request.form.get("unit_id") else None

        def save():
            parent = optional_row(BusinessUnit, request.form.get("parent_id"), "Choose a parent unit from the list.")
            rep = optional_row(StaffUser, request.form.get("service_rep_id"), "Choose a staff member from the list.")
            actor = current_actor()
            saved = save_business_unit(company, actor=actor, name=request.form.get("name", ""), parent=parent,
                                       unit=unit)
            set_unit_service_rep(saved, rep, actor=actor)
            return saved

        return run_and_redirect(save, lambda u: f"Business unit {u.name} saved.", _page(company.id, "units"))

    @expose("/unit/delete/", methods=("POST",))
    def unit_delete_view(self):
        unit = load_or_404(BusinessUnit, form_id("unit_id"))
        company_id, name = unit.company_id, unit.name
        return run_and_redirect(lambda: delete_business_unit(unit, actor=current_actor()),
                                f"Business unit {name} deleted.", _page(company_id, "units"))

    @expose("/rep/", methods=("POST",))
    def rep_view(self):
        """Set the company's default service representative."""
        company = load_or_404(Company, form_id())

        def save():
            rep = optional_row(StaffUser, request.form.get("service_rep_id"), "Choose a staff member from the list.")
            set_default_service_rep(company, rep, actor=current_actor())
            return rep

        return run_and_redirect(
            save, lambda rep: f"Default representative: {rep.name if rep else 'none'}.", _page(company.id, "units")
        )

    @expose("/address/", methods=("POST",))
    def address_view(self):
        """Add an address, or change one (``address_id``); staff may always edit."""
        company = load_or_404(Company, form_id())
        data = {field: request.form.get(field, "") for field in ADDRESS_INPUTS}
        data["is_default"] = request.form.get("is_default") == "y"
        if request.form.get("address_id"):
            address = load_or_404(Address, form_id("address_id"))
            if address.company_id != company.id:
                flash("That address belongs to another company.", "error")
                return redirect(_page(company.id, "addresses"))
            return run_and_redirect(lambda: update_address(address, data, actor=current_actor()), "Address saved.",
                                    _page(company.id, "addresses"))
        return run_and_redirect(lambda: add_address(company, data, actor=current_actor()), "Address added.",
                                _page(company.id, "addresses"))

    @expose("/address/delete/", methods=("POST",))
    def address_delete_view(self):
        address = load_or_404(Address, form_id("address_id"))
        company_id = address.company_id
        return run_and_redirect(lambda: delete_address(address, actor=current_actor()), "Address deleted.",
                                _page(company_id, "addresses"))

