"""The database: one interface, implemented for SQLite (the default) and for PostgreSQL.

Both hand out units of work (persistence.unit_of_work) and run the work of an async endpoint
without blocking the event loop, each in the way that suits it (`Database.run`):

- PostgreSQL: on the loop, in a greenlet whose statements are psycopg's asyncio ones, so the loop
  serves other requests while a statement is on its way;
- SQLite (embedded, one writer at a time, a short transaction costs less than a hand-off to a
  thread): right on the loop, holding the process's write lock; in a worker thread instead when a
  thread of the process is writing, or when another process holds SQLite's write lock.
"""

from __future__ import annotations

import ast
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.util import greenlet_spawn

from realtymedia.persistence.locks import AdvisoryLocks, FileLocks, Locks
from realtymedia.persistence.statements import HeldAsyncConnections, HeldConnection, Reads
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.persistence.validity import Notified, ReadEveryTime, Validity

MIGRATIONS = Path(__file__).parent / "migrations"
T = TypeVar("T")


class Transactions(ABC):
    """What a use case needs of the database: units of work, in the thread (or greenlet) it runs in."""

    @abstractmethod
    def unit_of_work(self, *, write: bool = True) -> UnitOfWork:
        """A transaction; `write=False` promises it only reads (it never commits anything)."""

    @abstractmethod
    def reads(self) -> Reads:
        """Where a single statement outside any unit of work reads (statements.SelectOne)."""


# The work of an async endpoint: given the transactions it may use where it runs.
Work = Callable[[Transactions], T]


class Database(Transactions):
    url: str
    # Locks that die with their process (who is still at work on something: persistence.locks).
    locks: Locks
    # The read of a stored picture's row behind every rendition request (persistence.validity):
    # read each time on SQLite; on PostgreSQL kept per worker while notifications say what changed.
    validity: Validity

    @abstractmethod
    async def run(self, work: Work[T], *, writes: bool) -> T:
        """Run `work` for an async endpoint: database work and CPU only (no other blocking I/O, no
        lock held across a database call). `writes=False` promises it only reads: a unit of work
        for writing then refuses to open."""

    @abstractmethod
    def dispose(self) -> None: ...

    @abstractmethod
    def pools(self) -> dict[str, Engine]:
        """The engines whose pools hold this database's connections (for metrics), by name."""

    async def start_loop(self) -> None:
        """Start what this database runs on the worker's event loop (the app's lifespan): on
        PostgreSQL the listener that keeps `validity` right."""
        await self.validity.start()

    async def close_loop_pool(self) -> None:
        """Close the event loop's connections, on the loop that made them."""

    def upgrade(self) -> None:
        upgrade(self.url)


# A database error's text names the statement, never its values: they hold token secrets, CSRF
# tokens and password hashes, and errors are logged (and wrapped into other errors' messages).
HIDE_PARAMETERS = True


# PostgreSQL: connections the event loop keeps for its single-statement reads (HeldAsyncConnections).
LOOP_READERS = 4


def open_database(url: str, pool_size: int = 5, max_overflow: int = 5) -> Database:
    """At most pool_size + max_overflow connections per pool (PostgreSQL has two: worker threads and
    the event loop, and LOOP_READERS more held by the loop, and one listening: persistence.validity):
    size the server's max_connections to workers x that (or put a pooler in front; the listener
    needs a session-mode connection: a transaction-mode pooler drops LISTEN)."""
    if url.startswith("sqlite"):
        return SQLiteDatabase(url, pool_size, max_overflow)
    return PostgreSQLDatabase(url, pool_size, max_overflow)


def make_engine(url: str, pool_size: int = 5, max_overflow: int = 5) -> Engine:
    """An engine as the service uses it (for SQLite: WAL, BEGIN IMMEDIATE for writers, see below)."""
    if url.startswith("sqlite"):
        return make_sqlite_engine(url, pool_size, max_overflow)
    return create_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True, hide_parameters=HIDE_PARAMETERS
    )


def _released() -> None:
    pass


