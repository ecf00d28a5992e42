"""Every page fits a phone and passes axe-core: portal pages as an Account Admin and as a visitor,
every back office list, create, edit and details page as an administrator.

At 390 px no page may scroll sideways (a wide table scrolls inside itself); at 1366 px
axe-core (WCAG 2.2 A and AA rules) may find nothing critical or serious. Moderate and
minor findings are printed. Screenshots of each page at both widths go to test-artifacts/.
"""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from extensions import db
from models.assets import Asset
from models.catalog import Product
from models.companies import Address, BusinessUnit
from models.inquiries import Inquiry
from models.orders import Order
from models.users import CompanyUser, Role
from tests.browser_tests.support import (
    assert_page_healthy,
    axe_violations,
    screenshot,
    scripts_ready,
    sign_in_portal,
    sign_in_staff,
    wider_than_viewport,
)

pytestmark = pytest.mark.browser
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}
PUBLIC_PAGES = ["/login", "/apply", "/register", "/password-reset", "/admin/login/", "/admin/password-reset/"]
SKIPPED_ENDPOINTS = {"portal.logout"}
ANSWERS = {"portal.units_find"}  # JSON for a page's script, not pages (the unit finder's tests cover them)


def _portal_pages(app) -> list[str]:
    """Every portal page an Account Admin opens: the routes without arguments, and one of each record page."""
    with app.app_context():
        anna = db.session.scalar(select(CompanyUser).where(CompanyUser.email == "anna.admin@acme.example"))
        ben = db.session.scalar(select(CompanyUser).where(CompanyUser.email == "ben.buyer@acme.example"))
        address = db.session.scalar(select(Address.id).where(Address.company_id == anna.company_id).limit(1))
        role = db.session.scalar(select(Role.id).where(Role.company_id == anna.company_id).limit(1))
        unit = db.session.scalar(select(BusinessUnit.id).where(BusinessUnit.company_id == anna.company_id).limit(1))
        order = db.session.scalar(select(Order.id).where(Order.company_id == anna.company_id).limit(1))
        product = db.session.scalar(select(Product.id).where(Product.sku == "DRILL-500"))
        asset = db.session.scalar(select(Asset.id).where(Asset.name == "Hydraulic press HP-200"))
        inquiry = db.session.scalar(select(Inquiry.id).where(Inquiry.subject == "Press leaks oil"))
        plain = sorted(rule.rule for rule in app.url_map.iter_rules()
                       if rule.endpoint.startswith("portal.") and "GET" in rule.methods and not rule.arguments
                       and rule.rule not in PUBLIC_PAGES and rule.endpoint not in ANSWERS)
        return plain + [f"/account/users/{ben.id}", f"/account/addresses/{address}", f"/account/roles/{role}",
                        f"/account/company/units/{unit}", f"/orders/{order}", f"/catalog/{product}",
                        f"/assets/{asset}", f"/assets/{asset}/edit", f"/inquiries/{inquiry}"]


def _back_office_pages(app) -> list[str]:
    """Every back office view's list, and its create, edit and details page for its first record."""
    admin = app.extensions["admin"][0]
    pages = ["/admin/", "/admin/account/password/"]
    with app.app_context():
        for view in admin._views:
            model = getattr(view, "model", None)
            if model is None:
                continue
            base = view.url.rstrip("/")
            pages.append(f"{base}/")
            if view.can_create:
                pages.append(f"{base}/new/")
            first = db.session.scalar(select(model.id).order_by(model.id).limit(1))
            if first is not None and view.can_edit:
                pages.append(f"{base}/edit/?id={first}")
            if first is not None and view.can_view_details:
                pages.append(f"{base}/details/?id={first}")
    return pages


def _check_pages(context, pages: list[str], shot_prefix: str, *, fit_phone: bool = True) -> dict[str, list]:
    """Open each page at phone and desktop width; what must not be there, per page (the caller asserts)."""
    page = context.new_page()
    problems, totals, lesser = {}, Counter(), Counter()
    for path in pages:
        name = shot_prefix + (path.strip("/").replace("/", "-").replace("?id=", "-") or "home")
        page.set_viewport_size(PHONE)
        page.goto(path)
        scripts_ready(page)
        overflow = wider_than_viewport(page) if fit_phone else 0
        screenshot(page, f"{name}-390")
        page.set_viewport_size(DESKTOP)
        screenshot(page, f"{name}-1366")
        found = axe_violations(page)
        totals.update(v["impact"] for v in found)
        bad = [v for v in found if v["impact"] in ("critical", "serious")]
        lesser.update(f"{v['impact']}: {v['id']}" for v in found if v not in bad)
        if bad or overflow:
            problems[path] = ([f"{overflow} px wider than a phone"] if overflow else []) + bad
    print(f"\n{shot_prefix} {len(pages)} pages; axe findings by impact: {dict(totals)}; "
          f"moderate and minor: {dict(lesser) or 'none'}")
    assert_page_healthy(page)
    return problems


def test_every_portal_page_fits_a_phone_and_has_no_serious_accessibility_finding(new_context, live_app):
    context = new_context(viewport=DESKTOP)
    problems = _check_pages(context, PUBLIC_PAGES, "visitor-")
    page = context.new_page()
    sign_in_portal(page, "anna.admin@acme.example")
    problems.update(_check_pages(context, _portal_pages(live_app), "portal-"))
    assert not problems, problems


def test_every_back_office_page_has_no_serious_accessibility_finding(new_context, live_app):
    context = new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in_staff(page, "admin@atrium.example")
    problems = _check_pages(context, _back_office_pages(live_app), "backoffice-", fit_phone=False)
    assert not problems, problems


LONG_NAME = ("Maximiliane-Theodora " * 10).strip()[:200]
LONG_EMAIL = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 53 + ".example"  # 254 characters


def test_long_and_foreign_names_and_long_lists_keep_every_layout(new_context, live_app):
    """200-character and Arabic or Chinese names, a 254-character address and 60 more users: each page
    still fits a phone and wraps what is long, in the portal; the back office lists them too."""
    from tests import factories as f
    from tests.helpers import grow_company

    assert len(LONG_EMAIL) == 254
    with live_app.app_context():
        acme = db.session.scalar(select(CompanyUser).where(CompanyUser.email == "anna.admin@acme.example")).company
        people = [f.CompanyUserFactory(company=acme, first_name=LONG_NAME, last_name=LONG_NAME, email=LONG_EMAIL),
                  f.CompanyUserFactory(company=acme, first_name="محمد", last_name="عبد الرحمن",
                                       email="mohammed@acme.example"),
                  f.CompanyUserFactory(company=acme, first_name="伟", last_name="张", email="zhang.wei@acme.example")]
        grow_company(acme, 60, tag="many")
        acme.name = "Acme " + LONG_NAME
        db.session.commit()
        pages = ["/", "/account", "/account/users", "/account/users?page=3", "/account/company"] + [
            f"/account/users/{person.id}" for person in people]
    context = new_context(viewport=DESKTOP)
    sign_in_portal(context.new_page(), "anna.admin@acme.example")
    problems = _check_pages(context, pages, "long-")
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto("/account/users?q=zhang")
    assert page.get_by_role("link", name="伟 张", exact=True).count() == 1  # found, named as the person wrote it
    staff = new_context(viewport=DESKTOP)
    sign_in_staff(staff.new_page(), "admin@atrium.example")
    problems.update(_check_pages(staff, ["/admin/company_users/?search=acme", "/admin/companies/"], "long-bo-",
                                 fit_phone=False))
    assert not problems, problems
