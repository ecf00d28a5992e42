"""CSV imports of products, product types and type assignments: good lines in, each bad line reported."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from extensions import db
from models.audit import AuditEvent
from models.base import DomainError, NotPermitted
from models.catalog import Product, ProductType
from models.catalog_import import MAX_FILE_LINES, import_catalog_csv
from tests import factories as f
from tests.helpers import count_queries, csrf_token, flashes, text

IMPORT = "/admin/catalog-import/"


def upload(client, kind: str, content: str | bytes, name: str = "file.csv"):
    """Upload a file on the import page as staff would."""
    token = csrf_token(client.get(IMPORT).get_data(as_text=True))
    data = content.encode() if isinstance(content, str) else content
    return client.post(IMPORT, data={"csrf_token": token, "kind": kind, "csv_file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def problems(html: str) -> dict[int, str]:
    """Line number → why it was not imported, as the report's table says."""
    table = html.split('data-testid="problems"')[1].split("</table>")[0]
    rows = [text(row) for row in table.split("<tr>")[2:]]
    return {int(row.split(" ", 1)[0]): row.split(" ", 1)[1] for row in rows}


def _product(sku: str) -> Product | None:
    return db.session.scalar(select(Product).where(Product.sku == sku))


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


PRODUCTS_FILE = """sku,name,product_type_key,description,active
valve-10,Ball valve DN 10,standard,"Brass, nickel plated",yes
PUMP-SVC,Pump maintenance visit (2 h),service,Two hours on site,
OLD-1,Retired valve,standard,Retired valve. Sold by the piece.,yes
GLOVE-L,Safety gloves,gadget,,
,No SKU,standard,,
VALVE-11,,standard,,
valve-10,Ball valve again,standard,,
VALVE 12,Two words,standard,,
VALVE-13,=HYPERLINK("http://evil.example"),standard,,
VALVE-14,Valve,Not A Key!,,
VALVE-15,Valve,standard,,maybe
VALVE-16,Valve,standard,,,extra
DRILL-500,Cordless drill 18 V,standard,Cordless drill 18 V. Sold by the piece.,yes
"""


def test_a_product_file_imports_its_good_lines_and_reports_each_bad_one(app, login_as):
    client = login_as("admin@atrium.example")
    response = upload(client, "products", PRODUCTS_FILE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("Products: 1 created, 2 updated, 1 unchanged; 9 lines not imported (see below)."
            in flashes(html))
    found = problems(html)
    assert sorted(found) == [5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert found[5] == "There is no product type “gadget”; import it under Product types first."
    assert found[6] == "The sku is empty."
    assert found[7] == "The name is empty."
    assert found[8] == "VALVE-10 is on line 2 already; only that line is imported."
    assert "no spaces" in found[9]
    assert "which a spreadsheet would run as a formula" in found[10] and "evil" not in found[10]
    assert "is not a key" in found[11]
    assert found[12] == "The active cell says “maybe”; write yes or no (or leave it empty)."
    assert "It has 6 cells but the first line names 5 columns" in found[13]
    with app.app_context():
        valve = _product("VALVE-10")
        assert (valve.name, valve.description, valve.active, valve.product_type.key) == (
            "Ball valve DN 10", "Brass, nickel plated", True, "standard")
        assert valve.shipment_types == [] and valve.unit == "piece"
        pump = _product("PUMP-SVC")
        assert pump.name == "Pump maintenance visit (2 h)" and pump.description == "Two hours on site" and pump.active
        assert _product("OLD-1").active and _product("GLOVE-L").name == "Safety gloves, size L"
        assert _product("VALVE-11") is None and _product("VALVE-14") is None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "catalog.imported"))
        assert event.details == {"file": "Products", "created": 1, "updated": 2, "unchanged": 1, "refused": 9}
        assert event.actor_label.startswith("Ada")


def test_product_types_import_as_in_product_abstract_type_csv(app, login_as):
    client = login_as("admin@atrium.example")
    content = "key,name\nspare_part,Spare part\nservice,Service visit\nSpare Part 2,Bad\nspare_part,Again\nrental,\n"
    html = upload(client, "product_types", content).get_data(as_text=True)
    assert "Product types: 1 created, 1 updated, 0 unchanged; 3 lines not imported (see below)." in flashes(html)
    found = problems(html)
    assert "is not a key" in found[4]
    assert found[5] == "spare_part is on line 2 already; only that line is imported."
    assert found[6] == "The name is empty."
    with app.app_context():
        names = dict(db.session.execute(select(ProductType.key, ProductType.name)).all())
        assert names["spare_part"] == "Spare part" and names["service"] == "Service visit"


