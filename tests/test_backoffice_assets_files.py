"""Assets and company documents in the back office: recording and changing an asset for a customer, its
documents, uploading and deleting company documents, who may, and what the lists cost.

The world (``tests.world_aftersales``): Acme's press HP-200 (Plant North, a picture and a service report),
compressor K7 (in repair), forklift FL-3; Globex's chiller CH-9 (Main Office); company documents "Press
manual.pdf" (Acme) and "Globex contract.pdf" (Globex).
"""
from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import func, select

from extensions import db
from models.assets import Asset
from models.audit import AuditEvent
from models.files import File
from tests import factories as f
from tests.aftersales_factories import AssetFactory, AssetUnitFactory, FileFactory
from tests.backoffice_forms import follow, form_in
from tests.helpers import count_queries, csrf_token, flashes, login, text
from tests.sample_files import EXECUTABLE, PDF, SVG

ASSETS = "/admin/assets/"
FILES = "/admin/files/"


def _staff(app, email: str = "support@atrium.example"):
    client = app.test_client()
    assert login(client, email, path="/admin/login/").status_code == 302
    return client


def _unit(app, company: str, name: str | None = None) -> int:
    with app.app_context():
        units = f.company(company).business_units
        return next(u.id for u in units if name is None or u.name == name)


def _asset(app, name: str) -> Asset:
    with app.app_context():
        asset = db.session.scalar(select(Asset).where(Asset.name == name))
        asset.unit_names  # noqa: B018 - loaded for the test to read
        return asset


def _stored_files() -> set[str]:
    from flask import current_app

    found = set()
    for _, _, names in os.walk(current_app.config["UPLOAD_FOLDER"]):
        found |= set(names)
    return found


# --- the list ------------------------------------------------------------------------------------

@pytest.mark.parametrize("query,found,not_found", [
    ("", ["Hydraulic press HP-200", "Chiller CH-9", "Compressor K7"], []),
    ("?search=hydraulic", ["Hydraulic press HP-200"], ["Chiller CH-9", "Compressor K7"]),
    ("?search=K7-0042", ["Compressor K7"], ["Hydraulic press HP-200"]),
    ("?search=globex", ["Chiller CH-9"], ["Hydraulic press HP-200"]),
    ("?flt0_status_equals=in_repair", ["Compressor K7"], ["Hydraulic press HP-200", "Chiller CH-9"]),
    ("?flt0_company_contains=glob", ["Chiller CH-9"], ["Compressor K7"]),
])
def test_the_asset_list_searches_and_filters(app, query, found, not_found):
    page = text(_staff(app).get(f"{ASSETS}{query}"))
    assert all(name in page for name in found), page
    assert not any(name in page for name in not_found), page


def test_the_press_is_listed_with_company_units_and_status(app):
    page = text(_staff(app).get(ASSETS))
    assert "Hydraulic press HP-200 HP200-0001 Acme Industrial Plant North In use" in page
    assert "Forklift FL-3 FL3-0007 Acme Industrial Headquarters, Plant North In use" in page


# --- recording and changing ----------------------------------------------------------------------

def _asset_form(client, path: str) -> dict:
    html = client.get(path).get_data(as_text=True)
    return {"csrf_token": csrf_token(html)}


def test_support_records_an_asset_for_globex_with_globex_s_unit(app):
    client = _staff(app)
    with app.app_context():
        globex = f.company("Globex").id
    choose = client.get(f"{ASSETS}new/")
    assert "Whose asset is it?" in text(choose) and "Globex" not in text(choose)  # no list of every company
    found = client.get(f"{ASSETS}new/?company=globex")  # one company matches: straight to its form
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/new/?company_id={globex}")
    form = client.get(f"{ASSETS}new/?company_id={globex}")
    assert "Main Office" in text(form) and "Plant North" not in text(form)  # Globex's units only
    data = dict(_asset_form(client, f"{ASSETS}new/?company_id={globex}"), company_id=str(globex),
                name="Boiler B-1", serial_number="B1-77", status="in_use", units=str(_unit(app, "Globex")))
    page = follow(client, client.post(f"{ASSETS}new/?company_id={globex}", data=data))
    assert "The asset “Boiler B-1” of Globex is recorded." in flashes(page)
    boiler = _asset(app, "Boiler B-1")
    assert (boiler.company_id, boiler.serial_number, boiler.unit_names, boiler.owner_id) == (
        globex, "B1-77", ["Main Office"], None)


