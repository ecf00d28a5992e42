"""Assets in the back office: every company's, recorded and changed for a customer, with their documents.

Staff who manage after-sales search assets by name, serial number or company and filter them by status
and company. A new asset is recorded in two steps: the company first, then the form with that company's
business units (``create_asset`` refuses a unit of another company, whatever is posted). Editing calls
``update_asset``; the details page lists the asset's documents (downloads) and uploads more
(``add_asset_files``: every file checked first, one refused file refuses them all).
"""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from markupsafe import Markup, escape
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from backoffice.base import StaffModelView, badge, units_found
from backoffice.files import MAX_UPLOADS, PICK_LIMIT, companies_matching, requested_file, send_stored
from backoffice.filters import ValueInFilter, in_subquery
from backoffice.orders import company_link_column, text_lines_column
from backoffice.pages import form_id
from backoffice.workflow import TONE_BADGES
from edge import attempt, read_uploads, takes_files
from extensions import db
from models.assets import STATUS_LABELS, Asset, add_asset_files, create_asset, update_asset
from models.companies import Company, units_to_offer
from models.file_checks import ACCEPT_ATTRIBUTE
from models.files import CATEGORY_LABELS, files_of_asset
from models.permissions import StaffPerm
from models.search import contains
from security import MAX_ID, current_actor, load_or_404

FIELDS = ("name", "serial_number", "reference", "status", "maintenance_months", "next_maintenance_on", "note")


def _name(view, context, model, name):
    return Markup(f'<a href="{escape(url_for(".details_view", id=model.id))}">{escape(model.name)}</a>')


def _status(view, context, model, name):
    return badge(model.status_label, TONE_BADGES.get(model.status_tone, "secondary"))


def _units(view, context, model, name):
    return ", ".join(model.unit_names) or "—"


def _day(view, context, model, name):
    value = getattr(model, name)
    return value.isoformat() if value else "—"


def _companies_named(text: str):
    return select(Company.id).where(contains(Company.name, text[:100]))


def posted_values() -> dict:
    """The asset form's fields as the operations take them (a date that does not parse is passed on, refused
    there)."""
    values = {name: request.form.get(name, "") for name in FIELDS}
    raw_date = values["next_maintenance_on"].strip()
    try:
        values["next_maintenance_on"] = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        pass
    return values


def _company_from(raw) -> Company | None:
    raw = str(raw or "")
    return db.session.get(Company, int(raw)) if raw.isdigit() and int(raw) <= MAX_ID else None


