"""Inserts, and one read, that requests run on hot paths, prepared once per database dialect.

On PostgreSQL a Core statement. On SQLite straight to the driver: SQLAlchemy's execution and result
machinery cost more than SQLite's own work for a one-row INSERT (docs/benchmarks.md), and every
IS24 request (its nonce), every ticket and grant, and every Realty Image change (its Request-ID
record) runs one.
What reaches the driver is what SQLAlchemy would send: the statement compiled by its SQLite
dialect, each value through its column type's bind processing (timestamps stored as the same text,
naive ones refused), and the driver's errors raised as SQLAlchemy raises them (IntegrityError for a
duplicate key; callers tell a database failure from a refusal by SQLAlchemyError).
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import psycopg
from sqlalchemy import Column, Connection, Dialect, Engine, Select, Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql.dml import Insert as CoreInsert
from sqlalchemy.util import await_

_SQLITE = SQLiteDialect_pysqlite()
_POSTGRESQL = PGDialect_psycopg()  # type: ignore[no-untyped-call]


class _Prepared:
    """A statement over whole rows of `table`, as Core (PostgreSQL) and as SQL for the sqlite3 driver."""

    def __init__(self, table: Table, core: CoreInsert, for_sqlite: CoreInsert) -> None:
        self._statement = core
        compiled = for_sqlite.compile(dialect=_SQLITE, column_keys=[c.key for c in table.columns])
        self._sql = str(compiled)
        names = list(compiled.positiontup or ())
        processors: list[Callable[[Any], Any] | None] = [
            table.c[n].type.dialect_impl(_SQLITE).bind_processor(_SQLITE) for n in names
        ]
        self._params = list(zip(names, processors, strict=True))
        self._columns = frozenset(names)

    def _checked(self, row: Mapping[str, Any]) -> Mapping[str, Any]:
        """Every column, no other key: on both databases alike (Core would fill a missing column's
        default on one and the driver refuse it on the other)."""
        if row.keys() != self._columns:
            raise ValueError(f"a row needs exactly the columns {sorted(self._columns)}, not {sorted(row)}")
        return row

    def _values(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        try:
            return tuple(process(row[name]) if process is not None else row[name] for name, process in self._params)
        except (TypeError, ValueError) as error:  # a column type refused a value, as SQLAlchemy reports it
            raise StatementError(str(error), self._sql, dict(row), error) from error

    def _on_driver(self, run: Callable[[sqlite3.Connection], Any], connection: Connection, params: Any) -> Any:
        driver: sqlite3.Connection = connection.connection.driver_connection  # type: ignore[assignment]
        try:
            return run(driver)
        except sqlite3.Error as error:
            raise DBAPIError.instance(self._sql, params, error, sqlite3.Error) from error


class Insert(_Prepared):
    """A plain INSERT of whole rows (every column of `table` given)."""

    def __init__(self, table: Table) -> None:
        super().__init__(table, table.insert(), sqlite_insert(table))

    def __call__(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert `rows` in the connection's transaction, in one executemany."""
        if not rows:
            return
        rows = [self._checked(row) for row in rows]
        if connection.dialect.name != "sqlite":
            connection.execute(self._statement, [dict(row) for row in rows])
            return
        params = [self._values(row) for row in rows]
        self._on_driver(lambda driver: driver.executemany(self._sql, params), connection, params)


class InsertIfAbsent(_Prepared):
    """`INSERT ... ON CONFLICT DO NOTHING RETURNING` one row: True when it was inserted, False when a
    row with its key exists (also one a racing transaction committed first: exactly one wins)."""

    def __init__(self, table: Table) -> None:
        returning = next(iter(table.primary_key.columns))
        # RETURNING rather than the row count: psycopg reports none for INSERT ... ON CONFLICT.
        super().__init__(
            table,
            postgresql_insert(table).on_conflict_do_nothing().returning(returning),
            sqlite_insert(table).on_conflict_do_nothing().returning(returning),
        )

    def __call__(self, connection: Connection, row: Mapping[str, Any]) -> bool:
        row = self._checked(row)
        if connection.dialect.name != "sqlite":
            return connection.execute(self._statement, dict(row)).first() is not None
        params = self._values(row)
        return bool(self._on_driver(lambda driver: driver.execute(self._sql, params).fetchone(), connection, params))


class HeldConnection:
    """One sqlite3 connection kept open for the event loop's single statements (SelectOne): what a
    pool's checkout and checkin cost was most of such a read (docs/benchmarks.md).

    Opened by `connect` on first use, with the pool's own connection settings. Each statement is a
    read transaction of its own (autocommit, every row fetched so that the statement is reset): it
    sees every commit made before it, by any connection of any process, and holds no snapshot
    between requests (which would stop checkpoints). A lock keeps it to one thread at a time, in
    case two event loops share a database (servers in tests)."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def fetch(self, sql: str, values: tuple[Any, ...]) -> list[Any]:
        with self._lock:
            if self._connection is None:
                self._connection = self._connect()
            return self._connection.execute(sql, values).fetchall()

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class HeldAsyncConnections:
    """PostgreSQL: a few psycopg asyncio connections (autocommit) kept by the event loop for its
    single statements, as HeldConnection on SQLite. Checking a connection out of the loop's pool,
    with the pool's ping, made such a read two round trips and most of its request's cost
    (docs/benchmarks.md). A statement goes to the connection with the fewest under way (each runs
    its statements one after another, a round trip each), and sees every commit made before it.
    Made on first use, on the loop that uses them (closed by `close`, on that loop); a connection
    the server dropped is replaced once, as the pool's ping would have."""

    def __init__(self, conninfo: str, size: int) -> None:
        self._conninfo = conninfo
        self._size = size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: list[_Slot] = []

    async def fetch(self, sql: str, params: Mapping[str, Any]) -> list[Any]:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # another loop's connections cannot be used here, nor closed
            self._loop, self._slots = loop, [_Slot() for _ in range(self._size)]
        slot = min(self._slots, key=lambda s: s.under_way)
        slot.under_way += 1
        try:
            for attempt in (1, 2):
                connection = await slot.connected(self._conninfo)
                try:
                    cursor = await connection.execute(sql, params)
                    return await cursor.fetchall()
                except psycopg.OperationalError:
                    if attempt == 2 or not connection.broken:
                        raise
                    slot.connection = None
            raise AssertionError("unreachable")
        finally:
            slot.under_way -= 1

    async def close(self) -> None:
        slots, self._slots = self._slots, []
        if self._loop is asyncio.get_running_loop():
            for slot in slots:
                if slot.connection is not None:
                    await slot.connection.close()


