"""Assets' documents and pictures in the portal: uploads (every refusal stores nothing), deletions behind a
confirmation, who may do either, and what an asset's pages cost however many documents and inquiries it has."""
from __future__ import annotations

import io
import os
import re

from sqlalchemy import select

from extensions import db
from models.assets import Asset
from models.files import File
from models.quotes import today
from tests import factories as f
from tests.aftersales_factories import AssetFactory, AssetUnitFactory, FileFactory, InquiryFactory
from tests.asset_pages import (
    ANNA,
    BEN,
    FORKLIFT,
    PRESS,
    _as,
    _asset_form,
    _asset_id,
    _documents,
    _listed,
    _post,
    _snapshot,
)
from tests.helpers import count_queries, csrf_token, flashes, text
from tests.sample_files import PDF, SVG, jpeg, png


def test_ben_may_not_record_change_or_upload(app):
    ben, press = _as(app, BEN), _asset_id(app, PRESS)
    before = _snapshot(app)
    assert ben.get("/assets/new").status_code == 403
    token = csrf_token(ben.get("/assets").get_data(as_text=True))
    assert ben.post("/assets/new", data=dict(_asset_form(app), csrf_token=token)).status_code == 403
    assert ben.get(f"/assets/{press}/edit").status_code == 403
    upload = ben.post(f"/assets/{press}/files", data={"csrf_token": token, "category": "manual",
                                                      "files": (io.BytesIO(PDF), "mine.pdf")})
    assert upload.status_code == 403
    report = _documents(_as(app, ANNA).get(f"/assets/{press}"))[0]
    with app.app_context():
        report_id = db.session.scalar(select(File.id).where(File.name == report))
    assert ben.post(f"/assets/{press}/files/{report_id}/delete", data={"csrf_token": token}).status_code == 403
    assert _snapshot(app) == before


# --- documents -----------------------------------------------------------------------------------

def test_anna_uploads_documents_to_an_asset(app):
    anna, forklift = _as(app, ANNA), _asset_id(app, FORKLIFT)
    response = _post(anna, f"/assets/{forklift}/files",
                     {"category": "manual", "files": [(io.BytesIO(PDF), "FL-3 manual.pdf"), (io.BytesIO(png()), "plate.png")]},
                     form_page=f"/assets/{forklift}")
    assert response.status_code == 302 and response.location == f"/assets/{forklift}"
    page = anna.get(response.location)
    assert flashes(page.get_data(as_text=True)) == ["Uploaded 2 document(s): FL-3 manual.pdf, plate.png."]
    assert sorted(_documents(page)) == ["FL-3 manual.pdf", "plate.png"]
    assert "FL-3 manual.pdf PDF Manual 1 KB Anna Admin" in text(page)
    with app.app_context():
        manual = db.session.scalar(select(File).where(File.name == "FL-3 manual.pdf"))
    assert _as(app, BEN).get(f"/files/{manual.id}/download").data == PDF  # Ben sees the forklift


def test_a_new_picture_replaces_the_shown_one(app):
    anna, press = _as(app, ANNA), _asset_id(app, PRESS)
    response = _post(anna, f"/assets/{press}/files", {"picture": "1", "files": (io.BytesIO(jpeg()), "new.jpg")},
                     form_page=f"/assets/{press}")
    assert flashes(anna.get(response.location).get_data(as_text=True)) == ["“new.jpg” is the asset's picture now."]
    with app.app_context():
        assert db.session.get(Asset, press).image.name == "new.jpg"


def test_a_refused_upload_stores_nothing(app):
    anna, press = _as(app, ANNA), _asset_id(app, PRESS)
    before = _snapshot(app)
    response = _post(anna, f"/assets/{press}/files",
                     {"category": "manual", "files": [(io.BytesIO(PDF), "good.pdf"), (io.BytesIO(SVG), "bad.pdf")]},
                     form_page=f"/assets/{press}")
    assert response.status_code == 302
    assert flashes(anna.get(response.location).get_data(as_text=True)) == [
        "“bad” is not a PDF, JPEG, PNG or HEIC file (Atrium reads the content, not the name)."]
    none_chosen = _post(anna, f"/assets/{press}/files", {"category": "manual"}, form_page=f"/assets/{press}")
    assert flashes(anna.get(none_chosen.location).get_data(as_text=True)) == ["Choose a file to upload."]
    pdf_as_picture = _post(anna, f"/assets/{press}/files", {"picture": "1", "files": (io.BytesIO(PDF), "a.pdf")},
                           form_page=f"/assets/{press}")
    assert flashes(anna.get(pdf_as_picture.location).get_data(as_text=True)) == [
        "The asset's picture is one JPEG, PNG or HEIC image."]
    assert _snapshot(app) == before


