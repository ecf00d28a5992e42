"""Quick order: the CSV reader on its own, then the page (rows, more rows, CSV upload) with its result table,
the bad inputs of each, and the cost of a 1,000-line file."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from extensions import db
from models.base import DomainError
from models.carts import Cart
from models.quick_order import MAX_FILE_BYTES, LineProblem, QuickOrderRow, read_quick_order_csv
from tests import factories as f
from tests.helpers import count_queries, csrf_token, login, stopwatch, text
from tests.test_cart import alerts, cart_lines
from tests.test_portal_catalog import grow_catalog, visit

BEN, ANNA = "ben.buyer@acme.example", "anna.admin@acme.example"
CARL = "carl.ccm@acme.example"  # has no cart yet
FORMULA = "=cmd|' /C calc'!A0"
PAGE_BOUND = 2  # the signed-in user (and the visited shop for a visitor); the page itself reads nothing
# An upload into a new cart, besides writing its lines: the user, the cart looked for (twice) and made, its
# lines, its source, the products of every SKU, their prices, the cart's time: 9, for 10 lines as for 1,000.
CSV_BOUND = 9


# --- the reader ----------------------------------------------------------------------------------

def read(content: str):
    return read_quick_order_csv(content.encode("utf-8"))


def test_plain_rows_without_a_header():
    assert read("BOLT-M8,5\nDRILL-500,1\n") == ([QuickOrderRow(1, "BOLT-M8", "5"), QuickOrderRow(2, "DRILL-500", "1")],
                                               [])


@pytest.mark.parametrize("content", [
    "sku,quantity\nBOLT-M8,5\n", "SKU;Quantity\r\nBOLT-M8;5\r\n", "\ufeffsku;qty\nBOLT-M8;5", "Quantity,SKU\n5,BOLT-M8\n",
    '"sku","quantity"\n"BOLT-M8","5"\n', "Artikelnummer;Menge\nBOLT-M8;5;;\n",
])
def test_header_separator_quotes_bom_and_column_order_are_recognised(content):
    assert read(content) == ([QuickOrderRow(2, "BOLT-M8", "5")], [])


def test_empty_lines_are_skipped_and_line_numbers_kept():
    rows, problems = read("sku,quantity\n\nBOLT-M8,5\n   \n,\n\nGLOVE-L,2\n")
    assert rows == [QuickOrderRow(3, "BOLT-M8", "5"), QuickOrderRow(7, "GLOVE-L", "2")] and problems == []


def test_wrong_column_counts_are_reported_per_line_and_the_rest_kept():
    rows, problems = read("BOLT-M8,5\nDRILL-500\nGLOVE-L,1,extra\nPUMP-SVC,1\n")
    assert rows == [QuickOrderRow(1, "BOLT-M8", "5"), QuickOrderRow(4, "PUMP-SVC", "1")]
    assert problems == [LineProblem(2, "Expected 2 columns (SKU and quantity), found 1."),
                        LineProblem(3, "Expected 2 columns (SKU and quantity), found 3.")]


@pytest.mark.parametrize("line", [FORMULA, f"BOLT-M8,{FORMULA}", "+1+1,2", "@SUM(A1),1", "BOLT-M8,-2+3",
                                  "\t=1+1,2", "BOLT-M8, =HYPERLINK(\"x\")", "-BOLT,1"])
def test_formula_like_cells_refuse_their_line_without_repeating_it(line):
    rows, problems = read(f"GLOVE-L,1\n{line}\n")
    assert rows == [QuickOrderRow(1, "GLOVE-L", "1")]
    assert len(problems) == 1 and problems[0].line == 2 and problems[0].message.startswith("Refused: a cell starts")
    assert "cmd" not in problems[0].message and "SUM" not in problems[0].message


def test_a_plain_negative_number_is_a_quantity_add_to_cart_then_refuses():
    assert read("BOLT-M8,-5\n") == ([QuickOrderRow(1, "BOLT-M8", "-5")], [])


@pytest.mark.parametrize("data, message", [
    ("Mütze;1\n".encode("cp1252"), "The file is not UTF-8 text."),
    ("sku,quantity\nBOLT-M8,1\n".encode("utf-16"), "not"),
    (b"BOLT-M8,1\n" * 100_000, "The file is larger than 200 KB."),
    (b"x" * (MAX_FILE_BYTES + 1), "The file is larger than 200 KB."),
    (b"sku,quantity\n" + b"BOLT-M8,1\n" * 1001, "at most 1,000 lines; this one has 1,001."),
])
def test_a_file_refused_whole_says_why(data, message):
    with pytest.raises(DomainError) as refused:
        read_quick_order_csv(data)
    assert message in refused.value.message


def test_exactly_1000_lines_with_a_header_are_fine():
    rows, problems = read_quick_order_csv(b"sku,quantity\n" + b"BOLT-M8,1\n" * 1000)
    assert len(rows) == 1000 and rows[-1].line == 1001 and problems == []


# --- the page: rows ------------------------------------------------------------------------------

def rows_data(typed, **extra) -> dict:
    """The rows form as sent: (SKU, quantity) rows, the row count, and the button pressed."""
    data = {"rows": str(max(len(typed), 5)), **extra}
    for i, (sku, quantity) in enumerate(typed):
        data[f"sku-{i}"], data[f"quantity-{i}"] = sku, quantity
    return data


def post(client, data: dict, files: dict | None = None):
    token = csrf_token(client.get("/quick-order").get_data(as_text=True))
    return client.post("/quick-order", data=dict(data, csrf_token=token, **(files or {})),
                       content_type="multipart/form-data" if files else None)


def result_rows(response) -> list[list[str]]:
    """The result table's rows as cell texts."""
    html = response.get_data(as_text=True)
    table = html.split('id="result"', 1)[1].split("</table>", 1)[0]
    return [[" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S) if "<td" in row]


def test_the_page_starts_with_five_labelled_rows_and_an_upload_form(login_as):
    response = login_as(BEN).get("/quick-order")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('name="sku-') == 5 and 'for="sku-4"' in html and 'for="quantity-4"' in html
    assert 'value="Add 5 more rows"' in html and 'type="file"' in html
    assert 'name="quote_rows"' in html and 'name="quote_csv"' in html  # Ben may ask for quotes


def test_more_rows_keeps_what_was_typed_and_stops_at_100(app, login_as):
    client = login_as(BEN)
    response = post(client, rows_data([("BOLT-M8", "7")], more_rows="Add 5 more rows"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.count('name="sku-') == 10
    assert 'name="sku-0" value="BOLT-M8"' in html and 'name="quantity-0" value="7"' in html
    assert cart_lines(app, BEN) == {"BOLT-M8": 10}  # nothing added yet
    html = post(client, rows_data([], rows="95", more_rows="Add 5 more rows")).get_data(as_text=True)
    assert html.count('name="sku-') == 100 and "Add 5 more rows" not in html and "At most 100 rows" in html
    assert client.get("/quick-order?rows=15").get_data(as_text=True).count('name="sku-') == 15
    assert client.get("/quick-order?rows=100000").get_data(as_text=True).count('name="sku-') == 100
    assert client.get("/quick-order?rows=-3").get_data(as_text=True).count('name="sku-') == 5


def test_rows_go_in_each_line_says_what_became_of_it_and_the_failed_rows_stay(app, login_as):
    client = login_as(BEN)
    rows = [("bolt-m8", "5"), ("", ""), ("NOPE-1", "1"), ("DRILL-500", "abc"), ("OLD-1", "1"), ("US-ONLY-1", "1"),
            ("GLOVE-L", "2"), ("", "3"), ("DRILL-500", "0"), ("PUMP-SVC", "999999")]
    response = post(client, rows_data(rows, add_rows="Add to cart"))
    assert response.status_code == 200
    assert alerts(response.get_data(as_text=True)) == [
        "2 of 9 lines are in your cart; the result below says what stopped the others."]
    table = result_rows(response)
    assert [r[0] for r in table] == ["1", "3", "4", "5", "6", "7", "8", "9", "10"]  # the blank row 2 skipped
    assert table[0] == ["1", "BOLT-M8", "5", "Added"]
    assert table[1] == ["3", "NOPE-1", "1", "Not added NOPE-1: there is no product with this SKU."]
    assert "is not a quantity" in table[2][3] and "no longer sold" in table[3][3]
    assert "no product with this SKU" in table[4][3] and table[5] == ["7", "GLOVE-L", "2", "Added"]
    assert "quantity but no SKU" in table[6][3] and "is not a quantity" in table[8][3]
    assert cart_lines(app, BEN) == {"BOLT-M8": 15, "GLOVE-L": 2}
    html = response.get_data(as_text=True)
    assert 'name="sku-0" value="NOPE-1"' in html and 'name="sku-6" value="PUMP-SVC"' in html  # to correct
    assert 'value="bolt-m8"' not in html
    with app.app_context():
        assert db.session.scalar(select(Cart.source).where(Cart.owner_id == f.user(BEN).id)) == "cart"


def test_only_blank_rows_add_nothing(app, login_as):
    client = login_as(CARL)
    response = post(client, rows_data([("", ""), ("  ", " ")], add_rows="Add to cart"))
    assert response.status_code == 200 and "There was nothing to add" in text(response)
    with app.app_context():
        assert db.session.scalar(select(Cart.id).where(Cart.owner_id == f.user(CARL).id)) is None


def test_a_new_cart_filled_by_quick_order_remembers_it(app, login_as):
    client = login_as(CARL)
    post(client, rows_data([("GLOVE-L", "1")], add_rows="Add to cart"))
    with app.app_context():
        assert db.session.scalar(select(Cart.source).where(Cart.owner_id == f.user(CARL).id)) == "quick_order"


# --- the page: CSV -------------------------------------------------------------------------------

def upload(client, content: bytes | str, name: str = "order.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return post(client, {"upload_csv": "Upload and add to cart"}, files={"csv_file": (io.BytesIO(data), name)})


def test_a_csv_adds_the_good_lines_and_reports_the_others_by_line(app, login_as):
    client = login_as(BEN)
    content = ("sku;quantity\n"  # 1
               "DRILL-500;2\n"  # 2
               "\n"  # 3
               "NOPE-1;4\n"  # 4
               f"{FORMULA};1\n"  # 5
               "GLOVE-L;1;x\n"  # 6
               "OLD-1;1\n"  # 7
               "GLOVE-L;-5\n"  # 8
               "US-ONLY-1;1\n"  # 9
               "BOLT-M8;90\n")  # 10
    response = upload(client, "\ufeff" + content)
    assert response.status_code == 200
    table = result_rows(response)
    assert [r[0] for r in table] == ["2", "4", "5", "6", "7", "8", "9", "10"]
    assert table[0] == ["2", "DRILL-500", "2", "Added"] and table[-1] == ["10", "BOLT-M8", "90", "Added"]
    assert table[1] == ["4", "NOPE-1", "4", "Not added NOPE-1: there is no product with this SKU."]
    assert table[2][1] == "—" and table[2][3].startswith("Not added Refused: a cell starts with")
    assert "found 3" in table[3][3] and "no longer sold" in table[4][3] and "is not a quantity" in table[5][3]
    assert "no product with this SKU" in table[6][3]
    assert "cmd|" not in response.get_data(as_text=True)
    assert cart_lines(app, BEN) == {"BOLT-M8": 100, "DRILL-500": 2}


@pytest.mark.parametrize("data, message", [
    ("Mütze;1\nBOLT-M8;1\n".encode("cp1252"), "The file is not UTF-8 text."),
    (b"BOLT-M8,1\n" * 100_000, "The file is larger than 200 KB."),
    (b"BOLT-M8,1\n" * 1_001, "A quick order file holds at most 1,000 lines; this one has 1,001."),
])
def test_a_refused_file_adds_nothing_and_says_why(app, login_as, data, message):
    client = login_as(BEN)
    response = upload(client, data)
    assert response.status_code == 400
    assert any(message in m for m in alerts(response.get_data(as_text=True)))
    assert cart_lines(app, BEN) == {"BOLT-M8": 10}


def test_no_file_chosen(login_as):
    client = login_as(BEN)
    response = post(client, {"upload_csv": "Upload and add to cart"})
    assert response.status_code == 400 and "Choose a CSV file to upload." in text(response)


def test_a_post_without_a_button_is_refused_plainly(login_as):
    response = post(login_as(BEN), {"sku-0": "BOLT-M8", "quantity-0": "1"})
    assert response.status_code == 400 and "Choose whether to add the rows or upload a file." in text(response)


def test_visitor_without_guest_carts_signs_in_first_and_a_guest_cart_visitor_may(app, client):
    response = client.get("/quick-order")
    assert response.status_code == 302 and response.location == "/login?next=/quick-order"
    visit(client, "atrium-de")
    response = post(client, rows_data([("GLOVE-L", "2")], add_rows="Add to cart"))
    assert response.status_code == 200 and result_rows(response) == [["1", "GLOVE-L", "2", "Added"]]


# --- statement bounds and time -------------------------------------------------------------------

def test_the_page_costs_a_fixed_few_statements(app, login_as):
    client = login_as(BEN)
    client.get("/quick-order")
    with count_queries(app) as statements:
        assert client.get("/quick-order").status_code == 200
    assert len(statements) <= PAGE_BOUND


def _timed_upload(app, client, skus: list[str]) -> tuple[list[str], float]:
    """Upload ``skus`` (2 each) as a CSV: the statements sent and the seconds it took."""
    content = "sku,quantity\n" + "".join(f"{sku},2\n" for sku in skus)
    token = csrf_token(client.get("/quick-order").get_data(as_text=True))
    with stopwatch() as watch, count_queries(app) as statements:
        response = client.post("/quick-order", content_type="multipart/form-data", data={
            "upload_csv": "Upload", "csrf_token": token, "csv_file": (io.BytesIO(content.encode()), "big.csv")})
    assert response.status_code == 200
    assert alerts(response.get_data(as_text=True)) == [f"All {len(skus):,} line(s) are in your cart."]
    return statements, watch.seconds


def _shapes(statements) -> list[str]:
    """Statements with their IN lists folded (``IN (?, ?, ?)`` reads ``IN (?)``): same shape, same work."""
    # PostgreSQL's placeholders are named and typed: %(sku_1_1)s::VARCHAR reads ?
    placeholders = (re.sub(r"%\(\w+\)s(::\w+)?", "?", statement) for statement in statements)
    return [re.sub(r"\?(, \?)+", "?", statement) for statement in placeholders]


def _signed_in(app, email: str):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def test_a_1000_line_file_costs_what_a_10_line_file_costs_and_is_quick(app):
    """The SKUs and prices of the whole file are read in one statement each. The new cart lines are written
    in one batch on PostgreSQL; SQLite's driver cannot batch an INSERT that returns ids in order, so there
    the ORM writes one line per statement (counted apart: they are writes, not look-ups)."""
    with app.app_context():
        skus = grow_catalog(1010, tag="BULK")
        db.session.commit()
    small, _ = _timed_upload(app, _signed_in(app, "alice.approver@acme.example"), skus[:10])
    large, elapsed = _timed_upload(app, _signed_in(app, CARL), skus[10:])
    assert len(cart_lines(app, CARL)) == 1000
    line_writes = [s for s in large if s.startswith("INSERT INTO cart_lines")]
    others = _shapes(s for s in large if not s.startswith("INSERT INTO cart_lines"))
    assert others == _shapes(s for s in small if not s.startswith("INSERT INTO cart_lines"))
    assert len(others) <= CSV_BOUND and 1 <= len(line_writes) <= 1000
    assert elapsed < 2.0, elapsed