def test_a_unit_of_another_company_is_refused(app):
    client = _staff(app)
    with app.app_context():
        globex = f.company("Globex").id
    data = dict(_asset_form(client, f"{ASSETS}new/?company_id={globex}"), company_id=str(globex),
                name="Boiler B-1", units=str(_unit(app, "Acme Industrial", "Plant North")))
    response = client.post(f"{ASSETS}new/?company_id={globex}", data=data)
    assert response.status_code == 400
    assert "Choose business units of the company from the list." in flashes(response.get_data(as_text=True))
    assert 'value="Boiler B-1"' in response.get_data(as_text=True)  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(Asset.id).where(Asset.name == "Boiler B-1")) is None


def test_support_edits_an_asset(app):
    client = _staff(app)
    press = _asset(app, "Hydraulic press HP-200")
    html = client.get(f"{ASSETS}edit/?id={press.id}").get_data(as_text=True)
    assert 'value="HP200-0001"' in html and "checked" in html
    data = dict(form_in(html, f"/admin/assets/edit/?id={press.id}"), status="in_repair",
                units=[str(_unit(app, "Acme Industrial", "Plant North")), str(_unit(app, "Acme Industrial", "Plant South"))])
    page = follow(client, client.post(f"{ASSETS}edit/?id={press.id}", data=data))
    assert any(m.startswith("Saved “Hydraulic press HP-200”: changed its") for m in flashes(page)), flashes(page)
    press = _asset(app, "Hydraulic press HP-200")
    assert (press.status, press.unit_names, press.maintenance_months) == ("in_repair", ["Plant North", "Plant South"], 6)


def _upload(client, path: str, form_action: str, page: str, files, **fields):
    data = dict(form_in(client.get(page).get_data(as_text=True), form_action), **fields)
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(path, data=data, content_type="multipart/form-data")


def test_support_uploads_a_document_for_the_press_and_an_svg_is_refused(app):
    client = _staff(app)
    press = _asset(app, "Hydraulic press HP-200")
    page_url = f"{ASSETS}details/?id={press.id}"
    assert "HP-200 service report.pdf" in text(client.get(page_url))
    with app.app_context():
        before = _stored_files()
    response = _upload(client, f"{ASSETS}files/", f"{ASSETS}files/", page_url, [("drawing.svg", SVG)])
    page = follow(client, response)
    assert "“drawing” is not a PDF, JPEG, PNG or HEIC file (Atrium reads the content, not the name)." in flashes(page)
    with app.app_context():
        assert _stored_files() == before
        assert db.session.scalar(select(func.count(File.id)).where(File.asset_id == press.id)) == 2
    page = follow(client, _upload(client, f"{ASSETS}files/", f"{ASSETS}files/", page_url, [("Manual.pdf", PDF)],
                                  category="manual"))
    assert "Uploaded 1 document(s) for “Hydraulic press HP-200”: Manual.pdf." in flashes(page)
    with app.app_context():
        row = db.session.scalar(select(File).where(File.asset_id == press.id, File.name == "Manual.pdf"))
        assert row.category == "manual" and row.uploaded_by == "Sam Support"
    download = client.get(f"{ASSETS}file/?id={row.id}")
    assert download.data == PDF and download.headers["X-Content-Type-Options"] == "nosniff"


