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


def continue_sequences(tables) -> None:
    """On PostgreSQL, move the id sequence of each of ``tables`` (names) past the ids the profile gave, so
    the next ORM insert gets a free one."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM "
                                f"{table}))"))