class AssetView(StaffModelView):
    """Every company's assets by name; record and change them for a customer, and add their documents."""

    required_permission = StaffPerm.MANAGE_AFTER_SALES
    can_create = can_edit = True  # through the two pages below, which call the operations
    can_delete = False
    details_template = "backoffice/assets/details.html"
    simple_list_pager = True
    named_filter_urls = True
    column_list = ("name", "serial_number", "company", "units", "status", "next_maintenance_on")
    column_labels = {"serial_number": "Serial number", "units": "Business units", "next_maintenance_on":
                     "Next maintenance", "maintenance_months": "Maintenance every (months)", "created_at": "Recorded"}
    column_searchable_list = ("name",)  # and the serial number and the company: see _apply_search
    column_filters = (
        FilterEqual(Asset.status, "Status", options=list(STATUS_LABELS.items())),
        ValueInFilter(Asset.company_id, "Company", _companies_named),
        IntEqualFilter(Asset.company_id, "Company id"),
    )
    column_sortable_list = ("name",)
    column_default_sort = [("name", False), ("id", False)]
    column_formatters = {"name": _name, "company": company_link_column, "units": _units, "status": _status,
                         "next_maintenance_on": _day}
    column_details_list = ("name", "serial_number", "reference", "company", "units", "status", "maintenance_months",
                           "next_maintenance_on", "note", "created_at")
    column_formatters_detail = dict(column_formatters, name=lambda v, c, m, n: m.name, note=text_lines_column)
    one_loads = (joinedload(Asset.company), selectinload(Asset.assignments))

    def get_query(self):
        return super().get_query().options(joinedload(Asset.company), selectinload(Asset.assignments))

    def search_placeholder(self) -> str:
        return "Search name, serial number, company"

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Each word is part of the asset's name or serial number, or of its company's name."""
        for term in search.split(" ")[:5]:
            if not term:
                continue
            companies = select(Company.id).where(contains(Company.name, term[:100]))
            found = or_(contains(Asset.name, term[:100]), contains(Asset.serial_number, term[:100]),
                        in_subquery(Asset.company_id, companies))
            query = query.filter(found)
            count_query = count_query.filter(found) if count_query is not None else None
        return query, count_query, joins, count_joins

    def render(self, template, **kwargs):
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            kwargs.update(documents=files_of_asset(model.id), categories=CATEGORY_LABELS, accept=ACCEPT_ATTRIBUTE,
                          max_uploads=MAX_UPLOADS)
        return super().render(template, **kwargs)

    def _form_page(self, company: Company, asset: Asset | None = None, values: dict | None = None,
                   unit_ids=(), status: int = 200):
        units, more_units = units_to_offer(company.id, chosen=unit_ids)
        page = self.render("backoffice/assets/form.html", company=company, asset=asset, values=values or {},
                           units=units, more_units=more_units, chosen={str(i) for i in unit_ids}, statuses=STATUS_LABELS,
                           return_url=url_for(".details_view", id=asset.id) if asset else url_for(".index_view"))
        return page, status

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        """Record an asset for a company: choose the company, then fill in the form with its units."""
        company = _company_from(request.values.get("company_id"))
        if company is None:
            typed = (request.args.get("company") or "").strip()[:100]
            found = companies_matching(typed)
            if len(found) == 1:
                return redirect(url_for(".create_view", company_id=found[0].id))
            return self.render("backoffice/assets/choose_company.html", typed=typed, found=found[:PICK_LIMIT],
                               more=len(found) > PICK_LIMIT, return_url=url_for(".index_view"))
        if request.method == "POST":
            units = request.form.getlist("units")
            with attempt():
                created = create_asset(company, actor=current_actor(), unit_ids=units, **posted_values())
                flash(f"The asset “{created.name}” of {company.name} is recorded.", "success")
                return redirect(url_for(".details_view", id=created.id))
            return self._form_page(company, values=request.form, unit_ids=units, status=400)
        return self._form_page(company, values={"status": "in_use"})

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """Change an asset's details and business units (``update_asset``)."""
        asset = load_or_404(Asset, request.values.get("id", type=int), *self.one_loads)
        if request.method == "POST":
            units = request.form.getlist("units")
            with attempt():
                changed = update_asset(asset, actor=current_actor(), unit_ids=units, **posted_values())
                flash(f"Saved “{asset.name}”: changed its {', '.join(changed)}." if changed
                      else f"Nothing was changed: “{asset.name}” is as it was.", "success" if changed else "info")
                return redirect(url_for(".details_view", id=asset.id))
            asset = load_or_404(Asset, asset.id, *self.one_loads)  # as it was: the refusal rolled back
            return self._form_page(asset.company, asset, request.form, units, status=400)
        values = {name: getattr(asset, name) for name in FIELDS}
        values = {k: "" if v is None else (v.isoformat() if isinstance(v, date) else str(v)) for k, v in values.items()}
        return self._form_page(asset.company, asset, values, [a.business_unit_id for a in asset.assignments])

    @expose("/units/")
    def units_view(self):
        """The form's unit finder: a company's business units by part of their name (JSON)."""
        return units_found(request.args.get("company_id"), request.args.get("q"))

    @expose("/files/", methods=("POST",))
    @takes_files(MAX_UPLOADS)
    def files_view(self):
        """Upload documents for an asset; one refused file refuses them all and nothing is stored."""
        asset = load_or_404(Asset, form_id())
        with attempt():
            rows = add_asset_files(asset, read_uploads(request.files.getlist("files")), actor=current_actor(),
                                   category=request.form.get("category") or "other")
            flash(f"Uploaded {len(rows)} document(s) for “{asset.name}”: {', '.join(r.name for r in rows)}.",
                  "success")
        return redirect(url_for(".details_view", id=asset.id) + "#documents")

    @expose("/file/")
    def file_view(self):
        """A document or photo of an asset, as a download."""
        return send_stored(requested_file(lambda f: f.asset_id is not None))


def register(admin) -> None:
    """Add every company's assets to the back office's After-sales menu."""
    admin.add_view(AssetView(Asset, db, name="Assets", endpoint="assets", category="After-sales"))
