"""The CSV import of product offers: prices, stock and validity of offers, created or updated by reference.

The file is UTF-8 (a byte order mark is fine); its first line names the columns, in any order::

    offer_reference,sku,service_point_key,price,currency,stock,valid_from,valid_until

cells separated by ``,`` or ``;`` (whichever the header uses), one offer a line, at most
``MAX_FILE_LINES`` lines. ``offer_reference``, ``sku`` and ``service_point_key`` are required on each
line; an empty ``price`` means the product's price, an empty ``currency`` EUR, an empty ``stock`` always
available, an empty date no bound. A price is written ``1500.50`` or ``1500,50`` (no thousands separators,
at most four decimals), a date ``2025-03-01``.

A known reference has its price, currency, stock and dates set as the line says (a file never moves an
offer to another product or service point); a new one becomes an active offer with every active service
of its service point and every shipment type its product allows. A file that breaks a file-wide rule
(not UTF-8, too large, too many lines, a header without the eight columns) is refused whole; each line
is reported as added, changed, unchanged or refused with its reason, and the good lines are imported.
SKUs, service points, their services and the offers of the whole file are looked up in one statement
each, and the rows are written in one statement each, however long the file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select, update

from extensions import db
from models.actors import Actor
from models.audit import record
from models.base import DomainError
from models.catalog import Product, check_sku, normal_sku, product_shipment_types
from models.catalog_import import check_key
from models.money import check_currency
from models.offers import REFERENCE_MAX, check_price, check_reference, check_stock, check_validity
from models.operations import operation
from models.permissions import StaffPerm
from models.services import ProductOffer, Service, ServicePoint, offer_services, offer_shipment_types
from models.uploads import csv_cells, import_file_text, is_formula, semicolons_or_commas

COLUMNS = ("offer_reference", "sku", "service_point_key", "price", "currency", "stock", "valid_from", "valid_until")
REQUIRED = COLUMNS[:3]
MAX_FILE_LINES = 5_000
MAX_FILE_BYTES = 2 * 1024 * 1024
ADDED, CHANGED, UNCHANGED, REFUSED = "added", "changed", "unchanged", "refused"
PRICE = re.compile(r"^\d{1,12}([.,]\d{1,4})?$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WRITTEN = ("price", "currency", "stock", "valid_from", "valid_until")  # what a line sets on an offer


@dataclass(frozen=True)
class OfferLine:
    """What the import did with one line of the file."""

    line: int
    reference: str
    outcome: str
    message: str = ""


@dataclass
class OfferImportReport:
    label: str = "Product offers"
    lines: list[OfferLine] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def problems(self) -> list[OfferLine]:
        return [line for line in self.lines if line.outcome == REFUSED]

    @property
    def imported(self) -> list[OfferLine]:
        return [line for line in self.lines if line.outcome != REFUSED]


# --- reading the file -------------------------------------------------------------------------------

def _lines(data: bytes) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """The header's columns and the cells of each line below it; a broken file is refused whole."""
    text = import_file_text(data, MAX_FILE_BYTES)
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise DomainError("The file is empty. Nothing was imported.")
    delimiter = semicolons_or_commas([lines[0][1]])
    names = [cell.strip().lower() for cell in csv_cells(lines[0][1], delimiter, keep=1)]
    if sorted(names) != sorted(COLUMNS):
        raise DomainError(f"The first line of an offer file names its columns: {','.join(COLUMNS)} (in any "
                          f"order); this one names {','.join(n[:40] for n in names)[:300]}. Nothing was imported.")
    if len(lines) - 1 > MAX_FILE_LINES:
        raise DomainError(f"A file holds at most {MAX_FILE_LINES:,} lines below its header; this one has "
                          f"{len(lines) - 1:,}. Split it into smaller files. Nothing was imported.")
    return {name: names.index(name) for name in names}, [(n, csv_cells(line, delimiter)) for n, line in lines[1:]]


def _price(text: str) -> Decimal | None:
    if not text:
        return None
    if not PRICE.match(text):
        raise DomainError(f"The price “{text[:30]}” is not an amount: write it like 1500.50 (a point or comma "
                          "before at most four decimals, no thousands separators).")
    return check_price(Decimal(text.replace(",", ".")))


