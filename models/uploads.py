"""Uploaded text files (CSV lists, quick order files, catalog imports), read the same way everywhere.

``upload_text`` refuses what is too large, not UTF-8 (a byte order mark is
fine) or not text at all; ``csv_cells`` splits one line; ``is_formula`` tells a
cell a spreadsheet would run (``=``, ``+``, ``-``, ``@``, a tab or a carriage
return in front, unless it is a plain signed number like ``-5``). Each caller
words its own refusals: what the file was for, and what was not done.
"""
from __future__ import annotations

import csv
import re

from models.base import DomainError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")


def upload_text(data: bytes, max_bytes: int, *, too_large: str, not_utf8: str, not_text: str) -> str:
    """The upload as text, or a ``DomainError`` with the caller's message for what is wrong with it."""
    if len(data) > max_bytes:
        raise DomainError(too_large)
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(not_utf8) from None
    if "\x00" in content:
        raise DomainError(not_text)
    return content


def import_file_text(data: bytes, max_bytes: int) -> str:
    """A spreadsheet's CSV export as text, or a ``DomainError`` saying why nothing was imported."""
    return upload_text(
        data, max_bytes,
        too_large=f"The file is larger than {max_bytes // (1024 * 1024)} MB; split it into smaller files. "
                  "Nothing was imported.",
        not_utf8="The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” and upload it again. "
                 "Nothing was imported.",
        not_text="The file is not a CSV text file. Nothing was imported.")


def csv_cells(text: str, delimiter: str, keep: int = 0) -> list[str]:
    """The cells of one line; trailing empty cells (``BOLT-M8;5;;``) are dropped down to ``keep`` cells."""
    try:
        row = next(csv.reader([text], delimiter=delimiter, strict=True), [])
    except csv.Error:
        row = text.split(delimiter)  # a stray quote: the cells as they stand, the checks report them
    while len(row) > keep and not row[-1].strip():
        row.pop()
    return row


def semicolons_or_commas(sample: list[str]) -> str:
    """``;`` when these lines hold more semicolons than commas (German spreadsheets), else ``,``."""
    return ";" if sum(t.count(";") for t in sample) > sum(t.count(",") for t in sample) else ","


def is_formula(cell: str) -> bool:
    """Whether a spreadsheet opening this cell would run it (a plain signed number is just a number)."""
    for text in (cell, cell.strip()):
        if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.match(text.strip()):
            return True
    return False
