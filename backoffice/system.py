"""Shops, staff, the mail outbox and the audit log."""
from __future__ import annotations

from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload
from wtforms import PasswordField, SelectMultipleField
from wtforms.validators import Optional

from backoffice.base import StaffModelView
from models.auth import normalize_email, set_password
from models.base import DomainError
from models.permissions import STAFF_ROLES, StaffPerm
from models.shops import Shop


class ShopView(StaffModelView):
    required_permission = StaffPerm.MANAGE_SHOPS
    can_delete = False
    column_list = ("code", "name", "parent", "created_at")
    column_searchable_list = ("code", "name")
    column_filters = ("parent.name",)
    column_labels = {"parent.name": "Master shop"}
    form_columns = ("code", "name", "parent")

    def get_query(self):
        return super().get_query().options(joinedload(Shop.parent))


class StaffUserView(StaffModelView):
    required_permission = StaffPerm.MANAGE_STAFF
    can_delete = False
    column_list = ("email", "name", "phone", "role_names", "active", "last_login_at")
    column_labels = {"role_names": "Roles"}
    column_searchable_list = ("email", "name")
    column_filters = ("active",)
    form_columns = ("email", "name", "phone", "photo", "active")
    form_extra_fields = {
        "staff_roles": SelectMultipleField(
            "Roles", choices=[(role.value, label) for role, (label, _) in STAFF_ROLES.items()]
        ),
        "new_password": PasswordField("New password", validators=[Optional()]),
    }

    def on_form_prefill(self, form, id):
        staff = self.get_one(id)
        form.staff_roles.data = [r.value for r in staff.roles] if staff else []

    def on_model_change(self, form, model, is_created):
        model.email = normalize_email(model.email)
        model.roles = form.staff_roles.data or []
        if form.new_password.data:
            try:
                set_password(model, form.new_password.data)
            except DomainError as error:
                raise ValueError(error.message) from error
        elif is_created:
            raise ValueError("A new staff account needs a password.")


def _mail_body(view, context, model, name):
    return Markup(
        '<iframe sandbox class="w-100 border" style="height: 28rem" srcdoc="{}"></iframe>'.format(
            escape(model.body_html)
        )
    )


class OutboxView(StaffModelView):
    """Every mail Atrium wrote; without SMTP this is where mail is delivered."""

    required_permission = StaffPerm.VIEW_OUTBOX
    can_create = can_edit = can_delete = False
    column_list = ("created_at", "recipient", "subject", "state", "attempts", "transport", "sent_at")
    column_details_list = ("recipient", "subject", "state", "attempts", "transport", "last_error", "created_at", "sent_at", "body_text", "body_html")
    column_labels = {"body_html": "Message", "body_text": "Plain text"}
    column_searchable_list = ("recipient", "subject")
    column_filters = ("state", "template", "transport", "created_at")
    column_default_sort = ("created_at", True)
    column_formatters_detail = {
        "body_html": _mail_body,
        "body_text": lambda v, c, m, n: Markup(f"<pre class='mb-0'>{escape(m.body_text)}</pre>"),
    }


class AuditEventView(StaffModelView):
    required_permission = StaffPerm.MANAGE_COMPANIES
    can_create = can_edit = can_delete = False
    column_list = ("at", "actor_label", "actor_kind", "action", "target_type", "target_label", "company_id")
    column_labels = {"actor_label": "Who", "target_label": "Record", "company_id": "Company"}
    column_searchable_list = ("actor_label", "action", "target_label")
    column_filters = ("action", "actor_kind", "target_type", "at")
    column_default_sort = ("at", True)
