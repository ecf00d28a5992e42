"""Companies and company users in the back office."""
from __future__ import annotations

from flask_admin.actions import action
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload, selectinload

from backoffice.base import StaffModelView
from models.companies import Address, BusinessUnit, Company, CompanyStatus, set_company_status
from models.permissions import StaffPerm
from models.shops import ShopAssignment
from models.users import CompanyUser, set_user_active


def _status_badge(view, context, model, name):
    colour = {"active": "success", "pending": "warning", "inactive": "secondary"}.get(model.status, "light")
    return Markup(f'<span class="badge badge-{colour}">{escape(model.status)}</span>')


class CompanyView(StaffModelView):
    required_permission = StaffPerm.MANAGE_COMPANIES
    can_delete = False
    column_list = ("name", "status", "shop", "customer_group", "users", "created_at")
    column_details_list = (
        "name", "status", "shop", "customer_group", "vat_id", "default_service_rep",
        "require_approval", "require_approval_over", "block_checkout", "block_checkout_over",
        "business_units", "addresses", "users", "created_at",
    )
    column_searchable_list = ("name", "vat_id")
    column_filters = ("status", "shop", "customer_group", "require_approval", "block_checkout")
    column_sortable_list = ("name", "status", "customer_group", "created_at")
    column_default_sort = "name"
    column_formatters = {
        "status": _status_badge,
        "users": lambda v, c, m, n: Markup(
            f'<a href="/admin/company_users/?search={escape(m.name)}">{len(m.users)} users</a>'
        ),
    }
    column_formatters_detail = {
        "status": _status_badge,
        "users": lambda v, c, m, n: Markup("<br>".join(escape(str(u)) for u in m.users)),
        "addresses": lambda v, c, m, n: Markup("<br>".join(escape(f"{a.kind}: {a}") for a in m.addresses)),
    }
    form_excluded_columns = ("status", "users", "created_at")
    inline_models = (
        (BusinessUnit, {"form_columns": ("id", "name", "parent", "service_rep")}),
        (Address, {"form_columns": ("id", "kind", "label", "line1", "line2", "postal_code", "city", "country", "is_default")}),
    )
    form_choices = {"kind": [("billing", "Billing"), ("shipping", "Shipping")]}

    def get_query(self):
        return super().get_query().options(joinedload(Company.shop), selectinload(Company.users))

    @action("activate", "Activate", "Activate the selected companies?")
    def action_activate(self, ids):
        actor = current_user._get_current_object()
        self.run_operation(ids, lambda c: set_company_status(c, CompanyStatus.ACTIVE, actor), "%d companies activated.")

    @action("deactivate", "Deactivate", "Deactivate the selected companies? Their users can no longer sign in.")
    def action_deactivate(self, ids):
        actor = current_user._get_current_object()
        self.run_operation(
            ids, lambda c: set_company_status(c, CompanyStatus.INACTIVE, actor), "%d companies deactivated."
        )


class CompanyUserView(StaffModelView):
    required_permission = StaffPerm.MANAGE_CUSTOMERS
    can_delete = False
    column_list = ("email", "first_name", "last_name", "company", "business_unit", "roles", "customer_type", "active", "shop_assignments")
    column_labels = {"shop_assignments": "Shops", "company.name": "Company", "roles.name": "Role", "shop_assignments.shop": "Shop"}
    column_searchable_list = ("email", "first_name", "last_name", "company.name")
    column_filters = ("company.name", "roles.name", "active", "customer_type", "shop_assignments.shop.name")
    column_sortable_list = ("email", "first_name", "last_name", ("company", "company.name"), "active")
    column_default_sort = "email"
    column_formatters = {
        "roles": lambda v, c, m, n: ", ".join(r.name for r in m.roles),
        "shop_assignments": lambda v, c, m, n: ", ".join(f"{a.shop.code} ({a.state})" for a in m.shop_assignments),
    }
    form_columns = ("email", "first_name", "last_name", "phone", "company", "business_unit", "customer_type", "roles", "order_spend_limit", "budget_amount", "budget_period")
    form_choices = {
        "customer_type": [("b2b", "B2B"), ("b2c", "B2C"), ("b2e", "B2E"), ("guest", "Guest")],
        "budget_period": [("", "—"), ("yearly", "Yearly"), ("half_yearly", "Half-yearly"), ("quarterly", "Quarterly"), ("monthly", "Monthly"), ("weekly", "Weekly")],
    }

    def get_query(self):
        return super().get_query().options(
            joinedload(CompanyUser.company),
            joinedload(CompanyUser.business_unit),
            selectinload(CompanyUser.roles),
            selectinload(CompanyUser.shop_assignments).joinedload(ShopAssignment.shop),
        )

    @action("activate", "Activate", "Activate the selected users?")
    def action_activate(self, ids):
        actor = current_user._get_current_object()
        self.run_operation(ids, lambda u: set_user_active(u, True, actor), "%d users activated.")

    @action("deactivate", "Deactivate", "Deactivate the selected users? They are signed out at once.")
    def action_deactivate(self, ids):
        actor = current_user._get_current_object()
        self.run_operation(ids, lambda u: set_user_active(u, False, actor), "%d users deactivated.")
