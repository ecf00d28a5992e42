"""Catalog upkeep by staff: CSV imports, and the checks the back office's catalog forms save through.

``import_catalog_csv(kind, data, actor=...)`` reads one of three files:

- ``products``: ``sku,name,product_type_key[,description][,active]`` creates a product per new SKU and
  updates the name, type (and description, active where those columns are there) of a known one;
- ``product_types``: ``key,name`` (the ``product-abstract-type.csv`` of the product type import);
- ``type_assignments``: ``abstract_sku,product_abstract_type_key``
  (``product-abstract-product-abstract-type.csv``): gives known products a type.

The file is UTF-8 (a byte order mark is fine), its first line names the columns (any order), cells are
separated by ``,`` or ``;`` (whichever the header uses), one record per line. A file that breaks a
file-wide rule (not UTF-8, too large, too many lines, a header without the required columns) is refused
whole; a line that breaks a line rule (a missing field, a bad key, an unknown type or SKU, a duplicate
of an earlier line, a cell a spreadsheet would run as a formula) is reported with its number and the
good lines are imported. The keys and SKUs of the whole file are looked up in one statement each, and
the rows are written with one bulk INSERT and one bulk UPDATE.

``check_catalog_type``, ``check_price_list`` and ``set_price`` are the rules of the back office forms
for product and shipment types, price lists and prices.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import insert, select, update

from extensions import db
from models.actors import Actor
from models.audit import record
from models.base import DomainError
from models.catalog import Product, ProductType, ShipmentType, check_sku, normal_sku
from models.money import LIMIT, check_currency, plain
from models.operations import operation
from models.permissions import StaffPerm
from models.pricing import BASE_GROUP, Price, PriceList
from models.uploads import csv_cells, import_file_text, is_formula, semicolons_or_commas

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_FILE_LINES = 10_000
KEY_MAX = 40
KEY = re.compile(r"^[a-z][a-z0-9_-]*$")
NAME_MAX = {"product": 200, "type": 120}
DESCRIPTION_MAX = 5000
YES, NO = {"1", "yes", "y", "true", "active", "ja"}, {"0", "no", "n", "false", "inactive", "nein"}


@dataclass(frozen=True)
class ImportFile:
    """One kind of file: its columns (required, then optional) and the column unique in a file."""

    kind: str
    label: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def unique(self) -> str:
        return self.required[0]


IMPORTS = {spec.kind: spec for spec in (
    ImportFile("products", "Products", ("sku", "name", "product_type_key"), ("description", "active")),
    ImportFile("product_types", "Product types", ("key", "name")),
    ImportFile("type_assignments", "Product type assignments", ("abstract_sku", "product_abstract_type_key")),
)}


@dataclass(frozen=True)
class LineProblem:
    line: int
    message: str


@dataclass
class ImportReport:
    """What an import did: rows created, updated, already as in the file, and the lines refused."""

    label: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[LineProblem] = field(default_factory=list)

    def refuse(self, line: int, message: str) -> None:
        self.problems.append(LineProblem(line, message))


def check_key(text, field_name: str = "key") -> str:
    """A type key as stored: trimmed, lower case, a letter first, then letters, digits, ``_`` or ``-``."""
    key = str(text or "").strip().lower()
    if not key:
        raise DomainError("Give it a key.", field_name)
    if len(key) > KEY_MAX or not KEY.match(key):
        raise DomainError(f"“{key[:60]}” is not a key: use at most {KEY_MAX} lower-case letters, digits, "
                          "“_” or “-”, starting with a letter.", field_name)
    return key


# --- reading the file -------------------------------------------------------------------------------

def _decode(data: bytes) -> str:
    return import_file_text(data, MAX_FILE_BYTES)


def _columns(spec: ImportFile, header: list[str]) -> dict[str, int]:
    """Where each column is, from the header line; a header without the required columns refuses the file."""
    names = [cell.strip().lower() for cell in header]
    wanted = ", ".join(spec.required) + (f" (and optionally {', '.join(spec.optional)})" if spec.optional else "")
    unknown = [name for name in names if name not in spec.required + spec.optional]
    missing = [name for name in spec.required if name not in names]
    if unknown or missing or len(set(names)) != len(names):
        problem = "; ".join([f"it lacks {', '.join(missing)}"] * bool(missing) + [
            f"{', '.join(n[:40] or '(empty)' for n in unknown)} is not one of them"] * bool(unknown)) or (
            "a column is named twice")
        raise DomainError(f"The first line of a {spec.label.lower()} file names its columns: {wanted}; "
                          f"{problem}. Nothing was imported.")
    return {name: names.index(name) for name in names}


def _line_problem(cells: list[str], columns: dict[str, int], spec: ImportFile) -> str | None:
    if len(cells) > len(columns):
        return (f"It has {len(cells)} cells but the first line names {len(columns)} columns (put a cell that "
                "holds a comma or semicolon in quotes).")
    for name, index in columns.items():
        cell = cells[index] if index < len(cells) else ""
        if is_formula(cell):
            return (f"The {name} starts with =, +, -, @ or a tab, which a spreadsheet would run as a formula; "
                    "the line was skipped.")
    empty = [name for name in spec.required if not (cells[columns[name]] if columns[name] < len(cells) else "").strip()]
    return f"The {', '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty." if empty else None


def read_rows(spec: ImportFile, data: bytes, report: ImportReport) -> list[tuple[int, dict[str, str]]]:
    """The file's lines as ``(line number, {column: text})``; lines refused are reported, the file as a
    whole may be refused (``DomainError``)."""
    lines = [(n, text) for n, text in enumerate(_decode(data).splitlines(), start=1) if text.strip()]
    if not lines:
        raise DomainError("The file is empty. Nothing was imported.")
    header = lines[0][1]
    delimiter = semicolons_or_commas([header])
    columns = _columns(spec, csv_cells(header, delimiter, keep=1))
    if len(lines) - 1 > MAX_FILE_LINES:
        raise DomainError(f"A file holds at most {MAX_FILE_LINES:,} lines below its header; this one has "
                          f"{len(lines) - 1:,}. Split it into smaller files. Nothing was imported.")
    rows, first_seen = [], {}
    for number, text in lines[1:]:
        cells = csv_cells(text, delimiter, keep=1)
        problem = _line_problem(cells, columns, spec)
        if problem:
            report.refuse(number, problem)
            continue
        row = {name: (cells[i] if i < len(cells) else "").strip() for name, i in columns.items()}
        unique = row[spec.unique].upper() if "sku" in spec.unique else row[spec.unique].lower()
        if unique in first_seen:
            report.refuse(number, f"{unique[:64]} is on line {first_seen[unique]} already; only that line is "
                                  "imported.")
            continue
        first_seen[unique] = number
        rows.append((number, row))
    return rows


# --- the three imports ------------------------------------------------------------------------------

def _checked(report: ImportReport, number: int, check):
    """``check()``'s value, or None with the line reported when it refuses."""
    try:
        return check()
    except DomainError as error:
        report.refuse(number, error.message)
        return None