# --- company documents ---------------------------------------------------------------------------

def test_the_files_list_shows_company_documents_only_searched_and_filtered(app):
    client = _staff(app)
    page = text(client.get(FILES))
    assert "Press manual.pdf Manual Acme Industrial" in page and "Globex contract.pdf Contract Globex" in page
    assert "leak.png" not in page and "HP-200 service report.pdf" not in page  # an inquiry's, an asset's
    assert "Globex contract.pdf" not in text(client.get(f"{FILES}?search=manual"))
    assert "Press manual.pdf" not in text(client.get(f"{FILES}?flt0_category_equals=contract"))
    assert "Press manual.pdf" not in text(client.get(f"{FILES}?flt0_company_contains=globex"))


def test_support_uploads_two_pdfs_for_acme(app):
    client = _staff(app)
    with app.app_context():
        acme = f.company("Acme Industrial").id
    response = _upload(client, f"{FILES}upload/", f"{FILES}upload/", FILES,
                       [("Report A.pdf", PDF), ("Report B.pdf", PDF)], company_id=str(acme), category="service_report")
    page = follow(client, response)
    assert "Uploaded 2 document(s) for Acme Industrial: Report A.pdf, Report B.pdf." in flashes(page)
    assert "Report A.pdf Service report Acme Industrial" in text(page) and "Report B.pdf" in text(page)
    with app.app_context():
        audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "file.uploaded",
                                                            AuditEvent.company_id == acme)).all()
        assert {e.details.get("name") for e in audit} >= {"Report A.pdf", "Report B.pdf"}


def test_the_new_asset_page_finds_the_company_by_part_of_its_name(app):
    client = _staff(app)
    with app.app_context():
        for n in range(23):
            f.CompanyFactory(name=f"Acme Branch {n:02}")
        db.session.commit()
    page = client.get(f"{ASSETS}new/?company=acme")
    shown = text(page)
    assert "More than 20 companies match “acme”: type more of the name to narrow them." in shown
    assert page.get_data(as_text=True).count("/new/?company_id=") == 20
    assert "Acme Branch 07" in text(client.get(f"{ASSETS}new/?company=branch 07", follow_redirects=True))
    assert "No company is named “nobody”." in text(client.get(f"{ASSETS}new/?company=nobody"))


@pytest.mark.parametrize("typed, said", [
    ("", "Type the name of the company the documents are for."),
    ("Nobody Ltd", "No company is named “Nobody Ltd”."),
    ("glob", "No company is named exactly “glob”; did you mean Globex? Type the whole name."),
])
def test_an_upload_for_no_company_or_an_unclear_one_stores_nothing(app, typed, said):
    client = _staff(app)
    with app.app_context():
        before = _stored_files()
    response = _upload(client, f"{FILES}upload/", f"{FILES}upload/", FILES, [("Report A.pdf", PDF)], company=typed)
    assert any(said in message for message in flashes(follow(client, response)))
    with app.app_context():
        assert _stored_files() == before and db.session.scalar(select(File.id).where(File.name == "Report A.pdf")) is None


def test_support_uploads_for_a_company_typed_by_name_or_chosen_by_the_filter(app):
    client = _staff(app)
    with app.app_context():
        globex = f.company("Globex").id
    page = follow(client, _upload(client, f"{FILES}upload/", f"{FILES}upload/", FILES, [("Terms.pdf", PDF)],
                                  company="globex"))
    assert "Uploaded 1 document(s) for Globex: Terms.pdf." in flashes(page)
    filtered = f"{FILES}?flt0_company_id_equals={globex}"
    html = client.get(filtered).get_data(as_text=True)
    assert f'name="company_id" value="{globex}"' in html and 'name="company"' not in html
    page = follow(client, _upload(client, f"{FILES}upload/", f"{FILES}upload/", filtered, [("Prices.pdf", PDF)]))
    assert "Uploaded 1 document(s) for Globex: Prices.pdf." in flashes(page)