def _open(engine: Engine, release: Callable[[], None] = _released) -> UnitOfWork:
    try:
        connection = engine.connect()
        try:
            transaction = connection.begin()
        except BaseException:
            connection.close()
            raise
    except BaseException:
        release()
        raise
    return UnitOfWork(connection, transaction, release)


class ReadOnlyWork(RuntimeError):
    """Work declared read-only (Database.run with writes=False) opened a unit of work for writing."""


# -- PostgreSQL -----------------------------------------------------------------------------


class PostgreSQLDatabase(Database):
    def __init__(self, url: str, pool_size: int = 5, max_overflow: int = 5) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size, max_overflow)
        # The event loop's work has a pool of its own: psycopg's asyncio connections, which
        # SQLAlchemy drives from sync code run in a greenlet (the sync engine of an AsyncEngine).
        self._async = create_async_engine(
            url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True, hide_parameters=HIDE_PARAMETERS
        )
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._held = HeldAsyncConnections(conninfo, LOOP_READERS)
        self._loop = _EngineTransactions(self._async.sync_engine, self._held)
        self._loop_reads = _EngineTransactions(self._async.sync_engine, self._held, read_only=True)
        self.locks = AdvisoryLocks(url)
        self.validity = Notified(conninfo)

    def unit_of_work(self, *, write: bool = True) -> UnitOfWork:
        return _open(self.engine)

    def reads(self) -> Engine:
        return self.engine

    async def run(self, work: Work[T], *, writes: bool) -> T:
        return await greenlet_spawn(work, self._loop if writes else self._loop_reads)

    async def close_loop_pool(self) -> None:
        await self.validity.close()
        await self._held.close()
        await self._async.dispose()

    def pools(self) -> dict[str, Engine]:
        return {"threads": self.engine, "loop": self._async.sync_engine}

    def dispose(self) -> None:
        self.engine.dispose()
        self.locks.close()
        # The asyncio connections can only be closed on a running loop: the app's lifespan does
        # that (close_loop_pool). Here, off any loop, the pool is only dropped. One loop at a time
        # may use a Database's loop pool (one per worker process, as served).
        self._async.sync_engine.dispose(close=False)


class _EngineTransactions(Transactions):
    def __init__(self, engine: Engine, reads: Reads, *, read_only: bool = False) -> None:
        self._engine = engine
        self._reads = reads
        self._read_only = read_only

    def unit_of_work(self, *, write: bool = True) -> UnitOfWork:
        if write and self._read_only:
            raise ReadOnlyWork("work declared read-only opened a unit of work for writing")
        return _open(self._engine)

    def reads(self) -> Reads:
        return self._reads


# -- SQLite ---------------------------------------------------------------------------------


def make_sqlite_engine(url: str, pool_size: int = 5, max_overflow: int = 5) -> Engine:
    engine = create_engine(
        url,
        connect_args={"timeout": 30, "check_same_thread": False},
        pool_size=pool_size,
        max_overflow=max_overflow,
        hide_parameters=HIDE_PARAMETERS,
    )
    _make_sqlite_transactional(engine)
    return engine


class WriterBusy(Exception):
    """Another process holds SQLite's write lock, and this writer must not wait for it (it runs on
    the event loop): raised at BEGIN, before the transaction did anything."""


_BEGIN = {"DEFERRED": "BEGIN DEFERRED", "IMMEDIATE": "BEGIN IMMEDIATE"}
_BUSY_TIMEOUT_MS = 30000


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
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        options = connection.get_execution_options()
        mode = options.get("sqlite_begin", "DEFERRED")
        # Straight to the driver: exec_driver_sql's events and result handling cost more than
        # SQLite's BEGIN itself.
        driver = connection.connection.driver_connection
        if not options.get("sqlite_nowait"):
            driver.execute(_BEGIN[mode])
            return
        driver.execute("PRAGMA busy_timeout=0")
        try:
            driver.execute(_BEGIN[mode])
        except sqlite3.OperationalError as error:
            if (error.sqlite_errorcode & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):  # extended too
                raise WriterBusy from error
            raise
        finally:
            driver.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")


