"""Assets in the portal: who sees which asset, an asset's page (schedule, documents, service history), recording
and changing assets with every refusal shown and nothing changed, documents added and deleted, and what the
pages cost however much there is.

The world (``tests.world_aftersales``): Acme's "Hydraulic press HP-200" (Plant North; every 6 months, next in
20 days; a picture and a service report; Ben's INQ-00002 "Press leaks oil"), "Compressor K7" (Plant South, in
repair), "Forklift FL-3" (Headquarters and Plant North); Globex's "Chiller CH-9". Ben (Buyer, Plant North) sees
his unit's assets; Anna (Account Admin) sees and manages all of Acme's.
"""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models.assets import Asset
from models.quotes import today
from tests import factories as f
from tests.aftersales_factories import InquiryFactory
from tests.asset_pages import (
    ANNA,
    BEN,
    CARL,
    CHILLER,
    COMPRESSOR,
    FORKLIFT,
    GINA,
    PRESS,
    _as,
    _asset_form,
    _asset_id,
    _documents,
    _listed,
    _post,
    _snapshot,
    _units,
)
from tests.helpers import csrf_token, flashes, text
from tests.sample_files import PDF, SVG, jpeg


def test_ben_sees_his_units_assets_only(app):
    page = _as(app, BEN).get("/assets")
    assert page.status_code == 200
    assert _listed(page) == [FORKLIFT, PRESS]
    shown = text(page)
    assert COMPRESSOR not in shown and CHILLER not in shown
    due = (today() + timedelta(days=20)).strftime("%d %b %Y")
    assert f"{PRESS} HP200-0001 INV-001 Plant North In use {due} due in 20 days" in shown
    assert f"{FORKLIFT} FL3-0007 — Headquarters, Plant North In use —" in shown
    assert 'alt="Picture of Hydraulic press HP-200"' in page.get_data(as_text=True)
    assert "New asset" not in shown


def test_anna_sees_every_acme_asset_and_may_add_one(app):
    page = _as(app, ANNA).get("/assets")
    assert _listed(page) == [COMPRESSOR, FORKLIFT, PRESS]
    assert f"{COMPRESSOR} K7-0042 — Plant South In repair" in text(page)
    assert 'href="/assets/new"' in page.get_data(as_text=True)


def test_gina_sees_globexs_chiller_only(app):
    assert _listed(_as(app, GINA).get("/assets")) == [CHILLER]


def test_search_and_filters(app):
    anna, units = _as(app, ANNA), _units(app)
    assert _listed(anna.get("/assets?q=k7-00")) == [COMPRESSOR]
    assert _listed(anna.get("/assets?q=INV-001")) == [PRESS]
    assert _listed(anna.get("/assets?status=in_repair")) == [COMPRESSOR]
    assert _listed(anna.get(f"/assets?unit={units['Plant North']}")) == [FORKLIFT, PRESS]
    assert _listed(anna.get(f"/assets?unit={units['Headquarters']}&status=in_use")) == [FORKLIFT]
    assert "No asset matches this search." in text(anna.get("/assets?q=nothing-like-it"))
    assert _listed(anna.get(f"/assets?unit={_units(app, 'Globex')['Main Office']}")) == [COMPRESSOR, FORKLIFT, PRESS]


def test_another_companys_or_another_units_asset_is_missing(app):
    chiller, compressor = _asset_id(app, CHILLER), _asset_id(app, COMPRESSOR)
    ben = _as(app, BEN)
    assert ben.get(f"/assets/{chiller}").status_code == 404
    assert ben.get(f"/assets/{compressor}").status_code == 404
    assert ben.get("/assets/999999").status_code == 404
    assert ben.get(f"/assets/{2**31}").status_code == 404
    anna = _as(app, ANNA)
    assert anna.get(f"/assets/{chiller}").status_code == 404
    assert anna.get(f"/assets/{chiller}/edit").status_code == 404
    token = csrf_token(anna.get("/assets").get_data(as_text=True))
    upload = anna.post(f"/assets/{chiller}/files", data={"csrf_token": token, "files": (io.BytesIO(PDF), "x.pdf")})
    assert upload.status_code == 404


# --- an asset's page -----------------------------------------------------------------------------

