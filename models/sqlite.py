"""SQLite settings for the embedded default: real transactions, foreign keys, and no lock upgrades.

A transaction that starts by reading and later writes must upgrade its lock;
two such transactions deadlock and one fails at once with "database is locked".
So every transaction takes the write lock when it begins (``BEGIN IMMEDIATE``),
where it waits (busy timeout) for the writer before it; a unit of work that only
reads (a GET request) says so with ``reads_only()`` and begins normally. In WAL
mode readers and the one writer do not block each other.
"""
import contextvars

from sqlalchemy import event

BUSY_TIMEOUT_MS = 10_000
_takes_write_lock = contextvars.ContextVar("sqlite_takes_write_lock", default=True)


def reads_only() -> contextvars.Token:
    """Transactions begun from here on only read; pass the token to ``writes_again`` when done."""
    return _takes_write_lock.set(False)


def writes_again(token: contextvars.Token) -> None:
    _takes_write_lock.reset(token)


def configure_sqlite(engine) -> None:
    """Let SQLAlchemy, not pysqlite, manage BEGIN so savepoints work; enforce FKs; WAL for files."""
    if engine.dialect.name != "sqlite":
        return
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _takes_write_lock.get() else "BEGIN")
