"""Search boxes that find a part of a word ("contains") through an index, not by reading every row.

On PostgreSQL, ``lower(column) LIKE '%…%'`` reads a pg_trgm GIN index on ``lower(column)``. On SQLite, the
large searched tables have an FTS5 table with the trigram tokenizer beside them (``<table>_search``, kept in
step by triggers; see the migration that creates them): a phrase of three characters or more is looked up
there, a shorter one is compared row by row (it could not use a trigram index anyway).
"""
from __future__ import annotations

from sqlalchemy import column as sql_column
from sqlalchemy import func, literal_column, or_, select, table

from extensions import db

# The columns each table's FTS5 table indexes on SQLite (and its pg_trgm indexes on PostgreSQL).
INDEXED: dict[str, tuple[str, ...]] = {
    "products": ("sku", "name"),
    "company_users": ("email", "first_name", "last_name"),
    "companies": ("name", "vat_id"),
    "company_applications": ("company_name", "email", "last_name"),
    "files": ("name",),
}
TRIGRAM = 3  # the shortest phrase a trigram index can find


def is_search_table(name: str) -> bool:
    """Whether ``name`` is one of SQLite's FTS5 search tables or a shadow table FTS5 keeps beside one."""
    return any(name == f"{table}_search" or name.startswith(f"{table}_search_") for table in INDEXED)


def search_table_ddl(table: str, columns: tuple[str, ...]) -> list[str]:
    """SQLite: the statements that create ``<table>_search`` (external-content FTS5, trigram tokenizer) over
    ``columns``, the triggers that keep it in step, and fill it once (the migrations run them)."""
    fts, names = f"{table}_search", ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', content_rowid='id', "
            "tokenize='trigram')",
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END",
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END",
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')"]


def drop_search_table_ddl(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_search_{event}" for event in ("insert", "delete", "update")] + [
        f"DROP TABLE IF EXISTS {table}_search"]


def like_pattern(text: str) -> str:
    """A LIKE pattern that finds ``text`` anywhere, with the user's own wildcards escaped (use escape="\\")."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column, text: str):
    """Case-insensitive "column contains text" for a search box."""
    return contains_any((column,), text)


def contains_any(columns, text: str):
    """Case-insensitive "one of ``columns`` contains text"; the columns of one table, or expressions."""
    text = text.strip()
    names, source = _indexed(columns)
    if source is not None and len(text) >= TRIGRAM and db.session.get_bind().dialect.name == "sqlite":
        return source.c.id.in_(_fts_rowids(source.name, names, text))
    return or_(*(func.lower(c).like(like_pattern(text), escape="\\") for c in columns))


def _indexed(columns):
    """The columns' names and their table, if they are plain columns of one table with an FTS5 index."""
    found = [getattr(c, "expression", c) for c in columns]
    tables = {getattr(c, "table", None) for c in found}
    if len(tables) != 1:
        return (), None
    source = tables.pop()
    names = tuple(getattr(c, "name", None) for c in found)
    if source is None or not set(names) <= set(INDEXED.get(getattr(source, "name", None), ())):
        return (), None
    return names, source


def _fts_rowids(table_name: str, names: tuple[str, ...], text: str):
    """The ids of ``table_name``'s rows with ``text`` in one of ``names``, from its FTS5 trigram table."""
    fts = f"{table_name}_search"
    phrase = '"' + text.lower().replace('"', '""') + '"'
    query = "{" + " ".join(names) + "} : " + phrase
    return select(sql_column("rowid")).select_from(table(fts)).where(literal_column(fts).op("MATCH")(query))
