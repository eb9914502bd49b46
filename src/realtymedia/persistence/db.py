"""Engines and transactions, for SQLite (the default) and PostgreSQL alike."""

from __future__ import annotations

import ast
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.util import greenlet_spawn

MIGRATIONS = Path(__file__).parent / "migrations"
T = TypeVar("T")
# Set while Database.run runs work on the event loop: its sessions then come from the loop's engine.
_ON_LOOP: ContextVar[bool] = ContextVar("realtymedia_db_on_loop", default=False)
# The session of Database.one_transaction, which read(), write() and connection() join while it is open.
_JOINED: ContextVar[Session | None] = ContextVar("realtymedia_db_joined", default=None)


def make_engine(url: str, pool_size: int = 5, max_overflow: int = 5, **kwargs: Any) -> Engine:
    """At most pool_size + max_overflow connections per engine (a Database on PostgreSQL has two): size the server's
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


_BEGIN = {"DEFERRED": "BEGIN DEFERRED", "IMMEDIATE": "BEGIN IMMEDIATE"}


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
        # Straight to the driver: exec_driver_sql's events and result handling cost more than
        # SQLite's BEGIN itself (about 40 us of every transaction's ~100 us of overhead).
        driver = connection.connection.driver_connection
        if mode == "IMMEDIATE" and _ON_LOOP.get():
            # On the event loop, never wait for another process's write lock: start over in a
            # worker thread instead (Database.run). Nothing was written yet: this is the BEGIN.
            driver.execute("PRAGMA busy_timeout=0")
            try:
                driver.execute(_BEGIN[mode])
            except sqlite3.OperationalError as error:
                if (error.sqlite_errorcode & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):  # extended too
                    raise _WriterBusy from error
                raise
            finally:
                driver.execute("PRAGMA busy_timeout=30000")
            return
        driver.execute(_BEGIN[mode])


class _WriterBusy(BaseException):
    """Another process holds SQLite's write lock: the work on the event loop starts over in a worker
    thread. A BaseException, so that no handler of the work (which answers every Exception as a
    refusal) takes it for the work's own failure."""