def _key_or_blank(text) -> str:
    try:
        return check_key(text)
    except DomainError:
        return ""


def _known_types(keys) -> dict[str, int]:
    keys = sorted(set(keys) - {""})
    if not keys:
        return {}
    return dict(db.session.execute(select(ProductType.key, ProductType.id).where(ProductType.key.in_(keys))).all())


def _type_id(report, number, key_text, types: dict[str, int]) -> int | None:
    key = _checked(report, number, lambda: check_key(key_text))
    if key is not None and key not in types:
        report.refuse(number, f"There is no product type “{key}”; import it under Product types first.")
    return types.get(key) if key else None


def _flag(text: str) -> bool | None:
    word = text.strip().lower()
    if word and word not in YES | NO:
        raise DomainError(f"The active cell says “{word[:20]}”; write yes or no (or leave it empty).")
    return (word in YES) if word else None


def _product_values(report, number, row, types) -> dict | None:
    """The columns a product line sets, checked; None when the line is refused (one problem a line)."""
    sku = _checked(report, number, lambda: check_sku(row["sku"]))
    if sku is None:
        return None
    for column, most in (("name", NAME_MAX["product"]), ("description", DESCRIPTION_MAX)):
        if len(row.get(column, "")) > most:
            report.refuse(number, f"The {column} has more than {most:,} characters.")
            return None
    active = _checked(report, number, lambda: (_flag(row.get("active", "")),))
    type_id = _type_id(report, number, row["product_type_key"], types) if active else None
    if type_id is None:
        return None
    values = {"sku": sku, "name": row["name"], "product_type_id": type_id, "active": active[0]}
    if "description" in row:
        values["description"] = row["description"]
    return values