def test_a_renamed_program_among_the_uploads_refuses_them_all(app):
    client = _staff(app)
    with app.app_context():
        acme, before = f.company("Acme Industrial").id, _stored_files()
    response = _upload(client, f"{FILES}upload/", f"{FILES}upload/", FILES,
                       [("Report A.pdf", PDF), ("invoice.pdf", EXECUTABLE)], company_id=str(acme))
    page = follow(client, response)
    assert "“invoice” is not a PDF, JPEG, PNG or HEIC file (Atrium reads the content, not the name)." in flashes(page)
    with app.app_context():
        assert db.session.scalar(select(File.id).where(File.name == "Report A.pdf")) is None
        assert _stored_files() == before


def test_support_deletes_a_document_after_confirming(app):
    from models.files import upload_company_files
    from models.storage import storage

    client = _staff(app)
    with app.app_context():  # a document of its own: deleting removes the bytes, which no rollback restores
        [manual] = upload_company_files(f.company("Acme Industrial"), [("Old manual.pdf", PDF)],
                                        actor=f.actor("support@atrium.example"))
        db.session.commit()
        manual_id, key = manual.id, manual.storage_key
        assert storage().exists(key)
    html = client.get(FILES).get_data(as_text=True)
    form = html.split(f'name="id" value="{manual_id}"')[0].rsplit("<form", 1)[1]
    assert "confirm" in form.lower()  # the browser asks first
    response = client.post(f"{FILES}delete/", data={"id": str(manual_id), "csrf_token": csrf_token(html),
                                                    "url": FILES})
    page = follow(client, response)
    assert "Old manual.pdf" not in text(page) and "Press manual.pdf" in text(page)
    with app.app_context():
        assert db.session.get(File, manual_id) is None and not storage().exists(key)
    download = client.get(f"{FILES}download/?id={manual_id}")
    assert download.status_code == 404


def test_a_company_document_downloads_with_its_name(app):
    client = _staff(app)
    with app.app_context():
        manual = db.session.scalar(select(File.id).where(File.name == "Press manual.pdf"))
        leak = db.session.scalar(select(File.id).where(File.name == "leak.png"))
    response = client.get(f"{FILES}download/?id={manual}")
    assert response.data == PDF and "Press manual.pdf" in response.headers["Content-Disposition"]
    assert client.get(f"{FILES}download/?id={leak}").status_code == 404  # an inquiry's attachment


# --- who may, and what it costs ------------------------------------------------------------------

def test_the_sales_rep_may_not_manage_assets_or_files(app):
    agent = _staff(app, "agent@atrium.example")
    for path in (ASSETS, f"{ASSETS}new/", f"{ASSETS}details/?id=1", f"{ASSETS}file/?id=1", FILES,
                 f"{FILES}download/?id=1"):
        assert agent.get(path).status_code == 403, path


def _statements(app, client, path: str) -> int:
    assert client.get(path).status_code == 200, path
    with count_queries(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_the_lists_cost_the_same_with_few_and_many_rows_and_show_one_page(app):
    client = _staff(app)
    pages = [ASSETS, f"{ASSETS}?search=globex", FILES, f"{FILES}?search=pdf"]
    small = {path: _statements(app, client, path) for path in pages}
    with app.app_context():
        companies = [f.company("Globex"), f.company("Acme Industrial")]
        for i in range(30):
            asset = AssetFactory(company=companies[i % 2], name=f"Pump {i}")
            AssetUnitFactory(asset=asset, unit=companies[i % 2].business_units[0])
            FileFactory(company=companies[i % 2], name=f"sheet-{i}.pdf")
        db.session.commit()
    large = {path: _statements(app, client, path) for path in pages}
    assert large == small
    assert text(client.get(ASSETS)).count("Pump ") <= 20 and text(client.get(FILES)).count("sheet-") == 20
