"""Shops, staff, the mail outbox and the audit log."""
from __future__ import annotations

import re

from flask import g, get_template_attribute, url_for
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from backoffice.base import StaffModelView, refuse_as_form_error
from backoffice.filters import (
    ClauseFilter,
    LiveFilterOptions,
    ValueInFilter,
    live_options,
    shop_choices,
)
from extensions import db
from models.addresses import ADDRESS_FORMATS
from models.audit import AUDIT_KINDS, AuditEvent
from models.companies import Company
from models.mail import may_open_links
from models.permissions import StaffPerm
from models.sealing import HIDDEN
from models.search import contains
from models.shops import (
    BOOK_MODE_LABELS,
    CUSTOMER_TYPE_LABELS,
    REGISTRATION_MODE_LABELS,
    Shop,
    ShopAddress,
    ShopCustomerSetting,
    check_shop,
)
from security import current_actor

BOOK_MODES = list(BOOK_MODE_LABELS.items())


class ShopView(LiveFilterOptions, StaffModelView):
    """Shops with their per-customer-type settings and shared address book."""

    required_permission = StaffPerm.MANAGE_SHOPS
    can_delete = False
    named_filter_urls = True
    column_list = ("code", "name", "parent", "registration_mode", "locale", "currency", "customer_settings",
                   "created_at")
    column_labels = {"parent": "Master shop", "customer_settings": "Per customer type", "locale": "Language and format"}
    column_searchable_list = ("code", "name")
    column_filters = (IntEqualFilter(Shop.parent_id, "Master shop", options=live_options(shop_choices)),
                      FilterEqual(Shop.registration_mode, "Registration", options=list(REGISTRATION_MODE_LABELS.items())))
    column_formatters = {
        "customer_settings": lambda v, c, m, n: Markup("<br>".join(escape(str(s)) for s in m.customer_settings)),
        "registration_mode": lambda v, c, m, n: REGISTRATION_MODE_LABELS.get(m.registration_mode, m.registration_mode),
    }
    form_columns = ("code", "name", "parent", "registration_mode", "address_format", "locale", "currency",
                    "customer_settings", "shared_addresses")
    form_choices = {
        "registration_mode": list(REGISTRATION_MODE_LABELS.items()),
        "address_format": list(ADDRESS_FORMATS.items()),
    }
    inline_models = (
        (ShopCustomerSetting, {
            "form_columns": ("id", "customer_type", "requires_approval", "address_book_mode"),
            "form_choices": {"customer_type": list(CUSTOMER_TYPE_LABELS.items()),
                             "address_book_mode": BOOK_MODES},
            "form_label": "Customer type setting",
        }),
        (ShopAddress, {
            "form_columns": ("id", "kind", "label", "line1", "line2", "postal_code", "city", "country"),
            "form_choices": {"kind": [("shipping", "Shipping"), ("billing", "Billing")]},
            "form_label": "Shared address",
        }),
    )
    column_descriptions = {
        "locale": "How the shop writes and reads amounts and dates, e.g. de_DE (1.500,50 €) or en_US ($1,500.50).",
        "currency": "ISO code of the currency its companies' budgets and prices are in, e.g. EUR or USD.",
        "customer_settings": "Per customer type: does registration need approval, and the address book mode.",
        "shared_addresses": "The sub shop's shared address book (used where the mode is Shared).",
    }

    def get_query(self):
        return super().get_query().options(joinedload(Shop.parent), selectinload(Shop.customer_settings))

    def on_model_change(self, form, model, is_created):
        refuse_as_form_error(check_shop, model)


def _bodies(model) -> tuple[str, str]:
    """The mail as this viewer may read it: links working only for those who may open them."""
    if model.holds_secret and may_open_links(current_actor()):
        return model.bodies_for_recipient() or (model.body_text, model.body_html)
    return model.body_text, model.body_html


def _secret_note(model) -> Markup:
    if not model.holds_secret and model.transport != "smtp":
        return Markup("")
    if model.holds_secret and may_open_links(current_actor()):
        return Markup('<p class="small text-muted">The link in this mail works: only administrators see it, '
                      "and only while Atrium has no mail server.</p>")
    return Markup(f'<p class="small text-muted">Links that sign someone in are shown as {escape(HIDDEN)}: '
                  "only the recipient gets them.</p>")