class Database:
    def __init__(self, url: str, pool_size: int = 5, max_overflow: int = 5) -> None:
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
        # The event loop's work (run, small_read, and on SQLite the small reads of connection())
        # has a pool of its own: it must never wait for a connection held by a worker thread. On
        # PostgreSQL that pool's connections are psycopg's asyncio ones, which SQLAlchemy drives
        # from sync code run in a greenlet (the sync engine of an AsyncEngine).
        self._async: AsyncEngine | None = None
        if self.is_sqlite:
            self._small = make_engine(url, 2, 8)
            loop_reads: Engine = self._small
            loop_writes: Engine = self._small.execution_options(sqlite_begin="IMMEDIATE")
        else:
            self._small = self.engine
            self._async = create_async_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True)
            loop_reads = loop_writes = self._async.sync_engine
        self._loop_reader = sessionmaker(loop_reads, expire_on_commit=False)
        self._loop_writer = sessionmaker(loop_writes, expire_on_commit=False)

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """Run `work` for an async endpoint: database work (reads, short write transactions) and CPU,
        no other blocking I/O, and no lock held across a database call.

        It runs on the event loop, with no hand-off to a worker thread: a hand-off costs more than
        a short transaction, and makes the threads contend for the GIL at every call into the
        driver. On PostgreSQL, in a greenlet whose database calls are psycopg's asyncio ones: the
        loop serves other requests while a statement is on its way. On SQLite (embedded, one writer
        at a time, a short transaction takes tens of microseconds), right here, holding the
        process's write lock throughout; when a worker thread is writing (a save, say), in a worker
        thread instead, and when another process holds SQLite's write lock, the work starts over
        in a worker thread (the loop never waits for it: its BEGIN IMMEDIATE does not wait).
        Work that runs here must not commit before a later transaction of its own: such a start
        over would repeat it.
        """
        if self._async is not None:
            token = _ON_LOOP.set(True)
            try:
                return await greenlet_spawn(work, *args)
            finally:
                _ON_LOOP.reset(token)
        if self._write_lock is not None and self._write_lock.acquire(blocking=False):
            token = _ON_LOOP.set(True)
            try:
                return work(*args)
            except _WriterBusy:
                pass  # another process is writing: wait for it in a worker thread, below
            finally:
                _ON_LOOP.reset(token)
                self._write_lock.release()
        return await anyio.to_thread.run_sync(work, *args)

    async def small_read(self, read: Callable[..., T], *args: Any) -> T:
        """Run a small read (one indexed lookup) for an async endpoint, on the event loop: on SQLite
        right here (WAL readers never wait for writers), on PostgreSQL as run() does."""
        if self._async is not None:
            return await self.run(read, *args)
        return read(*args)

    @contextmanager
    def one_transaction(self) -> Iterator[Session]:
        """A write transaction that every read(), write() and connection() inside it joins: the steps
        of one request (authentication's nonce, the change) commit together, one BEGIN/COMMIT for
        all. A failure anywhere inside rolls all of them back; the steps must not catch database
        errors and carry on (nothing of IS24's does)."""
        joined = _JOINED.get()
        if joined is not None:
            yield joined
            return
        with self.write() as session:
            token = _JOINED.set(session)
            try:
                yield session
            finally:
                _JOINED.reset(token)

    @contextmanager
    def read(self) -> Iterator[Session]:
        joined = _JOINED.get()
        if joined is not None:
            yield joined
            return
        with (self._loop_reader if _ON_LOOP.get() else self._reader)() as session:
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A Core connection for small reads on hot paths: no ORM session around it (GET images'
        version check costs about a quarter less this way, on SQLite)."""
        joined = _JOINED.get()
        if joined is not None:
            yield joined.connection()
            return
        engine = self._async.sync_engine if self._async is not None and _ON_LOOP.get() else self._small
        with engine.connect() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any error."""
        joined = _JOINED.get()
        if joined is not None:
            yield joined
            return
        writer = self._loop_writer if _ON_LOOP.get() else self._writer
        with self._write_lock or nullcontext(), writer() as session, session.begin():
            yield session

    def pools(self) -> dict[str, Engine]:
        """The engines whose pools hold this Database's connections: the worker threads' and the event loop's."""
        loop = self._async.sync_engine if self._async is not None else self._small
        return {"threads": self.engine, "loop": loop}

    def upgrade(self) -> None:
        upgrade(self.url)

    async def close_loop_pool(self) -> None:
        """Close the event loop's connections (PostgreSQL's asyncio ones), on the loop that made them."""
        if self._async is not None:
            await self._async.dispose()

    def dispose(self) -> None:
        self.engine.dispose()
        self._small.dispose()
        if self._async is not None:
            # The asyncio connections can only be closed on a running loop: the app's lifespan
            # does that (close_loop_pool). Here, off any loop, the pool is only dropped. One loop
            # at a time may use a Database's loop pool (one per worker process, as served).
            self._async.sync_engine.dispose(close=False)


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def schema_heads() -> set[str]:
    """The head revisions of the migrations in this code, read from the scripts' text.

    Asking alembic would import it, which costs a command more than the rest of its start; the
    scripts' `revision` and `down_revision` are plain literals, and a unit test holds this answer
    to alembic's own.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        values: dict[str, Any] = {}
        for node in ast.parse(script.read_text()).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                values[target.id] = ast.literal_eval(value)
        revisions.add(str(values["revision"]))
        down = values.get("down_revision")
        parents.update([down] if isinstance(down, str) else (down or ()))
    return revisions - parents


def database_revisions(url: str) -> set[str]:
    """The revisions the database's alembic_version records (none when it was never migrated).
    Changes nothing: a SQLite file that does not exist is not created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(str(parsed.database)).exists():
            return set()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return set()
            return {str(row[0]) for row in connection.execute(text("SELECT version_num FROM alembic_version"))}
    finally:
        engine.dispose()


def upgrade(url: str) -> None:
    """Apply pending migrations. Safe to run from several processes at once on PostgreSQL."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")