def test_a_file_as_large_as_allowed_is_taken(app):
    from tests.sample_files import pdf_of_size

    anna, press = _as(app, ANNA), _asset_id(app, PRESS)
    size = app.config["MAX_CONTENT_LENGTH"] + 1024
    assert size <= app.config["FILE_MAX_BYTES"]
    response = _post(anna, f"/assets/{press}/files", {"category": "manual",
                                                      "files": (io.BytesIO(pdf_of_size(size)), "big.pdf")},
                     form_page=f"/assets/{press}")
    assert response.status_code == 302
    assert "big.pdf" in _documents(anna.get(f"/assets/{press}"))


def test_anna_deletes_a_document_after_confirming(app):
    anna, press = _as(app, ANNA), _asset_id(app, PRESS)
    _post(anna, f"/assets/{press}/files", {"category": "manual", "files": (io.BytesIO(PDF), "Old manual.pdf")},
          form_page=f"/assets/{press}")
    with app.app_context():
        old = db.session.scalar(select(File).where(File.name == "Old manual.pdf"))
        path = os.path.join(app.config["UPLOAD_FOLDER"], old.storage_key[:2], old.storage_key)
    page = anna.get(f"/assets/{press}").get_data(as_text=True)
    assert (f'action="/assets/{press}/files/{old.id}/delete" class="d-inline"\n'
            f'                data-confirm="Delete “Old manual.pdf” from {PRESS}? This cannot be undone."') in page
    assert os.path.exists(path)
    response = anna.post(f"/assets/{press}/files/{old.id}/delete", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    after = anna.get(response.location)
    assert flashes(after.get_data(as_text=True)) == ["“Old manual.pdf” is deleted."]
    assert _documents(after) == ["HP-200 service report.pdf", "press.png"]
    assert not os.path.exists(path)
    assert anna.get(f"/files/{old.id}/download").status_code == 404


def test_only_this_assets_documents_are_deleted_here(app):
    anna, forklift = _as(app, ANNA), _asset_id(app, FORKLIFT)
    with app.app_context():
        report = db.session.scalar(select(File.id).where(File.name == "HP-200 service report.pdf"))
        manual = db.session.scalar(select(File.id).where(File.name == "Press manual.pdf"))
    token = csrf_token(anna.get("/assets").get_data(as_text=True))
    assert anna.post(f"/assets/{forklift}/files/{report}/delete", data={"csrf_token": token}).status_code == 404
    assert anna.post(f"/assets/{forklift}/files/{manual}/delete", data={"csrf_token": token}).status_code == 404
    assert anna.post(f"/assets/{forklift}/files/{2**31}/delete", data={"csrf_token": token}).status_code == 404
    assert anna.get(f"/files/{report}/download").status_code == 200


def test_without_the_confirmation_token_nothing_is_deleted(app):
    anna, press = _as(app, ANNA), _asset_id(app, PRESS)
    with app.app_context():
        report = db.session.scalar(select(File.id).where(File.name == "HP-200 service report.pdf"))
    assert anna.post(f"/assets/{press}/files/{report}/delete").status_code == 400
    assert anna.get(f"/files/{report}/download").status_code == 200


# --- what the pages cost -------------------------------------------------------------------------

def _grow_assets(app, count: int) -> None:
    with app.app_context():
        acme = f.company("Acme Industrial")
        north = next(u for u in acme.business_units if u.name == "Plant North")
        for _ in range(count):
            asset = AssetFactory(company=acme, business_unit_id=north.id, next_maintenance_on=today(),
                                 maintenance_months=1)
            AssetUnitFactory(asset=asset, unit=north)
            picture = FileFactory(company=acme, company_id=acme.id, asset_id=asset.id, content_type="image/png",
                                  name="p.png")
            db.session.flush()
            asset.image_file_id = picture.id
        db.session.commit()


def test_the_list_costs_the_same_for_few_and_many_assets(app):
    anna = _as(app, ANNA)
    anna.get("/assets")
    with count_queries(app) as few:
        small = anna.get("/assets")
    _grow_assets(app, 40)
    with count_queries(app) as many:
        large = anna.get("/assets")
    assert len(_listed(small)) == 3 and len(_listed(large)) == 25
    assert "Page 1 of 2 · 43 in all" in text(large)
    assert len(many) == len(few), (few, many)


def test_an_assets_page_costs_the_same_for_few_and_many_documents_and_inquiries(app):
    anna, press = _as(app, ANNA), _asset_id(app, PRESS)
    anna.get(f"/assets/{press}")
    with count_queries(app) as few:
        anna.get(f"/assets/{press}")
    with app.app_context():
        acme, ben = f.company("Acme Industrial"), f.user(BEN)
        for i in range(30):
            FileFactory(company=acme, company_id=acme.id, asset_id=press)
            InquiryFactory(company=acme, owner=ben, owner_id=ben.id, asset_id=press, subject=f"Leak {i}")
        db.session.commit()
    with count_queries(app) as many:
        page = anna.get(f"/assets/{press}")
    assert len(_documents(page)) == 32
    history = re.search(r'data-testid="history">(.*?)</table>', page.get_data(as_text=True), re.S).group(1)
    assert len(re.findall(r'<a href="/inquiries/\d+">', history)) == 20
    assert len(many) == len(few), (few, many)
