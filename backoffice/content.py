"""Texts staff write for the portal: the dashboard's promo and the default representative block.

Each text lives under a key of ``models.dashboard.CONTENT_KEYS``; saving runs ``check_content_block`` (a known
key, lengths, a link to a portal page or an https address), whose refusal shows on the form.
"""
from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import TextAreaField

from backoffice.base import StaffModelView, badge, refuse_as_form_error
from extensions import db
from models.dashboard import CONTENT_KEYS, ContentBlock, check_content_block
from models.permissions import StaffPerm


def _key(view, context, model, name) -> Markup:
    return escape(CONTENT_KEYS.get(model.key, model.key))


def _active(view, context, model, name) -> Markup:
    return badge("Shown", "success") if model.active else badge("Hidden", "secondary")


class ContentBlockView(StaffModelView):
    """List, write and change the portal's content blocks."""

    required_permission = StaffPerm.MANAGE_CONTENT
    can_view_details = False
    column_list = ("key", "title", "active", "updated_at")
    column_labels = {"key": "Used for", "link_url": "Link address", "link_label": "Link text",
                     "active": "Shown", "updated_at": "Changed", "body": "Text"}
    column_formatters = {"key": _key, "active": _active}
    column_searchable_list = ("title", "body")
    column_default_sort = "key"
    form_columns = ("key", "title", "body", "link_url", "link_label", "active")
    form_choices = {"key": list(CONTENT_KEYS.items())}
    form_overrides = {"body": TextAreaField}
    form_widget_args = {"body": {"rows": 6}}
    column_descriptions = {
        "key": "Where the portal shows the text.",
        "body": "Plain text; line breaks are kept.",
        "link_url": "A portal page (starting with /) or an https:// address; leave empty for no link.",
        "active": "Untick to stop showing the text without deleting it.",
    }

    def on_model_change(self, form, model, is_created):
        refuse_as_form_error(check_content_block, model, form)


def register(admin) -> None:
    """Add the content blocks to the back office's Setup menu."""
    admin.add_view(ContentBlockView(ContentBlock, db, name="Content blocks", endpoint="content_blocks",
                                    category="Setup"))