def _mail_body(view, context, model, name):
    """The HTML part in a sandbox (no script, no forms); its links open in a new tab, outside the sandbox."""
    html = '<base target="_blank">' + _bodies(model)[1]
    return _secret_note(model) + Markup(
        '<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" title="The mail as its recipient sees it" '
        'class="w-100 border" style="height: 28rem" srcdoc="{}"></iframe>'.format(escape(html))
    )


URL = re.compile(r"https?://[^\s<>\"']+")


def _mail_text(view, context, model, name):
    """The text part, its web addresses clickable (in a new tab)."""
    text = str(escape(_bodies(model)[0]))
    linked = URL.sub(lambda m: f'<a href="{m.group(0)}" target="_blank" rel="noopener">{m.group(0)}</a>', text)
    return Markup("<pre class='mb-0' style='white-space: pre-wrap; word-break: break-word'>{}</pre>").format(
        Markup(linked))


class OutboxView(StaffModelView):
    """Every mail Atrium wrote; without SMTP this is where mail is delivered."""

    required_permission = StaffPerm.VIEW_OUTBOX
    can_create = can_edit = can_delete = False
    column_list = ("created_at", "recipient", "subject", "state", "attempts", "transport", "sent_at")
    column_details_list = ("recipient", "subject", "state", "attempts", "transport", "last_error", "created_at",
                           "sent_at", "body_text", "body_html")
    column_labels = {"body_html": "Message", "body_text": "Plain text"}
    column_searchable_list = ("recipient", "subject")
    column_filters = ("state", "template", "transport", "created_at")
    column_default_sort = ("created_at", True)
    column_formatters_detail = {"body_html": _mail_body, "body_text": _mail_text}
    simple_list_pager = True  # previous / next: no count of every mail ever written on each page


def _company_cell(view, context, model, name):
    if model.company_id is None:
        return ""
    label = g.get("audit_company_names", {}).get(model.company_id, f"#{model.company_id}")
    url = url_for("companies.details_view", id=model.company_id)
    return Markup(f'<a href="{escape(url)}">{escape(label)}</a>')


ACTOR_KINDS = [("company", "A company user"), ("staff", "Atrium staff"), ("system", "Atrium, automatically"),
               ("visitor", "A visitor")]


class AuditEventView(LiveFilterOptions, StaffModelView):
    """Who changed which user, role, address, budget or invitation, and when; filterable by company."""

    required_permission = StaffPerm.MANAGE_COMPANIES
    can_create = can_edit = can_delete = False
    named_filter_urls = True
    column_list = ("at", "company_id", "details", "action")
    column_details_list = ("at", "company_id", "details", "action", "actor_label", "on_behalf_of_label")
    column_labels = {"at": "When", "details": "What happened", "action": "Kind", "actor_label": "Who",
                     "company_id": "Company", "on_behalf_of_label": "On behalf of"}
    column_searchable_list = ("actor_label", "on_behalf_of_label", "target_label")
    column_filters = (
        IntEqualFilter(AuditEvent.company_id, "Company id"),
        ValueInFilter(AuditEvent.company_id, "Company",
                      lambda text: select(Company.id).where(contains(Company.name, text))),
        ClauseFilter(AuditEvent.action, "Kind", operation="equals", options=list(AUDIT_KINDS.items()) + [
            ("application", "Applications"), ("workflow", "Workflow steps"), ("staff", "Staff accounts"),
            ("account", "Passwords")], clause=lambda v: AuditEvent.action.startswith(v + ".", autoescape=True)),
        FilterEqual(AuditEvent.actor_kind, "Done by", options=ACTOR_KINDS),
        "at",
    )
    column_default_sort = ("at", True)
    simple_list_pager = True  # previous / next: no count of every event ever recorded on each page
    column_formatters = {
        "company_id": _company_cell,
        "actor_label": lambda v, c, m, n: m.who,
        "details": lambda v, c, m, n: get_template_attribute("shared/audit.html", "describe")(m),
        "action": lambda v, c, m, n: get_template_attribute("shared/audit.html", "kind")(m),
    }

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        ids = {r.company_id for r in rows if r.company_id is not None}
        g.audit_company_names = dict(
            db.session.execute(select(Company.id, Company.name).where(Company.id.in_(ids))).all()
        ) if ids else {}
        return count, rows