def _write(model, report: ImportReport, new: list[dict], wanted: list[tuple[dict, dict]]) -> None:
    """One bulk INSERT of the new rows and one bulk UPDATE of the ``(current, wanted)`` rows that differ
    (each with every column the file sets, so that all rows share one statement)."""
    changes = [dict(values, id=current["id"]) for current, values in wanted
               if any(current.get(key) != value for key, value in values.items())]
    if new:
        db.session.execute(insert(model), new)
    if changes:
        db.session.execute(update(model), changes)
    report.created += len(new)
    report.updated += len(changes)
    report.unchanged += len(wanted) - len(changes)


def _import_products(rows, report: ImportReport) -> None:
    types = _known_types(_key_or_blank(row["product_type_key"]) for _, row in rows)
    skus = [normal_sku(row["sku"]) for _, row in rows]
    columns = (Product.id, Product.sku, Product.name, Product.product_type_id, Product.description, Product.active)
    existing = {r.sku: r._asdict() for r in db.session.execute(select(*columns).where(Product.sku.in_(skus)))}
    new, wanted = [], []
    for number, row in rows:
        values = _product_values(report, number, row, types)
        if values is None:
            continue
        current = existing.get(values["sku"])
        if values["active"] is None:  # no word in the file: a new product is active, a known one stays as it is
            values["active"] = current["active"] if current else True
        if current:
            wanted.append((current, values))
        else:
            new.append(values)
    _write(Product, report, new, wanted)


def _import_types(rows, report: ImportReport) -> None:
    keys = [_key_or_blank(row["key"]) for _, row in rows]
    existing = {r.key: r._asdict() for r in db.session.execute(
        select(ProductType.id, ProductType.key, ProductType.name).where(ProductType.key.in_(keys)))}
    new, wanted = [], []
    for number, row in rows:
        key = _checked(report, number, lambda: check_key(row["key"]))
        if key is None:
            continue
        if len(row["name"]) > NAME_MAX["type"]:
            report.refuse(number, f"The name has more than {NAME_MAX['type']} characters.")
        elif key in existing:
            wanted.append((existing[key], {"name": row["name"]}))
        else:
            new.append({"key": key, "name": row["name"]})
    _write(ProductType, report, new, wanted)


def _import_assignments(rows, report: ImportReport) -> None:
    types = _known_types(_key_or_blank(row["product_abstract_type_key"]) for _, row in rows)
    skus = [normal_sku(row["abstract_sku"]) for _, row in rows]
    existing = {r.sku: r._asdict() for r in db.session.execute(
        select(Product.id, Product.sku, Product.product_type_id).where(Product.sku.in_(skus)))}
    wanted = []
    for number, row in rows:
        sku = _checked(report, number, lambda: check_sku(row["abstract_sku"]))
        if sku is not None and sku not in existing:
            report.refuse(number, f"There is no product with the SKU {sku}.")
        elif sku is not None:
            type_id = _type_id(report, number, row["product_abstract_type_key"], types)
            if type_id is not None:
                wanted.append((existing[sku], {"product_type_id": type_id}))
    _write(Product, report, [], wanted)


IMPORTERS = {"products": _import_products, "product_types": _import_types,
             "type_assignments": _import_assignments}


@operation(staff=StaffPerm.MANAGE_CATALOG)
def import_catalog_csv(kind: str, data: bytes, *, actor: Actor) -> ImportReport:
    """Import one CSV file of ``kind`` (see the module docstring); the report lists every refused line."""
    spec = IMPORTS.get(kind)
    if spec is None:
        raise DomainError("Choose what the file holds: products, product types or product type assignments.",
                          "kind")
    report = ImportReport(spec.label)
    rows = read_rows(spec, data, report)
    IMPORTERS[kind](rows, report)
    report.problems.sort(key=lambda problem: problem.line)
    record(actor, "catalog.imported", file=spec.label, created=report.created, updated=report.updated,
           unchanged=report.unchanged, refused=len(report.problems))
    db.session.flush()
    return report


