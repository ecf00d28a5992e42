"""Setup → Staff: back office accounts, changed only through ``models.staff_accounts``.

A new account gets a mailed link to choose its password; nobody types a
password for someone else. Activate / deactivate and "send a password link"
are actions (bulk on the list, buttons on the details page).
"""
from __future__ import annotations

from flask import flash, url_for
from flask_admin import expose
from flask_admin.actions import action
from sqlalchemy.orm import selectinload

from backoffice.base import StaffModelView
from backoffice.pages import activate_or_deactivate, form_id, load_or_404, run_and_redirect
from edge import attempt
from models.permissions import STAFF_ROLES, StaffPerm
from models.staff import StaffUser
from models.staff_accounts import create_staff, send_staff_password_link, set_staff_active, update_staff
from portal.people_forms import CheckboxesField
from security import current_actor

ROLE_CHOICES = [(role.value, label) for role, (label, _) in STAFF_ROLES.items()]


class StaffUserView(StaffModelView):
    """Back office accounts: who they are, their roles, whether they may sign in."""

    required_permission = StaffPerm.MANAGE_STAFF
    can_delete = False
    details_template = "backoffice/staff_details.html"
    column_list = ("name", "email", "role_names", "active", "last_login_at")
    column_details_list = ("name", "email", "phone", "photo", "role_names", "active", "created_at", "last_login_at")
    column_labels = {"role_names": "Roles", "email": "E-mail", "last_login_at": "Last sign-in",
                     "photo": "Photo address", "created_at": "Created"}
    column_searchable_list = ("email", "name")
    column_filters = ("active",)
    column_sortable_list = ("name", "email", "active", "last_login_at")
    column_default_sort = "name"
    form_columns = ("email", "name", "phone", "photo", "staff_roles")
    form_extra_fields = {"staff_roles": CheckboxesField("Roles", choices=ROLE_CHOICES)}
    one_loads = (selectinload(StaffUser.role_rows),)

    def get_query(self):
        return super().get_query().options(selectinload(StaffUser.role_rows))  # the Roles column
    column_descriptions = {
        "phone": "Shown to customers whose service representative this person is.",
        "photo": "Address of a photo for the representative block (optional).",
        "staff_roles": "Administrators may do everything; support works customers and inquiries; sales "
                       "representatives act for customers; catalog managers keep the catalog.",
    }

    def edit_form(self, obj=None):
        """The e-mail is the sign-in name: it is set once, when the account is made."""
        form = super().edit_form(obj)
        del form.email
        return form

    def on_form_prefill(self, form, id):
        staff = self.get_one(id)
        form.staff_roles.data = [role.value for role in staff.roles] if staff else []

    def create_model(self, form):
        """A new account; its owner gets a link by mail to choose a password."""
        with attempt(form):
            staff = create_staff(actor=current_actor(), email=form.email.data, name=form.name.data,
                                 roles=form.staff_roles.data, phone=form.phone.data, photo=form.photo.data)
            flash(f"We sent {staff.email} a link to choose a password; it works for 48 hours.", "success")
            return staff
        return False

    def update_model(self, form, model):
        return self.save_through(form, model, lambda: update_staff(
            model, actor=current_actor(), name=form.name.data, roles=form.staff_roles.data,
            phone=form.phone.data, photo=form.photo.data))

    @action("activate", "Activate", "Activate the selected staff accounts?")
    def action_activate(self, ids):
        actor = current_actor()
        self.run_operation(ids, lambda s: set_staff_active(s, True, actor=actor), "%d staff account(s) activated.")

    @action("deactivate", "Deactivate", "Deactivate the selected staff accounts? They are signed out at once.")
    def action_deactivate(self, ids):
        actor = current_actor()
        self.run_operation(ids, lambda s: set_staff_active(s, False, actor=actor),
                           "%d staff account(s) deactivated.")

    @expose("/active/", methods=("POST",))
    def active_view(self):
        """Activate or deactivate one account (deactivation ends its sessions)."""
        return activate_or_deactivate(StaffUser, set_staff_active, lambda staff: staff.name,
                                      lambda staff: url_for(".details_view", id=staff.id))

    @expose("/password-link/", methods=("POST",))
    def password_link_view(self):
        """Mail the staff member a link to choose a new password."""
        staff = load_or_404(StaffUser, form_id())
        return run_and_redirect(lambda: send_staff_password_link(staff, actor=current_actor()),
                                f"We sent {staff.email} a link to choose a new password.",
                                url_for(".details_view", id=staff.id))

