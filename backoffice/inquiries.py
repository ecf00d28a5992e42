"""Inquiries in the back office: the worklist, an inquiry's page with its steps and internal notes.

The worklist is every company's inquiries, newest first, paged by previous / next (no count of every
inquiry); filters by type, status and company, and its search is ``models.inquiries.worklist``'s: the
reference ("INQ-00042", "inq42" or "42"), the customer's e-mail or name, the company's name. The details
page shows what the inquiry is about, its attachments (downloads, thumbnails of images), the resolution,
the steps of its type's workflow the staff member may take now (``WorkflowSubjectView``: a reason where
the step asks for one, a comment that becomes the resolution on approving or rejecting), the history,
and staff's internal notes (``add_note``), which customers never see. Inquiry types (their
own view) are added with ``add_inquiry_type``: a key, a name, what they ask for and a copy of a workflow.
"""
from __future__ import annotations

from flask import flash, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length

from backoffice.base import StaffModelView
from backoffice.files import requested_file, send_stored
from backoffice.filters import live_options
from backoffice.orders import company_link_column, text_lines_column
from backoffice.pages import form_id, run_and_redirect
from backoffice.workflow import WorkflowSubjectView, state_badge
from edge import attempt
from extensions import db
from models.files import files_of_inquiry
from models.inquiries import (
    NEEDS_LABELS,
    Inquiry,
    InquiryType,
    add_inquiry_type,
    add_note,
    change_inquiry_type,
    inquiry_states,
    inquiry_types,
    worklist,
)
from models.permissions import StaffPerm
from models.workflow_engine import workflow_of
from security import current_actor, load_or_404


def _reference(view, context, model, name):
    return Markup(f'<a href="{escape(url_for(".details_view", id=model.id))}">{escape(model.reference)}</a>')


def _author(view, context, model, name):
    return Markup(f'{escape(model.author_name)}<br><span class="small text-muted">{escape(model.author_email)}</span>')


def _about(view, context, model, name):
    """The asset or order the inquiry is about, linked for staff who may open it."""
    actor = current_actor()
    if model.asset_id is not None and model.asset is not None:
        if actor.can(StaffPerm.MANAGE_AFTER_SALES):
            url = url_for("assets.details_view", id=model.asset_id)
            return Markup(f'Asset <a href="{escape(url)}">{escape(str(model.asset))}</a>')
        return f"Asset {model.asset}"
    if model.order_id is not None and model.order is not None:
        if actor.can(StaffPerm.MANAGE_ORDERS):
            url = url_for("orders.details_view", id=model.order_id)
            return Markup(f'Order <a href="{escape(url)}">{escape(model.order.number)}</a>')
        return f"Order {model.order.number}"
    return "—"


def _type_choices():
    return [(str(kind.id), kind.name) for kind in inquiry_types(active_only=False)]


def _moment(view, context, model, name):
    value = getattr(model, name)
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


class InquiryView(WorkflowSubjectView):
    """Every company's inquiries, newest first; the details page moves one along and keeps internal notes."""

    required_permission = StaffPerm.WORK_INQUIRIES
    can_create = can_edit = can_delete = False  # customers send inquiries; they move by steps
    details_template = "backoffice/inquiries/details.html"
    simple_list_pager = True  # previous / next: no count of every inquiry on each page
    named_filter_urls = True
    column_list = ("reference", "type", "subject", "company", "author_name", "state", "created_at")
    column_labels = {"reference": "Reference", "type": "Type", "author_name": "Customer", "state": "Status",
                     "created_at": "Created", "about": "About", "closed_at": "Closed"}
    column_filters = (
        IntEqualFilter(Inquiry.type_id, "Type", options=live_options(_type_choices)),
        FilterEqual(Inquiry.state, "Status", options=live_options(inquiry_states)),
        IntEqualFilter(Inquiry.company_id, "Company id"),
    )
    column_searchable_list = ("subject",)  # the search box; what it finds is worklist's (see _apply_search)
    column_sortable_list = ("created_at",)
    column_default_sort = [("created_at", True), ("id", True)]
    column_formatters = {"reference": _reference, "company": company_link_column, "author_name": _author,
                         "state": state_badge, "created_at": _moment}
    column_details_list = ("reference", "type", "state", "company", "author_name", "created_at", "about",
                           "subject", "description", "resolution", "closed_at")
    column_formatters_detail = {
        "state": state_badge, "company": company_link_column, "author_name": _author, "about": _about,
        "description": text_lines_column, "resolution": text_lines_column, "created_at": _moment,
        "closed_at": _moment,
    }
    # what the details page shows of the inquiry, loaded with it: company, asset, order; the notes in one more
    one_loads = (joinedload(Inquiry.company), joinedload(Inquiry.asset), joinedload(Inquiry.order),
                 selectinload(Inquiry.notes))

    def get_query(self):
        return super().get_query().options(joinedload(Inquiry.company))

    def search_placeholder(self) -> str:
        return "Search reference, customer e-mail or name, company"

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Each word narrows the list as ``models.inquiries.worklist`` searches (reference, customer, company)."""
        for term in search.split(" ")[:5]:
            if not term:
                continue
            found = worklist(search=term[:100]).whereclause
            query = query.filter(found)
            count_query = count_query.filter(found) if count_query is not None else None
        return query, count_query, joins, count_joins

    def render(self, template, **kwargs):
        """The details page reads the inquiry's workflow once, for its badge, steps and history."""
        model = kwargs.get("model")
        if template != self.details_template or model is None:
            return super().render(template, **kwargs)
        workflow = workflow_of(model)
        self._state_looks = {(workflow.id, s.key): (s.label, s.tone) for s in workflow.states}
        kwargs.update(self.workflow_context(workflow, model), attachments=files_of_inquiry(model.id),
                      notes=model.notes)
        return super(WorkflowSubjectView, self).render(template, **kwargs)

    @expose("/note/", methods=("POST",))
    def note_view(self):
        """Add an internal note; an empty or too long one is refused and nothing is kept."""
        inquiry = load_or_404(Inquiry, form_id())
        body = request.form.get("body", "")
        return run_and_redirect(lambda: add_note(inquiry, body, actor=current_actor()),
                                f"Your internal note on {inquiry.reference} is kept (customers do not see it).",
                                url_for(".details_view", id=inquiry.id) + "#notes")

    @expose("/file/")
    def file_view(self):
        """An attachment of an inquiry: the download, or ``?size=thumb`` the image's thumbnail."""
        found = requested_file(lambda f: f.inquiry_id is not None)
        return send_stored(found, thumbnail=request.args.get("size") == "thumb")