def test_the_page_shows_schedule_documents_history_and_the_inquiry_button(app):
    press = _asset_id(app, PRESS)
    page = _as(app, BEN).get(f"/assets/{press}")
    assert page.status_code == 200
    shown, html = text(page), page.get_data(as_text=True)
    due = (today() + timedelta(days=20)).strftime("%d %B %Y")
    assert f"{PRESS} In use" in shown
    assert "Serial number HP200-0001 · Your reference INV-001" in shown
    assert f"Maintenance Every 6 months; next on {due} (due in 20 days)" in shown
    assert _documents(page) == ["HP-200 service report.pdf", "press.png"]
    assert "HP-200 service report.pdf PDF Service report 1 KB Anna Admin" in shown
    assert re.search(r'<img class="img-fluid rounded" src="/files/\d+/preview" alt="Picture of Hydraulic press HP-200">',
                     html)
    history = re.search(r'data-testid="history">(.*?)</table>', html, re.S).group(1)
    assert "INQ-00002 Press leaks oil Ben Buyer" in text(history)
    assert re.search(r'<a href="/inquiries/(\d+)">INQ-00002</a>', history)
    assert f'href="/inquiries/new?type=asset&amp;asset={press}">Create inquiry</a>' in html
    assert "Upload" not in shown and "Delete" not in shown and "Edit" not in shown  # Ben does not manage assets


def test_an_overdue_schedule_says_by_how_much(app):
    with app.app_context():
        press = db.session.scalar(select(Asset).where(Asset.name == PRESS))
        press.next_maintenance_on = today() - timedelta(days=3)
        db.session.commit()
        press_id = press.id
    assert "(overdue by 3 days)" in text(_as(app, BEN).get(f"/assets/{press_id}"))


def test_the_history_shows_only_inquiries_the_user_may_see(app):
    with app.app_context():
        forklift = db.session.scalar(select(Asset).where(Asset.name == FORKLIFT))
        carl = f.user(CARL)
        InquiryFactory(company=carl.company, owner=carl, owner_id=carl.id, business_unit_id=carl.business_unit_id,
                       asset_id=forklift.id, subject="Forklift brakes squeak")
        db.session.commit()
        forklift_id = forklift.id
    assert "Forklift brakes squeak" in text(_as(app, ANNA).get(f"/assets/{forklift_id}"))
    page = text(_as(app, BEN).get(f"/assets/{forklift_id}"))  # sees the forklift, not Carl's inquiry
    assert "Forklift brakes squeak" not in page
    assert "No inquiries about this asset that you can see yet." in page


# --- recording and changing ----------------------------------------------------------------------

def test_anna_records_an_asset_with_a_picture(app):
    anna = _as(app, ANNA)
    form = _asset_form(app, picture=(io.BytesIO(jpeg()), "lathe.jpg"))
    response = _post(anna, "/assets/new", form)
    assert response.status_code == 302
    lathe = _asset_id(app, "Lathe L-1")
    assert response.location == f"/assets/{lathe}"
    page = anna.get(response.location)
    assert flashes(page.get_data(as_text=True)) == ["The asset “Lathe L-1” is recorded."]
    shown = text(page)
    due = (today() + timedelta(days=40)).strftime("%d %B %Y")
    assert "Serial number L1-0001 · Your reference INV-777" in shown
    assert f"Every 12 months; next on {due} (due in 40 days)" in shown
    assert "Bay 3, left of the door." in shown
    assert _documents(page) == ["lathe.jpg"]
    with app.app_context():
        asset = db.session.get(Asset, lathe)
        assert asset.unit_names == ["Plant North"] and asset.image.name == "lathe.jpg"
        assert asset.image.category == "photo"
    assert anna.get(f"/files/{asset.image_file_id}/preview").mimetype == "image/jpeg"
    assert "Lathe L-1" in _listed(_as(app, BEN).get("/assets"))  # Plant North's


