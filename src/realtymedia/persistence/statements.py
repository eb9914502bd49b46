"""Statements every request of a dialect runs, prepared once per database dialect."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


class InsertIfAbsent:
    """`INSERT ... ON CONFLICT DO NOTHING RETURNING`: True when the row was inserted, False when a
    row with its key exists (also one a racing transaction committed first: exactly one wins).

    On PostgreSQL a Core statement. On SQLite straight to the driver: SQLAlchemy's execution and
    result machinery cost about 80 us around SQLite's 40, and every IS24 request (its nonce) and
    every Realty Image grant (its Request-ID record) runs one. What reaches the driver is what
    SQLAlchemy would send: the statement compiled by its SQLite dialect, each value through its
    column type's bind processing (so timestamps are stored as the same text, naive ones refused),
    and the driver's errors raised as SQLAlchemy raises them (callers tell a database failure from
    a refusal by SQLAlchemyError).
    """

    def __init__(self, table: Table) -> None:
        returning = next(iter(table.primary_key.columns))
        # RETURNING rather than the row count: psycopg reports none for INSERT ... ON CONFLICT.
        self._statement = postgresql_insert(table).on_conflict_do_nothing().returning(returning)
        dialect = SQLiteDialect_pysqlite()
        compiled = sqlite_insert(table).on_conflict_do_nothing().returning(returning).compile(dialect=dialect)
        self._sql = str(compiled)
        names = list(compiled.positiontup or ())
        processors: list[Callable[[Any], Any] | None] = [
            table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names
        ]
        self._sqlite_params = list(zip(names, processors, strict=True))

    def __call__(self, session: Session, values: Mapping[str, Any]) -> bool:
        connection = session.connection()
        if connection.dialect.name != "sqlite":
            return connection.execute(self._statement, dict(values)).first() is not None
        params = tuple(
            process(values[name]) if process is not None else values[name] for name, process in self._sqlite_params
        )
        driver: sqlite3.Connection = connection.connection.driver_connection  # type: ignore[assignment]
        try:
            return driver.execute(self._sql, params).fetchone() is not None
        except sqlite3.Error as error:
            raise DBAPIError.instance(self._sql, params, error, sqlite3.Error) from error
