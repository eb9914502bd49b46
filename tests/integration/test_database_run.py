"""Database.run: an async endpoint's database work runs on the event loop, without a worker thread.

On SQLite right on the loop (holding the process's write lock), or in a worker thread while a thread
of the process is writing; on PostgreSQL in a greenlet over psycopg's asyncio connections, so that
the loop serves others while a statement is on its way.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import anyio
import anyio.to_thread
import pytest
from sqlalchemy import text

from realtymedia.persistence.db import Database, ReadOnlyWork, SQLiteDatabase, Transactions, open_database, upgrade


def _sqlite(tmp_path: Path, **kwargs: int) -> SQLiteDatabase:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    upgrade(url)
    return SQLiteDatabase(url, **kwargs)


def _postgresql(postgres_url: str) -> Database:
    url = "postgresql+psycopg://" + postgres_url.split("://", 1)[1]
    upgrade(url)
    return open_database(url, pool_size=2, max_overflow=2)


def _count(transactions: Transactions) -> int:
    with transactions.unit_of_work(write=False) as uow:
        return int(uow.execute(text("SELECT count(*) FROM oauth_nonces WHERE consumer_key = 'run-test'")).scalar_one())


def _insert(transactions: Transactions, nonce: str) -> int:
    """A write transaction; returns the thread it ran on."""
    with transactions.unit_of_work() as uow:
        uow.execute(
            text(
                "INSERT INTO oauth_nonces (consumer_key, nonce, timestamp, token, created_at) "
                "VALUES ('run-test', :nonce, 1, '', CURRENT_TIMESTAMP)"
            ),
            {"nonce": nonce},
        )
        uow.commit()
    return threading.get_ident()


def test_sqlite_runs_on_the_loop_and_commits(tmp_path: Path) -> None:
    database = _sqlite(tmp_path)

    async def main() -> tuple[int, int]:
        return threading.get_ident(), await database.run(lambda t: _insert(t, "a"), writes=True)

    try:
        loop_thread, ran_on = anyio.run(main)
        assert ran_on == loop_thread
        assert _count(database) == 1
    finally:
        database.dispose()


def test_sqlite_goes_to_a_thread_while_a_thread_writes(tmp_path: Path) -> None:
    """The loop never waits for the write lock: held by a thread, the work runs in a thread, after it."""
    database = _sqlite(tmp_path)
    holding, release = threading.Event(), threading.Event()

    def long_writer() -> None:
        with database.unit_of_work():
            holding.set()
            release.wait(10)

    async def main() -> tuple[int, int]:
        async with anyio.create_task_group() as group:
            group.start_soon(anyio.to_thread.run_sync, long_writer)
            await anyio.to_thread.run_sync(holding.wait, 10)
            threading.Timer(0.2, release.set).start()
            ran_on = await database.run(lambda t: _insert(t, "b"), writes=True)
        return threading.get_ident(), ran_on

    try:
        loop_thread, ran_on = anyio.run(main)
        assert ran_on != loop_thread
        assert _count(database) == 1
    finally:
        database.dispose()


def test_sqlite_a_write_after_a_rolled_back_one_does_not_wait_on_the_loop(tmp_path: Path) -> None:
    """A run whose first write was rolled back (a refused step, then its refusal recorded) has
    committed nothing: when another process holds the write lock at its next write, the run starts
    over in a worker thread instead of waiting in SQLite's busy handler on the loop."""
    database = _sqlite(tmp_path)
    other = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None, check_same_thread=False)
    runs: list[int] = []

    def refused_then_recorded(transactions: Transactions) -> int:
        runs.append(threading.get_ident())
        with transactions.unit_of_work() as uow:  # the refused step: rolled back
            uow.execute(text("DELETE FROM oauth_nonces"))
        if len(runs) == 1:  # meanwhile another process starts writing, for 0.5 s
            other.execute("BEGIN IMMEDIATE")
            threading.Timer(0.5, other.rollback).start()
        return _insert(transactions, "refusal record")

    async def main() -> tuple[int, int]:
        return threading.get_ident(), await database.run(refused_then_recorded, writes=True)

    try:
        loop_thread, ran_on = anyio.run(main)
        assert runs[0] == loop_thread
        assert len(runs) == 2 and ran_on != loop_thread, "the second write waited on the loop"
        assert _count(database) == 1
    finally:
        other.close()
        database.dispose()


