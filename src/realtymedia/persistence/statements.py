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

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Engine, Select, Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql.dml import Insert as CoreInsert

_SQLITE = SQLiteDialect_pysqlite()


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


class SelectOne:
    """A SELECT of at most one row, run on its own, outside any unit of work: for a read that needs
    nothing else of a transaction (one statement sees one consistent state on both databases).

    On SQLite straight to the driver, on a pooled connection: no Connection, transaction or Result
    objects, which cost two thirds of a unit of work's read (docs/renditions.md). Values come back
    through their column types' result processing, as SQLAlchemy's would. On PostgreSQL as Core."""

    def __init__(self, statement: Select[Any], columns: Sequence[Column[Any]]) -> None:
        self._statement = statement
        compiled = statement.compile(dialect=_SQLITE)
        self._sql = str(compiled)
        self._names = list(compiled.positiontup or ())
        self._results = [c.type.dialect_impl(_SQLITE).result_processor(_SQLITE, None) for c in columns]

    def __call__(self, engine: Engine, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        if engine.dialect.name != "sqlite":
            with engine.connect() as connection:
                found = connection.execute(self._statement, params).first()
            return None if found is None else tuple(found)
        values = tuple(params[name] for name in self._names)
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(self._sql, values)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except sqlite3.Error as error:
            raise DBAPIError.instance(self._sql, values, error, sqlite3.Error) from error
        finally:
            raw.close()
        if row is None:
            return None
        return tuple(v if process is None else process(v) for process, v in zip(self._results, row, strict=True))
