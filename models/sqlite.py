"""SQLite settings for the embedded default: real transactions and foreign keys."""
from sqlalchemy import event


def configure_sqlite(engine) -> None:
    """Let SQLAlchemy, not pysqlite, manage BEGIN so savepoints work; enforce FKs."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")