def test_sqlite_reads_stay_on_the_loop_while_a_thread_writes(tmp_path: Path) -> None:
    """Work declared read-only needs no write lock (WAL readers never wait for writers)."""
    database = _sqlite(tmp_path)
    holding, release = threading.Event(), threading.Event()

    def long_writer() -> None:
        with database.unit_of_work():
            holding.set()
            release.wait(10)

    def read(transactions: Transactions) -> int:
        _count(transactions)
        return threading.get_ident()

    async def main() -> tuple[int, int]:
        async with anyio.create_task_group() as group:
            group.start_soon(anyio.to_thread.run_sync, long_writer)
            await anyio.to_thread.run_sync(holding.wait, 10)
            try:
                ran_on = await database.run(read, writes=False)
            finally:
                release.set()
        return threading.get_ident(), ran_on

    try:
        loop_thread, ran_on = anyio.run(main)
        assert ran_on == loop_thread
    finally:
        database.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_read_only_work_cannot_write(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    database = _sqlite(tmp_path) if kind == "sqlite" else _postgresql(request.getfixturevalue("postgres_url"))

    async def main() -> None:
        try:
            with pytest.raises(ReadOnlyWork):
                await database.run(lambda t: _insert(t, "ro"), writes=False)
        finally:
            await database.close_loop_pool()

    try:
        anyio.run(main)
        assert _count(database) == 0
    finally:
        database.dispose()


def test_sqlite_loop_work_has_its_own_connections(tmp_path: Path) -> None:
    """Worker threads holding every connection of the main pool do not make the loop's work wait."""
    database = _sqlite(tmp_path, pool_size=2, max_overflow=0)
    database.engine.pool._timeout = 5  # type: ignore[attr-defined]  # a wait would show as 5 s

    async def main() -> float:
        started = time.monotonic()
        await database.run(_count, writes=False)
        await database.run(_count, writes=True)
        return time.monotonic() - started

    try:
        with ExitStack() as held:
            for _ in range(2):
                held.enter_context(database.unit_of_work(write=False)).execute(text("SELECT 1"))
            assert anyio.run(main) < 1
    finally:
        database.dispose()


def test_postgresql_runs_on_the_loop_without_blocking_it(postgres_url: str) -> None:
    """Two runs that each wait 0.5 s in the database overlap on one loop: the loop was free meanwhile."""
    database = _postgresql(postgres_url)

    def slow(transactions: Transactions, nonce: str) -> int:
        with transactions.unit_of_work() as uow:
            uow.execute(text("SELECT pg_sleep(0.5)"))
            uow.commit()
        return _insert(transactions, nonce)

    async def main() -> tuple[int, list[int], float]:
        ran_on: list[int] = []

        async def one(nonce: str) -> None:
            ran_on.append(await database.run(lambda t: slow(t, nonce), writes=True))

        started = time.monotonic()
        async with anyio.create_task_group() as group:
            group.start_soon(one, "c")
            group.start_soon(one, "d")
        elapsed = time.monotonic() - started
        await database.close_loop_pool()
        return threading.get_ident(), ran_on, elapsed

    try:
        loop_thread, ran_on, elapsed = anyio.run(main)
        assert ran_on == [loop_thread, loop_thread]
        assert elapsed < 0.9, f"the runs did not overlap: {elapsed:.2f} s"
        assert _count(database) == 2
    finally:
        database.dispose()


def test_postgresql_run_rolls_back_on_error(postgres_url: str) -> None:
    database = _postgresql(postgres_url)

    def failing(transactions: Transactions) -> None:
        _insert(transactions, "e")  # a unit of work of its own: committed
        with transactions.unit_of_work() as uow:
            uow.execute(text("SELECT 1/0"))

    def failing_in_one_unit_of_work(transactions: Transactions) -> None:
        with transactions.unit_of_work() as uow:
            uow.execute(
                text(
                    "INSERT INTO oauth_nonces (consumer_key, nonce, timestamp, token, created_at) "
                    "VALUES ('run-test', 'f', 1, '', CURRENT_TIMESTAMP)"
                )
            )
            uow.execute(text("SELECT 1/0"))  # rolled back with it: never committed
            uow.commit()

    async def main() -> None:
        try:
            for work in (failing, failing_in_one_unit_of_work):
                with pytest.raises(Exception, match="division by zero"):
                    await database.run(work, writes=True)
        finally:
            await database.close_loop_pool()

    try:
        before = _count(database)
        anyio.run(main)
        assert _count(database) == before + 1  # e, not f
    finally:
        database.dispose()


def test_sqlite_another_process_writing_never_blocks_the_loop(tmp_path: Path) -> None:
    """Another process holds the write lock for a second: the work starts over in a worker thread
    (its BEGIN on the loop does not wait) and the loop goes on meanwhile."""
    import sqlite3

    database = _sqlite(tmp_path)
    other = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")

    async def main() -> tuple[int, int, float]:
        gaps: list[float] = []

        async def heartbeat() -> None:
            last = time.monotonic()
            while True:
                await anyio.sleep(0.01)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        async with anyio.create_task_group() as group:
            group.start_soon(heartbeat)
            threading.Timer(1.0, other.rollback).start()
            ran_on = await database.run(lambda t: _insert(t, "g"), writes=True)
            group.cancel_scope.cancel()
        return threading.get_ident(), ran_on, max(gaps)

    try:
        loop_thread, ran_on, longest_gap = anyio.run(main)
        assert ran_on != loop_thread
        assert longest_gap < 0.5, f"the loop stopped for {longest_gap:.2f} s"
        assert _count(database) == 1
    finally:
        other.close()
        database.dispose()


def test_sqlite_a_busy_writer_starts_over_once_however_the_work_answered(tmp_path: Path) -> None:
    """The work catches the error of its busy writer and goes on to commit another unit of work: that
    one is refused too, and the work runs again in a thread, where each writes once (no repeat)."""
    import sqlite3

    from realtymedia.persistence.db import WriterBusy

    database = _sqlite(tmp_path)
    other = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    runs: list[int] = []

    def stubborn(transactions: Transactions) -> str:
        runs.append(threading.get_ident())
        try:
            _insert(transactions, f"h{len(runs)}")
        except WriterBusy:
            pass
        try:
            _insert(transactions, f"i{len(runs)}")
        except WriterBusy:
            return "refused"
        return "done"

    async def main() -> str:
        threading.Timer(0.3, other.rollback).start()
        return await database.run(stubborn, writes=True)

    try:
        assert anyio.run(main) == "done"
        assert len(runs) == 2 and runs[0] != runs[1]
        assert _count(database) == 2
    finally:
        other.close()
        database.dispose()