def _stock(text: str) -> int | None:
    if not text:
        return None
    if not re.fullmatch(r"[+-]?\d{1,9}", text):
        raise DomainError(f"The stock “{text[:30]}” is not a whole number; leave it empty when the offer is "
                          "always available.")
    return check_stock(int(text))


def _day(text: str, name: str) -> date | None:
    if not text:
        return None
    try:
        if DAY.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise DomainError(f"The {name} “{text[:30]}” is not a date: write it as YYYY-MM-DD, e.g. 2025-03-01.")


def _values(cells: list[str], columns: dict[str, int]) -> dict:
    """A line's checked values (``reference``, ``sku``, ``key`` and the offer's columns), or a
    ``DomainError`` saying what is wrong with it."""
    if len(cells) > len(columns):
        raise DomainError(f"It has {len(cells)} cells but the first line names {len(columns)} columns (put a "
                          "cell that holds a comma or semicolon in quotes).")
    row = {name: cells[i] if i < len(cells) else "" for name, i in columns.items()}
    for name in COLUMNS:
        if is_formula(row[name]):
            raise DomainError(f"The {name} starts with =, +, -, @ or a tab, which a spreadsheet would run as a "
                              "formula; the line was skipped.")
    row = {name: value.strip() for name, value in row.items()}
    empty = [name for name in REQUIRED if not row[name]]
    if empty:
        raise DomainError(f"The {', '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty.")
    values = {"reference": check_reference(row["offer_reference"]), "sku": check_sku(row["sku"]),
              "key": check_key(row["service_point_key"], "service_point_key"), "price": _price(row["price"]),
              "currency": check_currency(row["currency"] or "EUR"), "stock": _stock(row["stock"]),
              "valid_from": _day(row["valid_from"], "valid_from"), "valid_until": _day(row["valid_until"], "valid_until")}
    check_validity(values["valid_from"], values["valid_until"])
    return values


def _reference_of(cells: list[str], columns: dict[str, int]) -> str:
    """The reference a refused line names, for the report (never a formula)."""
    index = columns["offer_reference"]
    cell = cells[index] if index < len(cells) else ""
    return "" if is_formula(cell) else normal_sku(cell)[:REFERENCE_MAX]


def _checked_lines(lines, columns, report: OfferImportReport) -> list[tuple[int, dict]]:
    """The lines whose cells are good, each reference once; the others are reported."""
    good, first_seen = [], {}
    for number, cells in lines:
        try:
            values = _values(cells, columns)
        except DomainError as error:
            report.lines.append(OfferLine(number, _reference_of(cells, columns), REFUSED, error.message))
            continue
        if values["reference"] in first_seen:
            report.lines.append(OfferLine(number, values["reference"], REFUSED, (
                f"{values['reference']} is on line {first_seen[values['reference']]} already; only that line is "
                "imported.")))
            continue
        first_seen[values["reference"]] = number
        good.append((number, values))
    return good


# --- what the database knows ------------------------------------------------------------------------

@dataclass
class _Known:
    products: dict[str, int]
    shipment_types: dict[int, list[int]]
    points: dict[str, int]
    services: dict[int, list[int]]
    offers: dict[str, dict]


def _known(rows) -> _Known:
    """The products, service points, their services and the offers the lines name: one statement each."""
    skus = sorted({values["sku"] for _, values in rows})
    products = dict(db.session.execute(select(Product.sku, Product.id).where(Product.sku.in_(skus))).all())
    shipment_types: dict[int, list[int]] = {}
    for product_id, type_id in db.session.execute(
            select(product_shipment_types.c.product_id, product_shipment_types.c.shipment_type_id)
            .where(product_shipment_types.c.product_id.in_(sorted(products.values())))):
        shipment_types.setdefault(product_id, []).append(type_id)
    keys = sorted({values["key"] for _, values in rows})
    points = dict(db.session.execute(select(ServicePoint.key, ServicePoint.id).where(ServicePoint.key.in_(keys))).all())
    services: dict[int, list[int]] = {}
    for point_id, service_id in db.session.execute(
            select(Service.service_point_id, Service.id)
            .where(Service.service_point_id.in_(sorted(points.values())), Service.active.is_(True))):
        services.setdefault(point_id, []).append(service_id)
    columns = [ProductOffer.id, ProductOffer.reference, ProductOffer.product_id, ProductOffer.service_point_id,
               *(getattr(ProductOffer, name) for name in WRITTEN)]
    references = sorted({values["reference"] for _, values in rows})
    offers = {r.reference: r._asdict() for r in db.session.execute(
        select(*columns).where(ProductOffer.reference.in_(references)))}
    return _Known(products, shipment_types, points, services, offers)


