"""The CSV import of product offers: good lines in, each line reported, whole files refused, flat cost."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from extensions import db
from models.audit import AuditEvent
from models.base import DomainError, NotPermitted
from models.offer_import import MAX_FILE_LINES, import_offers_csv
from models.services import ProductOffer
from tests import factories as f
from tests.helpers import count_queries, csrf_token, flashes, text

IMPORT = "/admin/offer-import/"
HEADER = "offer_reference,sku,service_point_key,price,currency,stock,valid_from,valid_until\n"


def upload(client, content: str | bytes, name: str = "offers.csv"):
    """Upload a file on the import page as staff would."""
    token = csrf_token(client.get(IMPORT).get_data(as_text=True))
    data = content.encode() if isinstance(content, str) else content
    return client.post(IMPORT, data={"csrf_token": token, "csv_file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def table(html: str, testid: str) -> dict[int, str]:
    """Line number → the rest of its row, from one of the report's tables."""
    body = html.split(f'data-testid="{testid}"')[1].split("</table>")[0]
    rows = [text(row) for row in body.split("<tr>")[2:]]
    return {int(row.split(" ", 1)[0]): row.split(" ", 1)[1] for row in rows}


def _offer(reference: str) -> ProductOffer | None:
    return db.session.scalar(select(ProductOffer).where(ProductOffer.reference == reference))


def _count() -> int:
    return db.session.scalar(select(func.count(ProductOffer.id)))


OFFERS_FILE = HEADER + """hh-pump,PUMP-SVC,hamburg,250.00,EUR,4,,
MUC-PUMP,PUMP-SVC,munich,,EUR,,,
KIEL-PUMP,pump-svc,munich,"199,5",EUR,10,2030-01-01,2030-12-31
NOPE-1,NO-SUCH-SKU,hamburg,10.00,EUR,,,
NOPE-2,PUMP-SVC,berlin,10.00,EUR,,,
NOPE-3,PUMP-SVC,hamburg,"12,3,4",EUR,,,
NOPE-4,PUMP-SVC,hamburg,=cmd|' /C calc'!A0,EUR,,,
NOPE-5,PUMP-SVC,hamburg,10.00,EUR,,2030-02-30,
NOPE-6,PUMP-SVC,hamburg,10.00,EUR,-1,,
NOPE-7,PUMP-SVC,hamburg,10.00,EUR,,2030-02-01,2030-01-01
kiel-pump,PUMP-SVC,munich,1.00,EUR,,,
"""


def test_an_offer_file_imports_its_good_lines_and_reports_every_line(app, login_as):
    client = login_as("admin@atrium.example")
    response = upload(client, OFFERS_FILE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Product offers: 1 added, 1 changed, 1 unchanged; 8 lines refused (see below)." in flashes(html)
    assert table(html, "imported") == {2: "HH-PUMP changed", 3: "MUC-PUMP unchanged", 4: "KIEL-PUMP added"}
    refused = table(html, "problems")
    assert sorted(refused) == [5, 6, 7, 8, 9, 10, 11, 12]
    assert refused[5] == "NOPE-1 There is no product with the SKU NO-SUCH-SKU."
    assert refused[6] == "NOPE-2 There is no service point with the key “berlin”; add it under Service points first."
    assert refused[7].startswith("NOPE-3 The price “12,3,4” is not an amount")
    assert "which a spreadsheet would run as a formula" in refused[8] and "calc" not in refused[8]
    assert refused[9] == "NOPE-5 The valid_from “2030-02-30” is not a date: write it as YYYY-MM-DD, e.g. 2025-03-01."
    assert refused[10].startswith("NOPE-6 The stock is a whole number from 0")
    assert "the end comes on or after the start" in refused[11]
    assert refused[12] == "KIEL-PUMP KIEL-PUMP is on line 4 already; only that line is imported."
    with app.app_context():
        hamburg = _offer("HH-PUMP")
        assert (hamburg.price, hamburg.stock) == (Decimal("250.00"), 4)
        kiel = _offer("KIEL-PUMP")
        assert (kiel.price, kiel.stock, kiel.valid_from, kiel.valid_until, kiel.active) == (
            Decimal("199.5"), 10, date(2030, 1, 1), date(2030, 12, 31), True)
        assert kiel.service_point.key == "munich" and [s.name for s in kiel.services] == ["On-site service visit"]
        assert [t.key for t in kiel.shipment_types] == [t.key for t in kiel.product.shipment_types]
        assert not any(_offer(f"NOPE-{i}") for i in range(1, 8))
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "catalog.imported"))
        assert event.details == {"file": "Product offers", "created": 1, "updated": 1, "unchanged": 1, "refused": 8}


