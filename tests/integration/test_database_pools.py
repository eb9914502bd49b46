"""The reads that run on the event loop (Database.run, SQLite) have connections of their own:
worker threads holding every connection of the main pool must not make the loop wait."""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

import anyio
from sqlalchemy import text

from realtymedia.persistence.db import SQLiteDatabase, Transactions, upgrade


def test_small_reads_do_not_wait_for_the_main_pool(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    upgrade(url)
    database = SQLiteDatabase(url, pool_size=2, max_overflow=0)
    database.engine.pool._timeout = 5  # type: ignore[attr-defined]  # a wait would show as 5 s

    def read(transactions: Transactions) -> object:
        with transactions.unit_of_work(write=False) as uow:
            return uow.execute(text("SELECT 1")).scalar()

    try:
        with ExitStack() as held:
            for _ in range(2):  # every connection of the main pool, as busy worker threads hold them
                held.enter_context(database.unit_of_work(write=False)).execute(text("SELECT 1"))
            started = time.monotonic()
            assert anyio.run(lambda: database.run(read, writes=False)) == 1
            assert time.monotonic() - started < 1
    finally:
        database.dispose()