class _Slot:
    def __init__(self) -> None:
        self.connection: psycopg.AsyncConnection[Any] | None = None
        self.under_way = 0
        self._connecting = asyncio.Lock()

    async def connected(self, conninfo: str) -> psycopg.AsyncConnection[Any]:
        if self.connection is not None and not self.connection.closed:
            return self.connection
        async with self._connecting:
            if self.connection is None or self.connection.closed:
                self.connection = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
            return self.connection


# Where a single statement outside any unit of work runs: an engine's pool, or a held connection.
Reads = Engine | HeldConnection | HeldAsyncConnections


class SelectOne:
    """A SELECT of at most one row, run on its own, outside any unit of work: for a read that needs
    nothing else of a transaction (one statement sees one consistent state on both databases).

    On SQLite straight to the driver, on the event loop's held connection or a pooled one: no
    Connection, transaction or Result objects, which cost two thirds of a unit of work's read
    (docs/renditions.md). Values come back through their column types' result processing, as
    SQLAlchemy's would (remembered per row read: parsing a timestamp costs more than the read). On
    PostgreSQL as Core."""

    def __init__(self, statement: Select[Any], columns: Sequence[Column[Any]]) -> None:
        self._statement = statement
        compiled = statement.compile(dialect=_SQLITE)
        self._sql = str(compiled)
        self._names = list(compiled.positiontup or ())
        self._processed = _processing(_SQLITE, columns)
        self._postgresql_sql = str(statement.compile(dialect=_POSTGRESQL))
        self._postgresql_processed = _processing(_POSTGRESQL, columns)

    def __call__(self, reads: Reads, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Run in the thread or greenlet of `reads` (HeldAsyncConnections: in Database.run's greenlet)."""
        if isinstance(reads, HeldConnection):
            return self._on_sqlite(reads.fetch, params)
        if isinstance(reads, HeldAsyncConnections):
            try:
                rows = await_(reads.fetch(self._postgresql_sql, params))
            except psycopg.Error as error:
                raise DBAPIError.instance(self._postgresql_sql, params, error, psycopg.Error) from error
            return self._one(rows, self._postgresql_processed)
        if reads.dialect.name != "sqlite":
            with reads.connect() as connection:
                return self._as_core(connection, params)

        def fetch(sql: str, values: tuple[Any, ...]) -> list[Any]:
            raw = reads.raw_connection()
            try:
                return _all_rows(raw.cursor(), sql, values)
            finally:
                raw.close()

        return self._on_sqlite(fetch, params)

    def in_transaction(self, connection: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The same read inside a unit of work's transaction (`connection` is its Core connection,
        with nothing of an ORM session pending): on SQLite through that connection's driver cursor,
        so in the same transaction; on PostgreSQL as Core."""
        if connection.dialect.name != "sqlite":
            return self._as_core(connection, params)
        driver: sqlite3.Connection = connection.connection.driver_connection  # type: ignore[assignment]
        return self._on_sqlite(lambda sql, values: _all_rows(driver.cursor(), sql, values), params)

    def _as_core(self, connection: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        found = connection.execute(self._statement, params).first()
        return None if found is None else tuple(found)

    def _on_sqlite(
        self, fetch: Callable[[str, tuple[Any, ...]], list[Any]], params: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        values = tuple(params[name] for name in self._names)
        try:
            rows = fetch(self._sql, values)
        except sqlite3.Error as error:
            raise DBAPIError.instance(self._sql, values, error, sqlite3.Error) from error
        return self._one(rows, self._processed)

    def _one(self, rows: list[Any], processed: Callable[[tuple[Any, ...]], tuple[Any, ...]]) -> tuple[Any, ...] | None:
        if not rows:
            return None
        if len(rows) > 1:
            raise ValueError(f"more than one row for {self._sql!r}")
        return processed(tuple(rows[0]))


def _all_rows(cursor: Any, sql: str, values: tuple[Any, ...]) -> list[Any]:
    """Every row of `sql` on a driver's cursor, which is closed after."""
    try:
        cursor.execute(sql, values)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _processing(dialect: Dialect, columns: Sequence[Column[Any]]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A row as the driver gives it, through its columns' result processing (remembered per row:
    parsing a timestamp costs more than reading it)."""
    results = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]

    @functools.lru_cache(maxsize=4096)
    def processed(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(v if process is None else process(v) for process, v in zip(results, row, strict=True))

    return processed
