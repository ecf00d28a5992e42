"""Files in the portal: the company's documents, and downloading or previewing any file the user may open.

The list (``portal.files``) shows the company documents Atrium shared with the company (manuals, service
reports, contracts) to users with "View files". A download or preview serves any file ``reachable_file``
allows: a company document, a document of an asset, an attachment of an inquiry the user may see; every
other id (another company's, or one not theirs to see) reads as missing (404). Bytes come from the storage
under the file's key, with the safe name checked at upload; never rendered as a page (``nosniff``).
"""
from __future__ import annotations

from flask import abort, render_template, request, send_file

from models.files import CATEGORY_LABELS, File, company_documents, reachable_file
from models.permissions import Perm
from models.storage import storage
from paging import paginate
from portal import bp
from security import MAX_ID, company_login_required, current_actor, permission_required

PER_PAGE = 25
SEARCH_LENGTH = 100


@bp.app_template_filter("file_size")
def file_size(size: int | None) -> str:
    """A file's size as people read it: "820 KB", "3.4 MB"."""
    size = size or 0
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(round(size / 1024), 1)} KB"


@bp.route("/files")
@permission_required(Perm.VIEW_FILES)
def files():
    search = (request.args.get("q") or "").strip()[:SEARCH_LENGTH]
    category = request.args.get("category") or ""
    category = category if category in CATEGORY_LABELS else ""
    page = paginate(company_documents(current_actor(), search=search, category=category), PER_PAGE, counted=False)
    filters = {key: value for key, value in (("q", search), ("category", category)) if value}
    return render_template("portal/files/list.html", page=page, search=search, category=category,
                           categories=CATEGORY_LABELS, filters=filters)


def _file(file_id: int) -> File:
    """A file the signed-in person may open; any other id is a 404."""
    found = reachable_file(file_id, current_actor()) if file_id <= MAX_ID else None
    if found is None:
        abort(404)
    return found


def _send(key: str, **kwargs):
    path = storage().path(key)
    if not path.is_file():  # the row outlived its bytes (a failed storage): missing, not a 500
        abort(404)
    response = send_file(path, **kwargs)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response


@bp.route("/files/<int:file_id>/download")
@company_login_required
def file_download(file_id: int):
    found = _file(file_id)
    return _send(found.storage_key, as_attachment=True, download_name=found.name, mimetype=found.content_type)


@bp.route("/files/<int:file_id>/preview")
@company_login_required
def file_preview(file_id: int):
    """An image inline as JPEG (``?size=thumb``: the small thumbnail); the original for JPEG and PNG,
    the JPEG made at upload for HEIC, which browsers do not show. Not for PDFs (404)."""
    found = _file(file_id)
    if not found.is_image:
        abort(404)
    if request.args.get("size") == "thumb" and found.thumbnail_key:
        return _send(found.thumbnail_key, mimetype="image/jpeg")
    if found.preview_key:
        return _send(found.preview_key, mimetype="image/jpeg")
    if found.content_type in ("image/jpeg", "image/png"):
        return _send(found.storage_key, mimetype=found.content_type)
    abort(404)
