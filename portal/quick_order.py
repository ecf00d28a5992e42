"""Quick order: rows of SKU and quantity, or a CSV file, into the cart, with a result for every line.

The rows form starts with five rows; "Add 5 more rows" sends what is typed
and comes back with five more (up to ``MAX_ROWS``), without JavaScript.
Blank rows are skipped. After adding, the page lists what became of each line
and keeps the rows that were not added in the form, to correct them.

The same rows or file can instead go into a quote request ("Ask for a quote
instead", ``models.quotes.request_quote_for_lines``): products without a price
yet are welcome there, and the result links to the new quote.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import flash, render_template, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField

from edge import attempt, refused
from models.carts import MAX_QUANTITY, add_to_cart
from models.permissions import Perm
from models.quick_order import MAX_FILE_BYTES, MAX_FILE_LINES, QuickOrderRow, read_quick_order_csv
from models.quotes import request_quote_for_lines
from portal import bp
from portal.cart import ordering_required
from portal.cart_session import current_cart
from security import can, current_actor, current_company

ROWS_STEP, MAX_ROWS = 5, 100
CELL_MAX = 100  # what a row's input keeps (a SKU has at most 64 characters)


class RowsForm(FlaskForm):
    rows = HiddenField()
    add_rows = SubmitField("Add to cart")
    more_rows = SubmitField(f"Add {ROWS_STEP} more rows")
    quote_rows = SubmitField("Ask for a quote instead")


class CsvForm(FlaskForm):
    csv_file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to upload.")])
    upload_csv = SubmitField("Upload and add to cart")
    quote_csv = SubmitField("Upload and ask for a quote")


@dataclass
class ResultLine:
    """One line of the result table: where it came from and what became of it."""

    line: int
    sku: str
    quantity: str
    added: bool
    message: str


def _row_count() -> int:
    """How many rows the form shows (from the form or the query string), in steps of five up to MAX_ROWS."""
    raw = str(request.values.get("rows", "")).strip()
    count = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else ROWS_STEP
    return min(max(ROWS_STEP, -(-count // ROWS_STEP) * ROWS_STEP), MAX_ROWS)


def _typed_rows(count: int) -> list[tuple[str, str]]:
    """The (SKU, quantity) rows as typed, blank ones included (the form shows them again)."""
    form = request.form
    return [(form.get(f"sku-{i}", "").strip()[:CELL_MAX], form.get(f"quantity-{i}", "").strip()[:CELL_MAX])
            for i in range(count)]


def _padded(rows: list[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    return (rows + [("", "")] * count)[:max(count, ROWS_STEP)]


def add_lines(rows: list[QuickOrderRow], problems=()) -> list[ResultLine]:
    """Add the rows to the cart in one go; every row and every refused line as a result, in line order."""
    results = [ResultLine(p.line, "", "", False, p.message) for p in problems]
    if rows:
        reports = add_to_cart(current_cart(create=True), [(r.sku, r.quantity) for r in rows],
                              actor=current_actor(), source="quick_order")
        results += [ResultLine(row.line, report.sku or row.sku, row.quantity, report.ok,
                               "Added to the cart" if report.ok else report.message)
                    for row, report in zip(rows, reports)]
    return sorted(results, key=lambda r: r.line)


def ask_for_quote(rows: list[QuickOrderRow], problems=()):
    """Ask for prices for the rows in one quote request; the quote (None when no line could be asked for)
    and every row and every refused line as a result, in line order."""
    results = [ResultLine(p.line, "", "", False, p.message) for p in problems]
    quote = None
    if rows:
        quote, reports = request_quote_for_lines(current_company(), [(r.sku, r.quantity) for r in rows],
                                                 actor=current_actor())
        results += [ResultLine(row.line, report.sku or row.sku, row.quantity, report.ok,
                               "Asked for" if report.ok else report.message) for row, report in zip(rows, reports)]
    return quote, sorted(results, key=lambda r: r.line)


def _add(rows: list[QuickOrderRow], problems=()):
    """Into the cart: the results, and no quote."""
    results = add_lines(rows, problems)
    added = sum(1 for r in results if r.added)
    if not results:
        flash("There was nothing to add: type a SKU and a quantity in a row, or upload a file.", "warning")
    elif added == len(results):
        flash(f"All {added:,} line(s) are in your cart.", "success")
    elif added:
        flash(f"{added:,} of {len(results):,} lines are in your cart; the result below says what stopped "
              "the others.", "warning")
    else:
        flash("No line could be added; the result below says why.", "danger")
    return results, None


def _ask(rows: list[QuickOrderRow], problems=()):
    """Into a quote request: the results and the new quote (None when no line could be asked for)."""
    quote, results = ask_for_quote(rows, problems)
    asked = sum(1 for r in results if r.added)
    if not results:
        flash("There was nothing to ask for: type a SKU and a quantity in a row, or upload a file.", "warning")
    elif quote is None:
        flash("No line could be asked for; the result below says why.", "danger")
    else:
        flash(f"Quote {quote.number} is requested for {asked:,} of {len(results):,} line(s): we answer with "
              "prices soon, and mail you when we do.", "success" if asked == len(results) else "warning")
    return results, quote


def _send_typed(count: int, send):
    """Send the typed rows (``_add`` or ``_ask``): (results, quote) or None when refused whole, and the rows
    that did not go through (shown again to correct)."""
    typed = _typed_rows(count)
    rows = [QuickOrderRow(i + 1, sku, quantity) for i, (sku, quantity) in enumerate(typed) if sku or quantity]
    sent = None
    with attempt():
        sent = send(rows)
    if sent is None:
        return None, typed
    failed = {r.line for r in sent[0] if not r.added}
    return sent, [(row.sku, row.quantity) for row in rows if row.line in failed]


def _send_file(form: CsvForm, send):
    sent = None
    with attempt(form):
        upload = form.csv_file.data
        rows, problems = read_quick_order_csv(upload.read(MAX_FILE_BYTES + 1))
        sent = send(rows, problems)
    if sent is None:
        form.csv_file.errors = [refused()]
    return sent


@bp.route("/quick-order", methods=["GET", "POST"])
@ordering_required
def quick_order():
    rows_form, csv_form = RowsForm(), CsvForm()
    count, status, sent = _row_count(), 200, None
    typed = [("", "")] * count
    posted = request.method == "POST"
    if posted and rows_form.more_rows.data and rows_form.validate_on_submit():
        typed, count = _typed_rows(count), min(count + ROWS_STEP, MAX_ROWS)
    elif posted and (rows_form.add_rows.data or rows_form.quote_rows.data) and rows_form.validate_on_submit():
        sent, typed = _send_typed(count, _ask if rows_form.quote_rows.data else _add)
        status = 400 if sent is None else 200
    elif posted and (csv_form.upload_csv.data or csv_form.quote_csv.data):
        send = _ask if csv_form.quote_csv.data else _add
        sent = _send_file(csv_form, send) if csv_form.validate_on_submit() else None
        status = 400 if sent is None else 200
    elif posted:
        flash("Choose whether to add the rows or upload a file.", "danger")
        status = 400
    results, quote = sent if sent is not None else (None, None)
    quoting = posted and bool(rows_form.quote_rows.data or csv_form.quote_csv.data)
    return render_template("portal/catalog/quick_order.html", rows_form=rows_form, csv_form=csv_form,
                           rows=_padded(typed, count), results=results, quote=quote, quoting=quoting,
                           may_quote=can(Perm.MANAGE_OWN_QUOTES),
                           max_rows=MAX_ROWS, step=ROWS_STEP, max_lines=MAX_FILE_LINES,
                           max_kb=MAX_FILE_BYTES // 1024, max_quantity=MAX_QUANTITY), status