def _workflow_link(view, context, model, name):
    url = url_for("workflows.details_view", id=model.workflow_id)
    return Markup(f'<a href="{escape(url)}">{escape(model.workflow.name)}</a>')


class InquiryTypeView(StaffModelView):
    """The kinds of inquiry customers choose from; each has its own workflow, copied from another's."""

    required_permission = StaffPerm.MANAGE_WORKFLOWS
    can_delete = False  # inquiries keep their type; a type is retired by deactivating it
    can_view_details = False
    column_list = ("name", "key", "needs", "workflow", "active", "position")
    column_labels = {"needs": "Asks for", "active": "Offered to customers", "copy_of": "Start from the workflow of"}
    column_formatters = {"needs": lambda v, c, m, n: NEEDS_LABELS.get(m.needs, m.needs), "workflow": _workflow_link}
    column_default_sort = [("position", False), ("id", False)]
    column_sortable_list = ("name", "key", "position")
    form_columns = ("key", "name", "needs", "copy_of", "active", "position")
    form_choices = {"needs": list(NEEDS_LABELS.items())}
    # the key as a plain field: add_inquiry_type says when it is taken (not Flask-Admin's unique check)
    form_extra_fields = {"key": StringField("Key"), "copy_of": SelectField("Start from the workflow of", choices=[])}
    form_args = {"name": {"validators": [InputRequired("Give the inquiry type a name."), Length(max=80)]}}
    column_descriptions = {
        "key": "Lower-case letters, digits and underscores, e.g. return_request; fixed once saved.",
        "needs": "What the customer names with the inquiry: nothing else, one of their assets or one of their orders.",
        "copy_of": "The new type gets its own workflow, a copy of this type's; edit it under Workflows.",
        "active": "Deactivated types are no longer offered to customers; their inquiries stay as they are.",
    }
    one_loads = (joinedload(InquiryType.workflow),)

    def get_query(self):
        return super().get_query().options(joinedload(InquiryType.workflow))

    def create_form(self, obj=None):
        form = super().create_form(obj)
        form.copy_of.choices = [(kind.key, kind.name) for kind in inquiry_types(active_only=False)]
        del form.active, form.position
        return form

    def edit_form(self, obj=None):
        """A type's key, what it asks for and its workflow are fixed once it exists; its name and offer are not."""
        form = super().edit_form(obj)
        del form.key, form.needs, form.copy_of
        return form

    def create_model(self, form):
        """A new type with its own copy of a workflow (``add_inquiry_type``)."""
        with attempt(form):
            kind = add_inquiry_type(form.key.data or "", form.name.data or "", actor=current_actor(),
                                    needs=form.needs.data or "", copy_of=form.copy_of.data or "")
            flash(f"The inquiry type “{kind.name}” is added with its own workflow “{kind.workflow.name}”.",
                  "success")
            return kind
        return False

    def update_model(self, form, model):
        """A new name, offered or not, its place in the list (``change_inquiry_type``)."""
        with attempt(form):
            changed = change_inquiry_type(model, actor=current_actor(), name=form.name.data or "",
                                          active=form.active.data, position=form.position.data)
            flash(f"The inquiry type “{model.name}” is saved." if changed else "Nothing was changed.",
                  "success" if changed else "info")
            return True
        return False


def register(admin) -> None:
    """Add the inquiries worklist and the inquiry types to the back office's After-sales menu."""
    admin.add_view(InquiryView(Inquiry, db, name="Inquiries", endpoint="inquiries", category="After-sales"))
    admin.add_view(InquiryTypeView(InquiryType, db, name="Inquiry types", endpoint="inquiry_types",
                                   category="After-sales"))
