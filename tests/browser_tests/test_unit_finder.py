"""Browser tests: a company with many business units chooses one beyond the first listed through the finder.

Acme gets 60 more units ("Cell 000" …), so the asset form lists the cells and not Plant North. Anna types
"north" in the finder above the business units, Plant North appears, she ticks it and records the asset; on
the new user form she types "south" and chooses Plant South from the select. axe finds nothing serious on
either form, and a screenshot of each goes to test-artifacts/.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from extensions import db
from models.assets import Asset
from models.companies import BusinessUnit
from tests import factories as f
from tests.browser_tests.support import (
    alert,
    assert_page_healthy,
    axe_violations,
    screenshot,
    scripts_ready,
    sign_in_portal,
)

pytestmark = pytest.mark.browser

ANNA = "anna.admin@acme.example"
FINDER = "Not listed? Find a business unit by name"


@pytest.fixture(scope="module", autouse=True)
def _many_units(live_app):
    with live_app.app_context():
        acme = f.company("Acme Industrial")
        db.session.add_all(BusinessUnit(company=acme, name=f"Cell {n:03d}") for n in range(60))
        db.session.commit()
        db.session.remove()


def _serious(page) -> list[dict]:
    return [v for v in axe_violations(page) if v["impact"] in ("critical", "serious")]


def test_an_asset_is_filed_under_a_unit_found_by_name(page, live_app):
    sign_in_portal(page, ANNA)
    page.goto("/assets/new")
    scripts_ready(page)
    units = page.get_by_role("group", name="Business units")
    expect(units.get_by_label("Cell 000")).to_be_visible()
    expect(units.get_by_label("Plant North")).to_have_count(0)
    units.get_by_text("Cell 001", exact=True).click()  # the label: the box itself is drawn by it
    page.get_by_label(FINDER).fill("north")
    expect(units.get_by_label("Plant North")).to_be_visible()
    expect(units.get_by_label("Cell 000")).to_have_count(0)  # unticked: gave way to what was found
    expect(units.get_by_label("Cell 001")).to_be_checked()  # ticked: stays
    units.get_by_text("Plant North", exact=True).click()
    page.get_by_label("Name", exact=True).fill("Lathe L-9")
    screenshot(page, "unit-finder-01-asset-form")
    assert _serious(page) == []
    page.get_by_role("button", name="Record asset").click()
    expect(alert(page, "The asset “Lathe L-9” is recorded.")).to_be_visible()
    assert_page_healthy(page)
    with live_app.app_context():
        lathe = db.session.scalar(select(Asset).where(Asset.name == "Lathe L-9"))
        assert sorted(lathe.unit_names) == ["Cell 001", "Plant North"]


def test_a_new_user_joins_a_unit_found_by_name(page, live_app):
    sign_in_portal(page, ANNA)
    page.goto("/account/users/new")
    scripts_ready(page)
    page.get_by_label(FINDER).fill("zzz")
    expect(page.get_by_text("No business unit has that in its name.")).to_be_visible()
    page.get_by_label(FINDER).fill("south")
    choice = page.get_by_label("Business unit", exact=True)
    expect(choice.locator("option", has_text="Plant South")).to_have_count(1)
    choice.select_option(label="Plant South")
    page.get_by_label("E-mail").fill("nora.north@acme.example")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("South")
    screenshot(page, "unit-finder-02-new-user")
    assert _serious(page) == []
    page.get_by_role("button", name="Add user").click()
    expect(alert(page, "Nora South is added.")).to_be_visible()
    assert_page_healthy(page)
    with live_app.app_context():
        assert f.user("nora.north@acme.example").business_unit.name == "Plant South"


@pytest.mark.parametrize("width", [1366, 390])
def test_the_company_page_and_the_asset_list_find_units_on_a_desktop_and_a_phone(new_context, width):
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    sign_in_portal(page, ANNA)
    page.goto("/account/company")
    scripts_ready(page)
    page.get_by_label(FINDER).fill("plant")
    expect(page.get_by_label("Part of").get_by_role("option", name="Plant North", exact=True)).to_have_count(1)
    page.get_by_label("Part of").select_option(label="Plant North")
    page.get_by_label("Name", exact=True).last.fill(f"Annex {width}")
    page.get_by_role("button", name="Add unit").scroll_into_view_if_needed()
    screenshot(page, f"unit-finder-03-company-{width}")
    assert _serious(page) == []
    page.get_by_role("button", name="Add unit").click()
    expect(alert(page, f"Business unit Annex {width} is saved.")).to_be_visible()
    page.goto("/assets")
    scripts_ready(page)
    page.get_by_label(FINDER).fill("south")
    page.get_by_label("Business unit", exact=True).select_option(label="Plant South")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_label("Business unit", exact=True)).to_have_value(
        page.get_by_label("Business unit", exact=True).locator("option", has_text="Plant South").get_attribute("value"))
    screenshot(page, f"unit-finder-04-assets-{width}")
    assert _serious(page) == []
    assert_page_healthy(page)
