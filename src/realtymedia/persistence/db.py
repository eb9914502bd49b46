"""Engines and transactions, for SQLite (the default) and PostgreSQL alike."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, pool_size: int = 10, max_overflow: int = 10, **kwargs: Any) -> Engine:
    """At most pool_size + max_overflow connections per process: on PostgreSQL, size the server's
    max_connections to workers x that (or put a pooler in front)."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=pool_size,
            max_overflow=max_overflow,
            **kwargs,
        )
        _make_sqlite_transactional(engine)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True, **kwargs)


def _make_sqlite_transactional(engine: Engine) -> None:
    """WAL for concurrent readers, and BEGIN IMMEDIATE for writers.

    pysqlite's own transaction handling starts transactions late and never with IMMEDIATE; a
    writer that reads first could then lose a race. Taking the write lock at BEGIN makes every
    read-check-write transaction atomic, as SELECT ... FOR UPDATE does on PostgreSQL.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    def __init__(self, url: str, pool_size: int = 10, max_overflow: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size, max_overflow)
        self.is_sqlite = url.startswith("sqlite")
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        writer_bind = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine
        self._writer = sessionmaker(writer_bind, expire_on_commit=False)
        # SQLite has one writer at a time, and a writer that finds the lock taken sleeps in SQLite's busy
        # handler, in steps of up to 100 ms. Queueing this process's writers on a lock of its own hands
        # the database over as soon as it is free; other processes still meet the busy handler.
        self._write_lock = threading.RLock() if self.is_sqlite else None
        # connection() has a pool of its own on SQLite: it serves the small reads that run on the
        # event loop (Core.small_read), which must never wait for a connection held by a worker
        # thread. Elsewhere it shares the main pool (those reads run in worker threads).
        self._small = make_engine(url, 2, 8) if self.is_sqlite else self.engine

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A Core connection for small reads on hot paths: no ORM session around it (GET images'
        version check costs about a quarter less this way, on SQLite)."""
        with self._small.connect() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any error."""
        with self._write_lock or nullcontext(), self._writer() as session, session.begin():
            yield session

    def upgrade(self) -> None:
        upgrade(self.url)

    def dispose(self) -> None:
        self.engine.dispose()
        self._small.dispose()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Apply pending migrations. Safe to run from several processes at once on PostgreSQL."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")
