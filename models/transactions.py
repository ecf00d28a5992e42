"""How transactions begin and end on each database: reading ones and writing ones.

A unit of work that only reads (a GET request) says so with ``reads_only()``
and ends with ``end_reading(session)``; everything else writes.

SQLite (the embedded default): real transactions, foreign keys, and no lock
upgrades. A transaction that starts by reading and later writes must upgrade
its lock; two such transactions deadlock and one fails at once with "database is
locked". So every writing transaction takes the write lock when it begins
(``BEGIN IMMEDIATE``), where it waits (busy timeout) for the writer before it; a
reading one begins normally. In WAL mode readers and the one writer do not block
each other.

PostgreSQL: a reading transaction begins ``READ ONLY`` (the database refuses a
write in it) and ends with COMMIT, not ROLLBACK: psycopg drops the connection's
prepared statements on every rollback, and without them each request plans its
statements again. A statement run with the execution option ``prepared=True``
(the signed-in identity's join: 1.5 ms to plan, 0.2 ms to run) is prepared and
planned once per connection.
"""
import contextvars

from sqlalchemy import event

BUSY_TIMEOUT_MS = 10_000
NEVER_BY_COUNT = 2**62  # psycopg prepares a statement run this often; only ``prepared=True`` ones are
_takes_write_lock = contextvars.ContextVar("transactions_write", default=True)


def reads_only() -> contextvars.Token:
    """Transactions begun from here on only read; pass the token to ``writes_again`` when done."""
    return _takes_write_lock.set(False)


def writes_again(token: contextvars.Token) -> None:
    _takes_write_lock.reset(token)


def end_reading(session) -> None:
    """End a reading unit of work's transaction: commit where the database kept it read-only, else roll back.
    The session's objects stay loaded (nothing was written), so whatever runs after the answer reads them as
    they were without asking the database again."""
    if session.get_bind().dialect.name != "postgresql":
        session.rollback()
        return
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def configure_engine(engine) -> None:
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    elif engine.dialect.name == "postgresql":
        _configure_postgresql(engine)


def _configure_postgresql(engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        # No statement is prepared unless it asks (below): a generic plan fits a lookup by key, not a list
        # of one company's rows, whose sizes range from one to thousands.
        dbapi_connection.prepare_threshold = NEVER_BY_COUNT

    @event.listens_for(engine, "do_execute")
    def _prepare_when_asked(cursor, statement, parameters, context):
        if context.execution_options.get("prepared"):
            cursor.execute(statement, parameters, prepare=True)
            return True
        return None

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # psycopg sends BEGIN READ ONLY with the transaction's first statement: no round trip more.
        connection.connection.driver_connection.read_only = not _takes_write_lock.get()


def _configure_sqlite(engine) -> None:
    """Let SQLAlchemy, not pysqlite, manage BEGIN so savepoints work; enforce FKs; WAL for files."""
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
