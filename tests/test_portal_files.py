"""Files in the portal: the company documents list (search, kinds, pages), downloads and previews of any file
the user may open, and nothing of anyone else's: another company's file, or an attachment of an inquiry the
user cannot see, reads as missing.

The world (``tests.world_aftersales``): Acme's "Press manual.pdf" (manual, shared by Sam Support), Globex's
"Globex contract.pdf"; the press has a picture (press.png) and a service report; Ben's INQ-00002 has leak.png.
"""
from __future__ import annotations

import io
import re

from PIL import Image
from sqlalchemy import select

from extensions import db
from models.files import File
from tests import factories as f
from tests.aftersales_factories import FileFactory
from tests.helpers import count_queries, login, text
from tests.sample_files import PDF

BEN, ANNA, CARL, GINA = ("ben.buyer@acme.example", "anna.admin@acme.example", "carl.ccm@acme.example",
                         "gina.admin@globex.example")


def _as(app, email: str):
    """A client of its own, signed in as ``email``."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _file_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(File.id).where(File.name == name))


def _listed(response) -> list[str]:
    """The file names the list shows, in its order."""
    return re.findall(r'/download" download>([^<]+)</a>', response.get_data(as_text=True))


def _jpeg(response) -> tuple[int, int]:
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(response.data)) as opened:
        assert opened.format == "JPEG"
        return opened.size


def _add_documents(app, count: int, **values) -> None:
    with app.app_context():
        acme = f.company("Acme Industrial")
        for _ in range(count):
            FileFactory(company=acme, company_id=acme.id, **values)
        db.session.commit()


# --- the list ------------------------------------------------------------------------------------

def test_ben_sees_his_companys_documents_and_not_globexs(app):
    page = _as(app, BEN).get("/files")
    assert page.status_code == 200
    assert _listed(page) == ["Press manual.pdf"]
    shown = text(page)
    assert "Press manual.pdf PDF Manual 1 KB Sam Support" in shown
    assert "Globex contract" not in shown
    assert "HP-200 service report" not in shown and "leak.png" not in shown  # asset and inquiry files stay there


def test_gina_sees_globexs_contract_only(app):
    assert _listed(_as(app, GINA).get("/files")) == ["Globex contract.pdf"]


def test_search_by_name_or_uploader_and_filter_by_kind(app):
    _add_documents(app, 1, name="Service report March.pdf", category="service_report", uploaded_by="Tom Technician")
    ben = _as(app, BEN)
    assert _listed(ben.get("/files")) == ["Service report March.pdf", "Press manual.pdf"]
    assert _listed(ben.get("/files?q=manual")) == ["Press manual.pdf"]
    assert _listed(ben.get("/files?q=technician")) == ["Service report March.pdf"]
    assert _listed(ben.get("/files?category=service_report")) == ["Service report March.pdf"]
    assert _listed(ben.get("/files?category=manual&q=report")) == []
    assert "No file matches this search." in text(ben.get("/files?category=contract"))
    assert _listed(ben.get("/files?category=bogus")) == ["Service report March.pdf", "Press manual.pdf"]


def test_files_need_the_view_files_permission(app):
    with app.app_context():
        from models.users import RolePermission

        db.session.execute(RolePermission.__table__.delete().where(RolePermission.permission == "view_files"))
        db.session.commit()
    assert _as(app, BEN).get("/files").status_code == 403


def test_the_list_shows_a_page_of_25_and_costs_the_same_however_many_files(app):
    _add_documents(app, 4)
    ben = _as(app, BEN)
    ben.get("/files")  # warm up: the first request of a session loads what later ones have
    with count_queries(app) as few:
        small = ben.get("/files")
    _add_documents(app, 55)
    with count_queries(app) as many:
        large = ben.get("/files")
    assert len(_listed(small)) == 5 and len(_listed(large)) == 25
    assert "Page 1 of 3 · 60 in all" in text(large)
    assert len(_listed(ben.get("/files?page=3"))) == 10
    assert len(many) == len(few), (few, many)


# --- downloads -------------------------------------------------------------------------------------

def test_a_download_is_the_file_as_an_attachment_never_rendered(app):
    response = _as(app, BEN).get(f"/files/{_file_id(app, 'Press manual.pdf')}/download")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="Press manual.pdf"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_unsafe_name_reaches_the_header_made_safe(app):
    from models.files import upload_company_files

    with app.app_context():
        upload_company_files(f.company("Acme Industrial"), [('..\\..\\x"\r\nSet-Cookie: a=b.pdf', PDF)],
                             actor=f.actor("support@atrium.example"))
        db.session.commit()
    file_id = _file_id(app, "xSet-Cookie a=b.pdf")
    response = _as(app, BEN).get(f"/files/{file_id}/download")
    assert response.headers["Content-Disposition"] == 'attachment; filename="xSet-Cookie a=b.pdf"'
    assert "Set-Cookie" not in response.headers


def test_another_companys_file_is_missing(app):
    contract = _file_id(app, "Globex contract.pdf")
    ben = _as(app, BEN)
    assert ben.get(f"/files/{contract}/download").status_code == 404
    assert ben.get(f"/files/{contract}/preview").status_code == 404
    assert ben.get("/files/999999/download").status_code == 404
    assert ben.get(f"/files/{2**31}/download").status_code == 404
    assert _as(app, GINA).get(f"/files/{contract}/download").status_code == 200


def test_gina_gets_nothing_of_acme(app):
    gina = _as(app, GINA)
    for name in ("Press manual.pdf", "HP-200 service report.pdf", "press.png", "leak.png"):
        file_id = _file_id(app, name)
        assert gina.get(f"/files/{file_id}/download").status_code == 404, name
        assert gina.get(f"/files/{file_id}/preview").status_code == 404, name


def test_an_inquiry_attachment_opens_for_whoever_sees_the_inquiry(app):
    leak = _file_id(app, "leak.png")
    ben = _as(app, BEN)
    response = ben.get(f"/files/{leak}/download")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == "attachment; filename=leak.png"
    carl = _as(app, CARL)  # Plant South, may not see Ben's inquiries
    assert carl.get(f"/files/{leak}/download").status_code == 404
    assert carl.get(f"/files/{leak}/preview").status_code == 404
    assert _as(app, ANNA).get(f"/files/{leak}/download").status_code == 200  # sees every inquiry of Acme


def test_an_assets_document_opens_for_whoever_sees_the_asset(app):
    report = _file_id(app, "HP-200 service report.pdf")
    assert _as(app, BEN).get(f"/files/{report}/download").data == PDF  # Plant North
    assert _as(app, CARL).get(f"/files/{report}/download").status_code == 404  # Plant South


def test_signed_out_visitors_are_sent_to_sign_in(app):
    response = app.test_client().get(f"/files/{_file_id(app, 'Press manual.pdf')}/download")
    assert response.status_code == 302 and "/login" in response.location


# --- previews ---------------------------------------------------------------------------------------

def test_an_image_previews_inline_as_itself_and_as_a_jpeg_thumbnail(app):
    picture = _file_id(app, "press.png")
    ben = _as(app, BEN)
    original = ben.get(f"/files/{picture}/preview")
    assert original.status_code == 200 and original.mimetype == "image/png"
    assert "attachment" not in original.headers.get("Content-Disposition", "")
    assert original.headers["X-Content-Type-Options"] == "nosniff"
    assert _jpeg(ben.get(f"/files/{picture}/preview?size=thumb")) == (64, 48)


def test_a_heic_photo_previews_as_the_jpeg_made_at_upload(app):
    from models.assets import Asset, add_asset_files
    from tests.sample_files import heic

    with app.app_context():
        press = db.session.scalar(select(Asset).where(Asset.serial_number == "HP200-0001"))
        add_asset_files(press, [("IMG_7.HEIC", heic())], actor=f.actor(ANNA), category="photo")
        db.session.commit()
    photo = _file_id(app, "IMG_7.heic")
    ben = _as(app, BEN)
    assert _jpeg(ben.get(f"/files/{photo}/preview")) == (64, 48)
    assert _jpeg(ben.get(f"/files/{photo}/preview?size=thumb")) == (64, 48)
    assert ben.get(f"/files/{photo}/download").mimetype == "image/heic"


def test_a_pdf_has_no_preview(app):
    assert _as(app, BEN).get(f"/files/{_file_id(app, 'Press manual.pdf')}/preview").status_code == 404