def test_anna_edits_an_asset(app):
    anna, units = _as(app, ANNA), _units(app)
    forklift = _asset_id(app, FORKLIFT)
    form_page = anna.get(f"/assets/{forklift}/edit")
    assert form_page.status_code == 200
    html = form_page.get_data(as_text=True)
    assert 'value="Forklift FL-3"' in html and 'value="FL3-0007"' in html
    assert re.search(rf'<input checked class="custom-control-input" id="units-\d" name="units" type="checkbox" '
                     rf'value="{units["Headquarters"]}">', html)
    data = _asset_form(app, name="Forklift FL-3 (blue)", serial_number="FL3-0007", reference="", status="in_repair",
                       units=[str(units["Plant South"])], maintenance_months="3", next_maintenance_on="", note="")
    response = _post(anna, f"/assets/{forklift}/edit", data)
    assert response.status_code == 302 and response.location == f"/assets/{forklift}"
    page = anna.get(response.location)
    assert flashes(page.get_data(as_text=True)) == [
        "Saved “Forklift FL-3 (blue)”: changed its name, status, business units and maintenance interval."]
    shown = text(page)
    assert "Forklift FL-3 (blue) In repair" in shown and "Every 3 months" in shown
    assert FORKLIFT not in _listed(_as(app, BEN).get("/assets"))  # no longer Plant North's


def test_saving_without_a_change_says_so(app):
    anna, units = _as(app, ANNA), _units(app)
    compressor = _asset_id(app, COMPRESSOR)
    data = _asset_form(app, name=COMPRESSOR, serial_number="K7-0042", reference="", status="in_repair",
                       units=[str(units["Plant South"])], maintenance_months="", next_maintenance_on="", note="")
    response = _post(anna, f"/assets/{compressor}/edit", data)
    assert flashes(anna.get(response.location).get_data(as_text=True)) == ["Nothing was changed: “Compressor K7” is as it was."]


BAD_INPUT = [
    ({"name": ""}, "Give the asset a name."),
    ({"name": "x" * 121}, "The name has at most 120 characters."),
    ({"serial_number": "HP200-0001"}, "The company already has an asset with the serial number HP200-0001."),
    ({"units": []}, "Assign the asset to at least one business unit."),
    ({"units": ["globex"]}, "Choose business units of the company from the list."),
    ({"maintenance_months": "0"}, "Maintenance every how many months? A whole number from 1 to 120."),
    ({"maintenance_months": "abc"}, "Maintenance every how many months? A whole number from 1 to 120."),
    ({"maintenance_months": "121"}, "Maintenance every how many months? A whole number from 1 to 120."),
    ({"maintenance_months": ""}, "Say how often the asset is maintained before giving the next date."),
    ({"next_maintenance_on": "2025-02-30"}, "The next maintenance date is not valid."),
    ({"status": "exploded"}, "Choose the asset's status from the list."),
]


def _bad(app, changes: dict) -> dict:
    if changes.get("units") == ["globex"]:
        changes = dict(changes, units=[str(_units(app, "Globex")["Main Office"])])
    return _asset_form(app, **changes)


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT + [
    ({"picture": "svg"}, "“drawing” is not a PDF, JPEG, PNG or HEIC file (Atrium reads the content, not the name)."),
])
def test_a_refused_new_asset_says_why_and_records_nothing(app, changes, message):
    if changes.get("picture") == "svg":
        changes = {"picture": (io.BytesIO(SVG), "drawing.svg")}
    anna, before = _as(app, ANNA), _snapshot(app)
    response = _post(anna, "/assets/new", _bad(app, changes))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert flashes(html) == [message]
    assert 'value="Bay 3, left of the door."' in html or "Bay 3, left of the door." in html  # what was typed stays
    assert _snapshot(app) == before


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT)
def test_a_refused_change_says_why_and_changes_nothing(app, changes, message):
    anna, before = _as(app, ANNA), _snapshot(app)
    forklift = _asset_id(app, FORKLIFT)
    response = _post(anna, f"/assets/{forklift}/edit", _bad(app, changes))
    assert response.status_code == 400
    assert flashes(response.get_data(as_text=True)) == [message]
    assert _snapshot(app) == before


def test_a_field_error_stands_beside_its_field(app):
    response = _post(_as(app, ANNA), "/assets/new", _asset_form(app, maintenance_months="abc"))
    html = response.get_data(as_text=True)
    assert re.search(r'id="maintenance_months"[^>]*>\s*<div class="invalid-feedback">Maintenance every how many months',
                     html)
