"""What a bulk load leaves the database to do, done at once: id sequences moved on, statistics brought up to date."""
from __future__ import annotations

from sqlalchemy import text

from extensions import db


def settle_indexes() -> None:
    """What autovacuum would do minutes after a bulk load, done now: the planner learns the new sizes
    (PostgreSQL guessed 17 users where Acme has 2,974), and on PostgreSQL the GIN (trigram) indexes take in
    their pending lists, which every search scanned (24 ms instead of 0.4 at L)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT gin_clean_pending_list(i.indexrelid::regclass) FROM pg_index i "
                                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                                "WHERE a.amname = 'gin'"))
    db.session.execute(text("ANALYZE"))


def vacuum_after_commit() -> None:
    """On PostgreSQL, what autovacuum does some minutes after a bulk load, done at once: VACUUM marks the new
    rows visible to all in the visibility map, so index-only scans answer from the index. Until then every
    skipped row of a deep page is read from the table too (/inquiries?page=1408 at L: 20 ms to 4 ms), and the
    benchmark would time a database in its first minutes. Runs after the profile's rows are committed."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE)")


def continue_sequences(tables) -> None:
    """On PostgreSQL, move the id sequence of each of ``tables`` (names) past the ids the profile gave, so
    the next ORM insert gets a free one."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM "
                                f"{table}))"))
