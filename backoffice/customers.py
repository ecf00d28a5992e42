"""Customer management: search company users and edit them in a tabbed editor.

The list filters by company, shop, shop access, customer type, active, role and
attribute values. The editor's Basic tab is Flask-Admin's edit form (names,
phone, customer type); ``active`` and shop access change only through buttons
and bulk actions that call the model operations.
"""
from __future__ import annotations

from flask import url_for
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import (
    BooleanEqualFilter,
    FilterEqual,
    FilterLike,
    IntEqualFilter,
)
from markupsafe import Markup, escape
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from backoffice.base import StaffModelView, badge, posted_ids
from backoffice.customer_editor import (
    CUSTOMER_EDITOR_LOADS,
    CustomerEditorActions,
    bulk_shop_state,
    editor_context,
)
from backoffice.filters import (
    ClauseFilter,
    ExistsFilter,
    LiveFilterOptions,
    live_options,
    shop_choices,
)
from extensions import db
from locales import money
from models.attributes import AttributeDefinition, AttributeValue
from models.members import (
    delete_user,
    set_customer_type,
    set_users_active,
    update_profile,
)
from models.permissions import StaffPerm
from models.search import contains
from models.shops import ASSIGNMENT_STATE_LABELS, CUSTOMER_TYPE_LABELS, Shop, ShopAssignment
from models.users import PERIOD_LABELS, CompanyUser, Role, user_roles
from security import current_actor

CUSTOMER_TYPES = list(CUSTOMER_TYPE_LABELS.items())


def _role_choices():
    """The built-in roles (a company's own roles are many across all companies: its users list filters them)."""
    roles = db.session.execute(select(Role.id, Role.name).where(Role.company_id.is_(None)).order_by(Role.name))
    return [(str(role_id), name) for role_id, name in roles]


def _attribute_match(value: str):
    """``KEY=text`` matches that attribute (key or label); plain text matches any attribute value."""
    key, _, text = value.partition("=") if "=" in value else ("", "", value)
    clauses = [AttributeValue.user_id == CompanyUser.id, contains(AttributeValue.value, text)]
    if key.strip():
        definition_ids = select(AttributeDefinition.id).where(
            or_(contains(AttributeDefinition.key, key), contains(AttributeDefinition.label, key))
        )
        clauses.append(AttributeValue.definition_id.in_(definition_ids))
    return clauses


def _name_match(value: str):
    """First, last or full name contains the text."""
    full = CompanyUser.first_name + " " + CompanyUser.last_name
    return or_(contains(CompanyUser.first_name, value), contains(CompanyUser.last_name, value), contains(full, value))


FILTERS = (
    FilterLike("company.name", "Company"),
    IntEqualFilter(CompanyUser.company_id, "Company id"),
    ExistsFilter(CompanyUser.id, "Shop", options=live_options(shop_choices), where=lambda v: (
        ShopAssignment.user_id == CompanyUser.id, ShopAssignment.shop_id == int(v) if v.isdigit() else False)),
    ExistsFilter(CompanyUser.id, "Shop access", options=[(code, label.capitalize()) for code, (label, _) in ASSIGNMENT_STATE_LABELS.items()],
                 where=lambda v: (ShopAssignment.user_id == CompanyUser.id, ShopAssignment.state == v)),
    FilterEqual(CompanyUser.customer_type, "Customer type", options=CUSTOMER_TYPES),
    BooleanEqualFilter(CompanyUser.active, "Active"),
    ExistsFilter(CompanyUser.id, "Role", options=live_options(_role_choices), where=lambda v: (
        and_(user_roles.c.user_id == CompanyUser.id, user_roles.c.role_id == (int(v) if v.isdigit() else 0)),)),
    ExistsFilter(CompanyUser.id, "Attribute (KEY=value or value)", where=_attribute_match, operation="contains"),
    FilterLike(CompanyUser.email, "E-mail"),
    ClauseFilter(CompanyUser.last_name, "Name", _name_match),
)


def _email_link(view, context, model, name):
    return Markup(f'<a href="{escape(url_for(".edit_view", id=model.id))}">{escape(model.email)}</a>')


def _company_link(view, context, model, name):
    url = url_for("companies.details_view", id=model.company_id)
    return Markup(f'<a href="{escape(url)}">{escape(model.company.name)}</a>')


def _done(verb: str, state: str):
    """The message of a bulk (de)activation, given how many users changed."""
    return lambda n: (f"{n} user{'' if n == 1 else 's'} {verb}." if n
                      else f"Nothing to change: the selected users were already {state}.")