def test_type_assignments_import_as_in_product_abstract_product_abstract_type_csv(app, login_as):
    client = login_as("admin@atrium.example")
    content = ("abstract_sku,product_abstract_type_key\nglove-l,service\nNOPE-1,service\nDRILL-500,gadget\n"
               "PUMP-SVC,service\nBOLT-M8,\n")
    html = upload(client, "type_assignments", content).get_data(as_text=True)
    assert "Product type assignments: 0 created, 1 updated, 1 unchanged; 3 lines not imported" in text(html)
    assert problems(html) == {3: "There is no product with the SKU NOPE-1.",
                              4: "There is no product type “gadget”; import it under Product types first.",
                              6: "The product_abstract_type_key is empty."}
    with app.app_context():
        assert _product("GLOVE-L").product_type.key == "service"
        assert _product("DRILL-500").product_type.key == "standard"


def test_semicolons_a_byte_order_mark_and_columns_in_any_order_are_read(app, login_as):
    client = login_as("admin@atrium.example")
    content = "\ufeffproduct_type_key;name;sku\r\nstandard;Ventil, Messing;ventil-1\r\n\r\n"
    html = upload(client, "products", content).get_data(as_text=True)
    assert "Products: 1 created, 0 updated, 0 unchanged." in flashes(html)
    with app.app_context():
        assert _product("VENTIL-1").name == "Ventil, Messing"


@pytest.mark.parametrize("content,message", [
    ("sku,name,product_type_key\nVALVE-1,Ventil \xfcber,standard\n".encode("latin-1"),
     "The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” and upload it again."),
    ("sku,name,product_type_key\n" + "".join(f"V-{i},Valve {i},standard\n" for i in range(MAX_FILE_LINES + 1)),
     f"A file holds at most {MAX_FILE_LINES:,} lines below its header; this one has {MAX_FILE_LINES + 1:,}."),
    ("sku,name,product_type_key\n" + "V-1,Valve," + "x" * (2 * 1024 * 1024) + "\n",
     "The file is larger than 2 MB; split it into smaller files."),
    ("sku,title,product_type_key\nV-1,Valve,standard\n",
     "names its columns: sku, name, product_type_key (and optionally description, active); it lacks name; "
     "title is not one of them"),
    ("sku,product_type_key\nV-1,standard\n", "it lacks name"),
    ("\n\n", "The file is empty."),
])
def test_a_file_that_breaks_a_file_rule_is_refused_whole(app, login_as, content, message):
    client = login_as("admin@atrium.example")
    with app.app_context():
        before = _count(Product)
    response = upload(client, "products", content)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert any(message in flash for flash in flashes(html)), flashes(html)
    assert message in text(html.split('name="csv_file"')[1].split("</div>")[0])  # beside the file field
    assert 'data-testid="report"' not in html
    with app.app_context():
        assert _count(Product) == before
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "catalog.imported")) == 0


def test_a_post_without_a_file_says_so(app, login_as):
    client = login_as("admin@atrium.example")
    token = csrf_token(client.get(IMPORT).get_data(as_text=True))
    response = client.post(IMPORT, data={"csrf_token": token, "kind": "products"})
    assert response.status_code == 400
    assert "Choose a CSV file to upload." in text(response)


def test_the_page_documents_the_columns_of_each_file(app, login_as):
    page = text(login_as("admin@atrium.example").get(IMPORT))
    for columns in ("sku,name,product_type_key,description,active", "key,name",
                    "abstract_sku,product_abstract_type_key"):
        assert columns in page
    assert "at most 2 MB and 10,000 lines" in page


def _lines(n: int, tag: str) -> bytes:
    """A products file: ``n`` new products, ``n`` updates of the world's, and ``n`` refused lines."""
    known = ["BOLT-M8", "DRILL-500", "GLOVE-L", "PUMP-SVC", "OLD-1", "NOPRICE-1"]
    rows = [f"{tag}-{i},New {i},standard" for i in range(n)]
    rows += [f"{known[i % len(known)]},Renamed {tag} {i},service" for i in range(min(n, len(known)))]
    rows += [f"{tag}-bad-{i},Bad {i},gadget" for i in range(n)]
    return ("sku,name,product_type_key\n" + "\n".join(rows) + "\n").encode()


def test_an_import_costs_the_same_statements_for_few_lines_and_many(app):
    with app.app_context():
        actor = f.actor("admin@atrium.example")
        with count_queries(app) as few:
            small = import_catalog_csv("products", _lines(2, "few"), actor=actor)
        with count_queries(app) as many:
            large = import_catalog_csv("products", _lines(200, "many"), actor=actor)
        assert (small.created, len(small.problems)) == (2, 2) and (large.created, len(large.problems)) == (200, 200)
        assert len(few) == len(many) <= 6, many
        db.session.rollback()


def test_only_staff_who_manage_the_catalog_may_import(app):
    with app.app_context():
        for who in ("support@atrium.example", "anna.admin@acme.example"):
            with pytest.raises(NotPermitted):
                import_catalog_csv("products", b"sku,name,product_type_key\nX-1,X,standard\n", actor=f.actor(who))
        with pytest.raises(DomainError, match="Choose what the file holds"):
            import_catalog_csv("prices", b"", actor=f.actor("admin@atrium.example"))
        assert _product("X-1") is None
