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
from sqlalchemy import func, select

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
PICK_LIMIT = 20  # companies a company finder lists; a longer list asks for more of the name


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


def companies_matching(typed: str) -> list[Company]:
    """The companies a staff member means by ``typed``: the one of that number or of exactly that name (any
    case), else those whose name contains it, by name, at most ``PICK_LIMIT`` + 1 (the form lists no more)."""
    typed = (typed or "").strip()[:100]
    if not typed:
        return []
    if typed.isdigit() and int(typed) <= MAX_ID:
        found = db.session.get(Company, int(typed))
        if found is not None:
            return [found]
    exact = db.session.scalars(select(Company).where(func.lower(Company.name) == typed.lower()).limit(2)).all()
    if len(exact) == 1:
        return exact
    return db.session.scalars(select(Company).where(contains(Company.name, typed)).order_by(Company.name, Company.id)
                              .limit(PICK_LIMIT + 1)).all()


def one_company(typed: str) -> tuple[Company | None, str]:
    """The company of exactly the number or name ``typed`` (a part of a name is not enough to file documents
    under), or None with what to tell the staff member."""
    typed = (typed or "").strip()[:100]
    if not typed:
        return None, "Type the name of the company the documents are for."
    found = companies_matching(typed)
    if len(found) == 1 and (str(found[0].id) == typed or found[0].name.lower() == typed.lower()):
        return found[0], ""
    if not found:
        return None, f"No company is named “{typed}”."
    names = ", ".join(c.name for c in found[:5]) + (" …" if len(found) > 5 else "")
    return None, f"No company is named exactly “{typed}”; did you mean {names}? Type the whole name."


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
            chosen = request.args.get("flt0_company_id_equals", "")
            kwargs.update(categories=CATEGORY_LABELS, accept=ACCEPT_ATTRIBUTE, max_uploads=MAX_UPLOADS,
                          company=db.session.get(Company, int(chosen)) if chosen.isdigit() and int(chosen) <= MAX_ID
                          else None)
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
        company, problem = ((db.session.get(Company, int(raw)), "Choose the company the documents are for.")
                            if raw.isdigit() and int(raw) <= MAX_ID else one_company(request.form.get("company", "")))
        back = url_for(".index_view", flt0_company_id_equals=company.id) if company else url_for(".index_view")
        if company is None:
            flash(problem, "error")
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
