"""Custom customer attributes: their definitions, and which shop forms show them."""
from __future__ import annotations

from flask_admin.contrib.sqla.filters import IntEqualFilter
from sqlalchemy.orm import joinedload

from backoffice.base import StaffModelView, refuse_as_form_error
from backoffice.filters import LiveFilterOptions, live_options, shop_choices
from models.attributes import (
    AttributeType,
    ShopAttribute,
    check_definition,
    check_definition_deletable,
    check_shop_attribute,
)
from models.permissions import StaffPerm
from security import current_actor


class AttributeDefinitionView(StaffModelView):
    """Attribute definitions (phone, marketing opt-in, B2B reference, employee id ...)."""

    required_permission = StaffPerm.MANAGE_SHOPS
    column_list = ("key", "label", "type", "required")
    column_searchable_list = ("key", "label")
    column_filters = ("type", "required")
    column_default_sort = "label"
    form_columns = ("key", "label", "type", "required")
    form_choices = {"type": [(t.value, t.value.title()) for t in AttributeType]}
    column_descriptions = {
        "key": "Letters, digits and underscores, e.g. CUSTOMER_PHONE; fixed once customers have values.",
        "required": "Registration and profile forms that show the attribute require a value.",
    }

    def on_model_change(self, form, model, is_created):
        refuse_as_form_error(check_definition, model)

    def on_model_delete(self, model):
        check_definition_deletable(model, actor=current_actor())


class ShopAttributeView(LiveFilterOptions, StaffModelView):
    """Which attributes a shop's registration and profile forms show."""

    required_permission = StaffPerm.MANAGE_SHOPS
    named_filter_urls = True
    column_list = ("shop", "definition", "on_registration", "on_profile")
    column_labels = {"definition": "Attribute", "on_registration": "On registration", "on_profile": "On profile"}
    column_filters = (IntEqualFilter(ShopAttribute.shop_id, "Shop", options=live_options(shop_choices)),)
    form_columns = ("shop", "definition", "on_registration", "on_profile")
    one_loads = (joinedload(ShopAttribute.shop), joinedload(ShopAttribute.definition))

    def get_query(self):
        return super().get_query().options(joinedload(ShopAttribute.shop))

    def on_model_change(self, form, model, is_created):
        refuse_as_form_error(check_shop_attribute, model)
