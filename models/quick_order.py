"""Reading a quick order file: a CSV of SKUs and quantities, as spreadsheets save it.

``read_quick_order_csv(data)`` turns the uploaded bytes into rows for
``models.carts.add_to_cart`` and a list of per-line problems. It only parses;
looking the SKUs up, checking quantities and adding is ``add_to_cart``'s job.

The file: UTF-8 (a byte order mark is fine), two columns, SKU and quantity,
separated by ``,`` or ``;`` (whichever the file uses), an optional header row
(recognised by its column names, in either order), at most ``MAX_FILE_LINES``
lines and ``MAX_FILE_BYTES`` bytes. Empty lines are skipped; every other line
keeps its line number, so a report can say "line 7: unknown SKU". A file that
breaks a file-wide rule is refused whole (``DomainError``); a line that breaks
a line rule is reported and the other lines go on.

A cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return, and is not a plain number like
``-5``) refuses its line, and the message does not repeat the cell.
"""
from __future__ import annotations

from typing import NamedTuple

from models.base import DomainError
from models.carts import MAX_LINES
from models.uploads import csv_cells, is_formula, semicolons_or_commas, upload_text

MAX_FILE_BYTES = 200 * 1024
MAX_FILE_LINES = MAX_LINES
MAX_CELL = 200  # longer cells are cut: no SKU or quantity is that long, and the report stays readable
SKU_NAMES = {"sku", "article", "article number", "item", "item number", "product", "product number",
             "part number", "artikel", "artikelnummer"}
QUANTITY_NAMES = {"quantity", "qty", "amount", "count", "menge", "anzahl"}


class QuickOrderRow(NamedTuple):
    """One line of the file to add: its line number, the SKU and the quantity as written."""

    line: int
    sku: str
    quantity: str


class LineProblem(NamedTuple):
    """One line of the file that cannot be added, and why (in plain words)."""

    line: int
    message: str


def read_quick_order_csv(data: bytes) -> tuple[list[QuickOrderRow], list[LineProblem]]:
    """The rows to add and the lines refused; raise ``DomainError`` for a file refused whole."""
    lines = _numbered_lines(_decode(data))
    delimiter = semicolons_or_commas([text for _, text in lines[:20]])
    cells = [(number, csv_cells(text, delimiter)) for number, text in lines]
    cells = [(number, row) for number, row in cells if any(cell.strip() for cell in row)]
    order, cells = _header(cells)
    if len(cells) > MAX_FILE_LINES:
        raise DomainError(f"A quick order file holds at most {MAX_FILE_LINES:,} lines; this one has "
                          f"{len(cells):,}. Split it into smaller files.")
    rows, problems = [], []
    for number, row in cells:
        problem = _problem(row)
        if problem:
            problems.append(LineProblem(number, problem))
        else:
            rows.append(QuickOrderRow(number, row[order[0]].strip()[:MAX_CELL], row[order[1]].strip()[:MAX_CELL]))
    return rows, problems


def _decode(data: bytes) -> str:
    return upload_text(
        data, MAX_FILE_BYTES,
        too_large=f"The file is larger than {MAX_FILE_BYTES // 1024} KB. A quick order file holds at most "
                  f"{MAX_FILE_LINES:,} lines; split it into smaller files.",
        not_utf8="The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” and upload it again; "
                 "nothing was added.",
        not_text="The file is not a CSV text file. Save it as “CSV UTF-8” and upload it again; nothing was added.")


def _numbered_lines(content: str) -> list[tuple[int, str]]:
    """Each non-empty line with its number (counting from 1, empty lines included)."""
    return [(number, text) for number, text in enumerate(content.splitlines(), start=1) if text.strip()]


def _header(cells: list[tuple[int, list[str]]]) -> tuple[tuple[int, int], list]:
    """Which column holds the SKU and which the quantity, and the data lines (the header row dropped)."""
    if not cells or len(cells[0][1]) != 2:
        return (0, 1), cells
    first, second = (cell.strip().lower() for cell in cells[0][1])
    if first in SKU_NAMES and second in QUANTITY_NAMES:
        return (0, 1), cells[1:]
    if first in QUANTITY_NAMES and second in SKU_NAMES:
        return (1, 0), cells[1:]
    return (0, 1), cells


def _problem(row: list[str]) -> str | None:
    """Why this line cannot be added, or None."""
    if any(is_formula(cell) for cell in row):
        return ("Refused: a cell starts with =, +, -, @ or a tab, which a spreadsheet would run as a formula. "
                "Write the SKU and the quantity as plain text.")
    if len(row) != 2:
        return f"Expected 2 columns (SKU and quantity), found {len(row)}."
    return None