# --- the back office forms' rules -------------------------------------------------------------------

@operation(staff=StaffPerm.MANAGE_CATALOG)
def check_catalog_type(row: ProductType | ShipmentType, *, actor: Actor) -> None:
    """A product or shipment type: a key in the key format, unique among its kind, and a name."""
    noun = "product type" if isinstance(row, ProductType) else "shipment type"
    row.key = check_key(row.key)
    row.name = (row.name or "").strip()
    if not row.name or len(row.name) > NAME_MAX["type"]:
        raise DomainError(f"Give the {noun} a name of at most {NAME_MAX['type']} characters.", "name")
    model = type(row)
    with db.session.no_autoflush:
        clash = db.session.scalar(select(model.id).where(model.key == row.key, model.id != (row.id or 0)))
    if clash is not None:
        raise DomainError(f"Another {noun} has the key {row.key}.", "key")


@operation(staff=StaffPerm.MANAGE_CATALOG)
def check_price_list(price_list: PriceList, *, actor: Actor) -> None:
    """A price list: a name, a currency, and a customer group that has no other list in that currency."""
    price_list.name = (price_list.name or "").strip()
    if not price_list.name:
        raise DomainError("Give the price list a name.", "name")
    price_list.currency = check_currency(price_list.currency)
    price_list.customer_group = (price_list.customer_group or "").strip().lower() or BASE_GROUP
    with db.session.no_autoflush:
        clash = db.session.scalar(select(PriceList.name).where(
            PriceList.currency == price_list.currency, PriceList.customer_group == price_list.customer_group,
            PriceList.id != (price_list.id or 0)))
    if clash is not None:
        raise DomainError(f"The price list “{clash}” already holds the {price_list.currency} prices of the "
                          f"customer group {price_list.customer_group}.", "customer_group")


def _price_product(sku_text) -> Product:
    sku = normal_sku(sku_text)
    product = db.session.scalar(select(Product).where(Product.sku == sku)) if sku else None
    if product is None:
        raise DomainError(f"There is no product with the SKU “{sku[:64]}”." if sku else "Give the product's SKU.",
                          "sku")
    return product


def _check_tier(min_quantity, amount: Decimal | None) -> None:
    if not isinstance(min_quantity, int) or not 1 <= min_quantity <= 1_000_000:
        raise DomainError("The minimum quantity is a whole number from 1 to 1,000,000.", "min_quantity")
    if amount is None:
        raise DomainError("Give the price.", "amount")
    if not isinstance(amount, Decimal) or amount <= 0 or amount >= LIMIT:
        raise DomainError("A price is more than zero and below 10 billion.", "amount")


@operation(staff=StaffPerm.MANAGE_CATALOG)
def set_price(price: Price, *, price_list: PriceList | None, sku: str, min_quantity, amount: Decimal | None,
              actor: Actor) -> Price:
    """Save a volume tier: a product's net unit price in a list from a minimum quantity on, once per
    list, product and minimum quantity."""
    if price_list is None:
        raise DomainError("Choose the price list.", "price_list")
    product = _price_product(sku)
    _check_tier(min_quantity, amount)
    with db.session.no_autoflush:
        clash = db.session.scalar(select(Price.id).where(
            Price.price_list_id == price_list.id, Price.product_id == product.id,
            Price.min_quantity == min_quantity, Price.id != (price.id or 0)))
    if clash is not None:
        raise DomainError(f"{price_list} already has a price for {product.sku} from {min_quantity}; change "
                          "that one instead.", "min_quantity")
    before = plain(price.amount, price_list.currency) if price.id else None
    price.price_list, price.product, price.min_quantity, price.amount = price_list, product, min_quantity, amount
    db.session.add(price)
    record(actor, "price.saved", target=product, price_list=str(price_list), min_quantity=min_quantity,
           before=before, after=plain(amount, price_list.currency))
    db.session.flush()
    return price