def test_semicolons_and_a_header_in_another_order_are_read(app):
    content = ("sku;offer_reference;service_point_key;price;currency;stock;valid_from;valid_until\n"
               "PUMP-SVC;HH-PUMP;hamburg;230,00;EUR;2;;\n")
    with app.app_context():
        report = import_offers_csv(content.encode("utf-8-sig"), actor=f.actor("admin@atrium.example"))
        assert [(line.reference, line.outcome) for line in report.lines] == [("HH-PUMP", "changed")]
        assert _offer("HH-PUMP").price == Decimal("230.00")


def test_a_file_cannot_move_an_offer_to_another_service_point(app):
    with app.app_context():
        report = import_offers_csv((HEADER + "HH-PUMP,PUMP-SVC,munich,10.00,EUR,,,\n").encode(),
                                   actor=f.actor("admin@atrium.example"))
        assert "a file does not move an offer" in report.problems[0].message
        assert _offer("HH-PUMP").service_point.key == "hamburg"


@pytest.mark.parametrize("content,message", [
    ("offer_reference;sku;prix\n".encode("latin-1") + "É,1\n".encode("latin-1"), "The file is not UTF-8 text"),
    (("offer_reference,sku,service_point_key\nX,PUMP-SVC,hamburg\n").encode(), "names its columns"),
    (b"", "The file is empty"),
    (HEADER.encode() + b"".join(
        f"X-{i},PUMP-SVC,hamburg,1.00,EUR,,,\n".encode() for i in range(MAX_FILE_LINES + 1)),
     "A file holds at most 5,000 lines below its header; this one has 5,001."),
])
def test_a_broken_file_is_refused_whole(app, login_as, content, message):
    client = login_as("admin@atrium.example")
    with app.app_context():
        before = _count()
    response = upload(client, content)
    assert response.status_code == 400
    assert message in " ".join(flashes(response.get_data(as_text=True)))
    with app.app_context():
        assert _count() == before and _offer("X-0") is None


def test_a_latin_1_file_is_refused_by_the_operation(app):
    with app.app_context(), pytest.raises(DomainError, match="not UTF-8"):
        import_offers_csv((HEADER + "MÜ-1,PUMP-SVC,hamburg,,,,,\n").encode("latin-1"),
                          actor=f.actor("admin@atrium.example"))


def test_only_catalog_staff_may_import(app):
    with app.app_context():
        for email in ("support@atrium.example", "agent@atrium.example", "ben.buyer@acme.example"):
            with pytest.raises(NotPermitted):
                import_offers_csv((HEADER + "NEW-1,PUMP-SVC,hamburg,,,,,\n").encode(), actor=f.actor(email))
        assert _offer("NEW-1") is None


def _file(tag: str, numbers, version: int) -> bytes:
    return (HEADER + "".join(f"{tag}-{i},PUMP-SVC,{'hamburg' if i % 2 else 'munich'},{i + version}.50,EUR,{i},,\n"
                             for i in numbers)).encode()


def _statements(app, content: bytes) -> tuple[int, object]:
    with app.app_context():
        admin = f.actor("admin@atrium.example")
        with count_queries(app) as statements:
            report = import_offers_csv(content, actor=admin)
        db.session.commit()
    return len(statements), report


def test_importing_a_thousand_lines_costs_the_same_statements_as_twenty(app):
    """Half of each measured file updates the offers a first import made, half adds new ones."""
    _statements(app, _file("SMALL", range(0, 20), 0))
    _statements(app, _file("LARGE", range(0, 1000), 0))
    small, small_report = _statements(app, _file("SMALL", range(10, 30), 1))
    large, large_report = _statements(app, _file("LARGE", range(500, 1500), 1))
    assert (small_report.count("added"), small_report.count("changed")) == (10, 10)
    assert (large_report.count("added"), large_report.count("changed")) == (500, 500)
    assert large == small and small <= 15, (small, large)
    with app.app_context():
        offer = _offer("LARGE-999")
        assert (offer.price, offer.stock, offer.service_point.key) == (Decimal("1000.50"), 999, "hamburg")
        assert len(offer.services) == 1 and offer.shipment_types