def _place(number: int, values: dict, known: _Known) -> tuple[str, str]:
    """Where a good line goes: (outcome, why it is refused); the outcome is ADDED, CHANGED or UNCHANGED."""
    product_id, point_id = known.products.get(values["sku"]), known.points.get(values["key"])
    if product_id is None:
        return REFUSED, f"There is no product with the SKU {values['sku']}."
    if point_id is None:
        return REFUSED, f"There is no service point with the key “{values['key']}”; add it under Service points first."
    current = known.offers.get(values["reference"])
    if current is not None:
        if (current["product_id"], current["service_point_id"]) != (product_id, point_id):
            return REFUSED, (f"The offer {values['reference']} is for another product or service point; a file does "
                             "not move an offer: give this line a reference of its own.")
        return (CHANGED, "") if any(current[name] != values[name] for name in WRITTEN) else (UNCHANGED, "")
    if not known.services.get(point_id):
        return REFUSED, f"The service point “{values['key']}” has no active service; add one under Service points."
    if not known.shipment_types.get(product_id):
        return REFUSED, f"{values['sku']} allows no shipment type; choose them under Products first."
    return ADDED, ""


def _write(added: list[dict], changed: list[dict], known: _Known) -> None:
    """One INSERT of the new offers, one SELECT of their ids, one INSERT each of their services and
    shipment types, one UPDATE of the changed offers."""
    if changed:
        db.session.execute(update(ProductOffer), changed)
    if not added:
        return
    db.session.execute(insert(ProductOffer), added)
    ids = dict(db.session.execute(select(ProductOffer.reference, ProductOffer.id).where(
        ProductOffer.reference.in_([row["reference"] for row in added]))).all())
    services, shipments = [], []
    for row in added:
        offer_id = ids[row["reference"]]
        services += [{"offer_id": offer_id, "service_id": s} for s in known.services[row["service_point_id"]]]
        shipments += [{"offer_id": offer_id, "shipment_type_id": t} for t in known.shipment_types[row["product_id"]]]
    db.session.execute(insert(offer_services), services)
    db.session.execute(insert(offer_shipment_types), shipments)


@operation(staff=StaffPerm.MANAGE_CATALOG)
def import_offers_csv(data: bytes, *, actor: Actor) -> OfferImportReport:
    """Import a CSV file of product offers (see the module docstring); the report tells what became of
    each line."""
    report = OfferImportReport()
    columns, lines = _lines(data)
    rows = _checked_lines(lines, columns, report)
    known = _known(rows) if rows else _Known({}, {}, {}, {}, {})
    added, changed = [], []
    for number, values in rows:
        outcome, why = _place(number, values, known)
        report.lines.append(OfferLine(number, values["reference"], outcome, why))
        written = {name: values[name] for name in WRITTEN}
        if outcome == ADDED:
            added.append(dict(written, reference=values["reference"], product_id=known.products[values["sku"]],
                              service_point_id=known.points[values["key"]], active=True))
        elif outcome == CHANGED:
            changed.append(dict(written, id=known.offers[values["reference"]]["id"]))
    _write(added, changed, known)
    report.lines.sort(key=lambda line: line.line)
    record(actor, "catalog.imported", file=report.label, created=report.count(ADDED), updated=report.count(CHANGED),
           unchanged=report.count(UNCHANGED), refused=report.count(REFUSED))
    db.session.flush()
    return report
