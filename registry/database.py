"""Engines for the registry database: SQLite (embedded, the default) or PostgreSQL.

SQLite runs in WAL mode with ``synchronous=FULL``, so a committed transaction survives a crash
or power loss, and readers never block the single writer. pysqlite's own implicit ``BEGIN`` is
turned off and SQLAlchemy's transaction start emits it instead, so the log's writer can ask for
``BEGIN IMMEDIATE``: it takes the write lock before reading the head, which is what keeps two
writers from building on the same head.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection

__all__ = ["WRITE_LOCK", "is_sqlite", "make_engine", "scratch_schema"]

WRITE_LOCK = "skillcert_write_lock"
"""Execution option: start this connection's next transaction holding the database write lock
(SQLite ``BEGIN IMMEDIATE``; on PostgreSQL the head row is locked ``FOR UPDATE`` instead)."""
_BUSY_TIMEOUT_MS = 60_000


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=FULL",
        f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}",
        "PRAGMA foreign_keys=ON",
    ):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(WRITE_LOCK, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def placeholder(engine: Engine) -> str:
    """The driver's parameter marker: ``?`` for sqlite3, ``%s`` for psycopg."""
    return "?" if is_sqlite(engine) else "%s"


@contextmanager
def driver_cursor(engine: Engine) -> Iterator[Any]:
    """A driver cursor on a pooled connection, for one-statement reads with no transaction
    begun around them: through SQLAlchemy's ``Connection`` a one-row read costs several times
    as much (a ``BEGIN``, the statement's compilation and result objects, a rollback). The pool
    rolls the connection back when it is returned."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
    finally:
        connection.close()


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for ``url`` with the registry's durability settings applied."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": _BUSY_TIMEOUT_MS / 1000}, **options)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


@contextmanager
def scratch_schema(url: str, prefix: str) -> Iterator[str]:
    """A new, empty schema on the PostgreSQL server at ``url``, dropped with everything in it
    on exit; yields a URL whose connections use it. For tests and benchmarks that must not
    touch each other's tables."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield f"{url}?options=-csearch_path%3D{schema}"
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()
