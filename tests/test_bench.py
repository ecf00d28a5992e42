"""The benchmark's machinery on the demo data: each page gets its floor, ratio and statements, the report is
written, and the page list follows the app's routes, so a new page cannot be left out of ``make bench``."""
from __future__ import annotations

import json
import re

import pytest

from bench import catalog, report
from bench.data import build_app, reset_database, seed
from bench.operations import OPERATIONS
from bench.pages import all_pages, install_probe, run
from extensions import db

VISITOR_PAGES = {"/login", "/apply", "/register", "/password-reset"}


@pytest.fixture(scope="module")
def bench_app(tmp_path_factory):
    app = build_app(f"sqlite:///{tmp_path_factory.mktemp('bench')}/bench.sqlite")
    probe = install_probe(app)
    with app.app_context():
        reset_database()
        seed(None)
    yield app, probe
    probe.close()
    with app.app_context():
        db.engine.dispose()


def _handful(app) -> list[catalog.Page]:
    """A portal list and record page, a back office list and details page."""
    pages = all_pages(app)
    record = next(p for p in pages if p.face == "portal" and p.kind == "record")
    details = next(p for p in pages if p.url.startswith("/admin/companies/details/"))
    return [p for p in pages if p.url in {"/account/users", "/admin/audit/"}] + [record, details]


def test_every_page_is_reported_with_its_floor_ratio_and_statements(bench_app, tmp_path):
    app, probe = bench_app
    pages = _handful(app)
    result = run(app, probe, profile="S", data={"source": "demo data"}, pages=pages, rounds=2,
                 operation_rounds=1, rows=5, search="acme", out_dir=tmp_path, show=lambda line: None)

    written = json.loads((tmp_path / "S-sqlite.json").read_text())
    measured = {page["url"]: page for page in written["pages"]}
    assert {page.url for page in pages} <= set(measured)
    assert "/account/users?q=acme" in measured and "/admin/audit/?search=acme" in measured
    for page in measured.values():
        assert page["status"] == 200, page["url"]
        assert page["floor_ms"] > 0 and page["ratio"] > 0, page["url"]
        assert type(page["sql"]) is int and type(page["floor_sql"]) is int, page["url"]
    assert [op["name"] for op in written["operations"]] == [op.name for op in OPERATIONS]
    assert all(op["rows"] > 0 and op["per_row_ms"] > 0 for op in written["operations"])
    markdown = (tmp_path / "S-sqlite.md").read_text()
    assert all(url in markdown for url in measured)
    assert written["machine"]["cores"] and written["machine"]["database"].startswith("SQLite")
    assert set(result["files"]) == {"json", "md", "png"}


def test_the_page_list_holds_every_portal_page_and_back_office_list(bench_app):
    app, _ = bench_app
    listed = {page.url for page in all_pages(app)}
    portal = {rule.rule for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("portal.") and "GET" in rule.methods and not rule.arguments}
    assert portal - VISITOR_PAGES <= listed
    views = [view for view in app.extensions["admin"][0]._views if getattr(view, "model", None) is not None]
    assert {view.url.rstrip("/") + "/" for view in views} <= listed
    assert catalog.not_measured(app, all_pages(app)) == []


def test_the_order_history_is_measured_searched_and_far_back(bench_app, tmp_path):
    """/orders as it opens, searched by buyer and by SKU, a page far down its Older links, and an order."""
    app, probe = bench_app
    pages = [page for page in all_pages(app) if page.url.startswith("/orders") and not page.url.endswith(".pdf")]
    urls = {page.url for page in pages}
    assert {"/orders", f"/orders?q={catalog.ORDER_BUYER}&period=all", f"/orders?sku={catalog.ORDER_SKU}&period=all"} <= urls
    assert any(re.fullmatch(r"/orders/\d+", url) for url in urls)
    result = run(app, probe, profile="S", data={"source": "demo data"}, pages=pages, rounds=1, operation_rounds=0,
                 search="acme", out_dir=tmp_path, show=lambda line: None)
    assert all(page["status"] == 200 and page["ratio"] > 0 for page in result["pages"])
    [far] = [page for page in result["pages"] if "older=" in page["url"]]
    assert far["kind"] == "deep" and report.key(far) == "/orders?period=all&older=cursor"
