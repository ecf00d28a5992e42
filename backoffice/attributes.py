"""Custom customer attributes: their definitions, and which shop forms show them."""
from __future__ import annotations

import re

from flask_admin.contrib.sqla.filters import IntEqualFilter
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms.validators import ValidationError

from backoffice.base import StaffModelView
from backoffice.filters import LiveFilterOptions, live_options, shop_choices
from extensions import db
from models.attributes import AttributeDefinition, AttributeType, AttributeValue, ShopAttribute
from models.permissions import StaffPerm

KEY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,59}$")


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
        model.key = (model.key or "").strip().upper()
        model.label = (model.label or "").strip()
        if not KEY_PATTERN.match(model.key):
            raise ValidationError("The key takes letters, digits and underscores and starts with a letter.")
        if not model.label:
            raise ValidationError("The attribute needs a label.")
        with db.session.no_autoflush:
            clash = db.session.scalar(
                select(AttributeDefinition).where(AttributeDefinition.key == model.key, AttributeDefinition.id != model.id)
            )
        if clash is not None:
            raise ValidationError(f"An attribute with the key {model.key} exists already.")

    def on_model_delete(self, model):
        in_use = db.session.scalar(select(func.count(AttributeValue.id)).where(AttributeValue.definition_id == model.id))
        if in_use:
            raise ValidationError(
                f"{in_use} customer(s) have a value for {model.label}; remove it from the shops' forms instead."
            )


class ShopAttributeView(LiveFilterOptions, StaffModelView):
    """Which attributes a shop's registration and profile forms show."""

    required_permission = StaffPerm.MANAGE_SHOPS
    named_filter_urls = True
    column_list = ("shop", "definition", "on_registration", "on_profile")
    column_labels = {"definition": "Attribute", "on_registration": "On registration", "on_profile": "On profile"}
    column_filters = (IntEqualFilter(ShopAttribute.shop_id, "Shop", options=live_options(shop_choices)),)
    form_columns = ("shop", "definition", "on_registration", "on_profile")

    def get_query(self):
        return super().get_query().options(joinedload(ShopAttribute.shop))

    def on_model_change(self, form, model, is_created):
        if model.shop is None or model.definition is None:
            raise ValidationError("Choose a shop and an attribute.")
        with db.session.no_autoflush:
            clash = db.session.scalar(
                select(ShopAttribute).where(
                    ShopAttribute.shop_id == model.shop.id, ShopAttribute.definition_id == model.definition.id,
                    ShopAttribute.id != model.id,
                )
            )
        if clash is not None:
            raise ValidationError(f"{model.shop.name} already shows {model.definition.label}.")