def _shops(view, context, model, name):
    return Markup(" ").join(badge(*a.status) for a in model.shop_assignments)


class CompanyUserView(CustomerEditorActions, LiveFilterOptions, StaffModelView):
    """Company users (customers): search, filters, bulk actions and the tabbed editor."""

    required_permission = StaffPerm.MANAGE_CUSTOMERS
    can_create = False  # staff invite people from the company page
    can_delete = True
    named_filter_urls = True
    edit_template = "backoffice/customer_edit.html"
    one_loads = CUSTOMER_EDITOR_LOADS
    column_list = ("email", "first_name", "last_name", "company", "business_unit", "roles", "customer_type",
                   "active", "shop_assignments")
    column_labels = {"shop_assignments": "Shops", "customer_type": "Type", "business_unit": "Business unit",
                     "email": "E-mail", "first_name": "First name", "last_name": "Last name", "company.name": "Company",
                     "active": "Status"}
    column_searchable_list = ("email", "first_name", "last_name", "company.name")
    column_filters = FILTERS
    column_sortable_list = ("email", "first_name", "last_name", ("company", "company.name"), "customer_type", "active")
    column_default_sort = "email"
    column_formatters = {
        "email": _email_link,
        "company": _company_link,
        "roles": lambda v, c, m, n: ", ".join(r.name for r in m.roles),
        "shop_assignments": _shops,
        "active": lambda v, c, m, n: badge(*m.access_status),
        "customer_type": lambda v, c, m, n: CUSTOMER_TYPE_LABELS.get(m.customer_type, m.customer_type),
    }
    column_details_list = ("email", "first_name", "last_name", "phone", "company", "business_unit", "roles",
                           "customer_type", "active", "shop_assignments", "budget_amount", "budget_period",
                           "order_spend_limit", "created_at", "last_login_at")
    column_formatters_detail = {
        **column_formatters,
        "budget_amount": lambda v, c, m, n: money(m.budget),
        "order_spend_limit": lambda v, c, m, n: money(m.spend_limit),
        "budget_period": lambda v, c, m, n: PERIOD_LABELS.get(m.budget_period, ""),
    }
    form_columns = ("first_name", "last_name", "phone", "customer_type")
    form_choices = {"customer_type": CUSTOMER_TYPES}

    def get_query(self):
        return super().get_query().options(
            joinedload(CompanyUser.company),
            joinedload(CompanyUser.business_unit),
            selectinload(CompanyUser.roles).lazyload(Role.grants),  # names only
            selectinload(CompanyUser.shop_assignments).joinedload(ShopAssignment.shop).lazyload(Shop.customer_settings),
        )

    def render(self, template, **kwargs):
        if template == self.edit_template and kwargs.get("model") is not None:
            kwargs.update(editor_context(kwargs["model"], current_actor()))  # loaded with one_loads
        return super().render(template, **kwargs)

    def update_model(self, form, model):
        """Basic tab: names and phone (``update_profile``), customer type (``set_customer_type``)."""
        actor = current_actor()

        def save():
            update_profile(model, actor=actor, first_name=form.first_name.data, last_name=form.last_name.data,
                           phone=form.phone.data or "")
            set_customer_type(model, form.customer_type.data, actor=actor)

        return self.save_through(form, model, save)

    def delete_row(self, model) -> None:
        """Delete through ``delete_user`` (a company keeps one Account Admin)."""
        delete_user(model, actor=current_actor())

    @action("activate", "Activate", "Activate the selected users?")
    def action_activate(self, ids):
        actor = current_actor()
        self.run_bulk(ids, lambda users: set_users_active(users, True, actor=actor), _done("activated", "active"),
                      selectinload(CompanyUser.roles), joinedload(CompanyUser.company))

    @action("deactivate", "Deactivate", "Deactivate the selected users? They are signed out at once.")
    def action_deactivate(self, ids):
        actor = current_actor()
        self.run_bulk(ids, lambda users: set_users_active(users, False, actor=actor),
                      _done("deactivated", "inactive"), selectinload(CompanyUser.roles), joinedload(CompanyUser.company))

    @action("enable_shops", "Enable shop access",
            "Enable the shop assignments of the selected customers? Each customer gets an activation mail.")
    def action_enable_shops(self, ids):
        bulk_shop_state(posted_ids(ids), True, current_actor())

    @action("disable_shops", "Disable shop access",
            "Disable the shop assignments of the selected customers? They can no longer sign in to those shops "
            "and each gets a mail.")
    def action_disable_shops(self, ids):
        bulk_shop_state(posted_ids(ids), False, current_actor())
