"""Company documents in the back office: every company's, uploaded for a company, deleted, downloaded.

Company documents are the files staff share with a company (manuals, service reports, contracts): ``File``
rows that belong to neither an asset nor an inquiry. Staff who manage after-sales search them by name,
filter by company and category, upload one or more for a company (``upload_company_files``: every file is
checked first, one refused file refuses them all) and delete one after confirming (``delete_file``).
``send_stored`` serves any file's bytes for the after-sales views (documents, asset files, attachments):
as a download under its safe name, never rendered as a page (``nosniff``).
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from markupsafe import Markup, escape
from sqlalchemy import select

from backoffice.base import StaffModelView
from backoffice.filters import ValueInFilter
from edge import attempt, read_uploads, takes_files
from extensions import db
from models.companies import Company
from models.file_checks import ACCEPT_ATTRIBUTE
from models.files import CATEGORY_LABELS, File, delete_file, upload_company_files
from models.permissions import StaffPerm
from models.search import contains
from models.storage import storage
from security import MAX_ID, current_actor

MAX_UPLOADS = 10  # files one upload form takes


def send_stored(file: File, *, thumbnail: bool = False):
    """The file's bytes as a download under its safe name (``thumbnail``: its small JPEG, inline)."""
    key = file.thumbnail_key if thumbnail else file.storage_key
    path = storage().path(key) if key else None
    if path is None or not path.is_file():  # no thumbnail, or the row outlived its bytes: missing, not a 500
        abort(404)
    if thumbnail:
        response = send_file(path, mimetype="image/jpeg")
    else:
        response = send_file(path, as_attachment=True, download_name=file.name, mimetype=file.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response


def requested_file(belongs) -> File:
    """The file named by ``?id=`` if ``belongs(file)``; any other id is a 404."""
    raw = request.args.get("id", "")
    found = db.session.get(File, int(raw)) if raw.isdigit() and int(raw) <= MAX_ID else None
    if found is None or not belongs(found):
        abort(404)
    return found


def company_names(ids) -> dict[int, str]:
    """id → name of the companies of a page of rows, in one statement."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Company.id, Company.name).where(Company.id.in_(ids))).all())


def company_choices() -> list[tuple[str, str]]:
    return [(str(i), name) for i, name in db.session.execute(select(Company.id, Company.name).order_by(Company.name))]


def _companies_named(text: str):
    return select(Company.id).where(contains(Company.name, text[:100]))


def _name(view, context, model, name):
    url = url_for(".download_view", id=model.id)
    return Markup(f'<a href="{escape(url)}">{escape(model.name)}</a>')


def _company(view, context, model, name):
    label = g.get("company_names", {}).get(model.company_id, f"Company {model.company_id}")
    if not current_actor().can(StaffPerm.MANAGE_COMPANIES):
        return label
    return Markup(f'<a href="{escape(url_for("companies.details_view", id=model.company_id))}">{escape(label)}</a>')


def _size(view, context, model, name):
    size = model.size or 0
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(round(size / 1024), 1)} KB"


class CompanyFileView(StaffModelView):
    """Every company's documents, newest first: upload for a company, download, delete."""

    required_permission = StaffPerm.MANAGE_AFTER_SALES
    can_create = can_edit = False  # uploaded through the form of the list page; a file is not edited
    can_delete = True  # through delete_file, after the browser's confirmation
    can_view_details = False
    list_template = "backoffice/files/list.html"
    simple_list_pager = True
    named_filter_urls = True
    column_list = ("name", "category", "company_id", "size", "uploaded_by", "uploaded_at")
    column_labels = {"company_id": "Company", "uploaded_by": "Uploaded by", "uploaded_at": "Uploaded"}
    column_searchable_list = ("name",)
    column_filters = (
        ValueInFilter(File.company_id, "Company", _companies_named),
        IntEqualFilter(File.company_id, "Company id"),
        FilterEqual(File.category, "Category", options=list(CATEGORY_LABELS.items())),
    )
    column_sortable_list = ("uploaded_at", "name")
    column_default_sort = [("uploaded_at", True), ("id", True)]
    column_formatters = {"name": _name, "company_id": _company, "size": _size,
                         "category": lambda v, c, m, n: m.category_label}
    action_disallowed_list = ("delete",)  # one at a time, each confirmed

    def get_query(self):
        return super().get_query().filter(File.asset_id.is_(None), File.inquiry_id.is_(None))

    def get_count_query(self):
        return super().get_count_query().filter(File.asset_id.is_(None), File.inquiry_id.is_(None))

    def get_one(self, id):
        found = super().get_one(id)
        return found if found is not None and found.asset_id is None and found.inquiry_id is None else None

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        g.company_names = company_names(row.company_id for row in rows)
        return count, rows

    def render(self, template, **kwargs):
        if template == self.list_template:
            kwargs.update(categories=CATEGORY_LABELS, companies=company_choices(), accept=ACCEPT_ATTRIBUTE,
                          max_uploads=MAX_UPLOADS)
        return super().render(template, **kwargs)

    def delete_row(self, model) -> None:
        delete_file(model, actor=current_actor())

    @expose("/download/")
    def download_view(self):
        """A company document's bytes, as a download."""
        return send_stored(requested_file(lambda f: f.asset_id is None and f.inquiry_id is None))

    @expose("/upload/", methods=("POST",))
    @takes_files(MAX_UPLOADS)
    def upload_view(self):
        """Upload one or more documents for a company; one refused file refuses them all."""
        raw = request.form.get("company_id", "")
        company = db.session.get(Company, int(raw)) if raw.isdigit() and int(raw) <= MAX_ID else None
        back = url_for(".index_view", flt0_company_id_equals=company.id) if company else url_for(".index_view")
        if company is None:
            flash("Choose the company the documents are for.", "error")
            return redirect(back)
        with attempt():
            rows = upload_company_files(company, read_uploads(request.files.getlist("files")), actor=current_actor(),
                                        category=request.form.get("category") or "other")
            flash(f"Uploaded {len(rows)} document(s) for {company.name}: {', '.join(r.name for r in rows)}.",
                  "success")
        return redirect(back)


def register(admin) -> None:
    """Add the company documents to the back office's After-sales menu."""
    admin.add_view(CompanyFileView(File, db, name="Files", endpoint="files", category="After-sales"))