class SQLiteDatabase(Database):
    def __init__(self, url: str, pool_size: int = 5, max_overflow: int = 5) -> None:
        self.url = url
        self.engine = make_sqlite_engine(url, pool_size, max_overflow)
        self._writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        # SQLite has one writer at a time, and a writer that finds the lock taken sleeps in SQLite's
        # busy handler, in steps of up to 100 ms. Queueing this process's writers on a lock of its
        # own hands the database over as soon as it is free; other processes still meet the handler.
        self._write_lock = threading.RLock()
        # The event loop's work has connections of its own: it must never wait for a connection
        # held by a worker thread.
        self._loop_engine = make_sqlite_engine(url, 2, 8)
        self._held = HeldConnection(lambda: _detached(self._loop_engine))
        self._loop = _SQLiteLoop(self._loop_engine, self._held)
        # Record locks on a file beside the database: every process that opens it sees them.
        self.locks = FileLocks(f"{make_url(url).database or 'memory'}.locks")
        self.validity = ReadEveryTime()

    def unit_of_work(self, *, write: bool = True) -> UnitOfWork:
        if not write:
            return _open(self.engine)
        self._write_lock.acquire()
        return _open(self._writer, self._write_lock.release)

    def reads(self) -> Engine:
        return self.engine

    async def run(self, work: Work[T], *, writes: bool) -> T:
        if not writes:
            # WAL readers never wait for writers: right here, whatever else is going on.
            self._loop.start(read_only=True)
            return work(self._loop)
        if self._write_lock.acquire(blocking=False):
            try:
                self._loop.start(read_only=False)
                try:
                    result = work(self._loop)
                except Exception:
                    if not self._loop.busy:
                        raise
                else:
                    if not self._loop.busy:
                        return result
                # Another process is writing: the work starts over in a worker thread, which waits
                # for it. Safe: nothing of the work was committed (see _SQLiteLoop).
            finally:
                self._write_lock.release()
        return await anyio.to_thread.run_sync(work, self)

    def pools(self) -> dict[str, Engine]:
        return {"threads": self.engine, "loop": self._loop_engine}

    def dispose(self) -> None:
        self._held.close()
        self.engine.dispose()
        self._loop_engine.dispose()
        self.locks.close()


def _detached(engine: Engine) -> sqlite3.Connection:
    """A connection of the engine's, made as its pool makes them, that leaves the pool for good."""
    fairy = engine.raw_connection()
    connection: sqlite3.Connection = fairy.driver_connection  # type: ignore[assignment]
    fairy.detach()
    return connection


class _SQLiteLoop(Transactions):
    """Units of work for one run on the event loop (runs there are synchronous: one at a time).

    Until the run has committed a write, its units of work for writing do not wait for another
    process's write lock: they raise WriterBusy at BEGIN. Nothing of the run has been committed by
    then (what came before were reads, or writes rolled back: a refused step before its refusal is
    recorded), and every unit of work the run opens after it is refused too, so the run can be
    started over in a worker thread, however the work answered the error. Only a writer after a
    commit of the same run waits as any writer does (no use case on the loop commits twice).
    """

    def __init__(self, engine: Engine, held: HeldConnection) -> None:
        self._reads = engine
        self._held = held
        self._writes = engine.execution_options(sqlite_begin="IMMEDIATE")
        self._first_write = engine.execution_options(sqlite_begin="IMMEDIATE", sqlite_nowait=True)
        self.busy = False
        self._read_only = False
        self._written: list[UnitOfWork] = []

    def reads(self) -> Reads:
        return self._held  # the loop runs one work at a time: one connection serves its reads

    def start(self, *, read_only: bool) -> None:
        self.busy = False
        self._read_only = read_only
        self._written.clear()

    def unit_of_work(self, *, write: bool = True) -> UnitOfWork:
        if self.busy:
            raise WriterBusy("another process holds the write lock: this work starts over in a thread")
        if not write:
            return _open(self._reads)
        if self._read_only:
            raise ReadOnlyWork("work declared read-only opened a unit of work for writing")
        if any(uow.committed for uow in self._written):
            return _open(self._writes)
        try:
            opened = _open(self._first_write)
        except WriterBusy:
            self.busy = True
            raise
        self._written.append(opened)
        return opened


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
