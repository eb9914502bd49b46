"""The event loop's single-statement reads (statements.SelectOne on the connection the loop holds,
the read of every rendition request): every commit made before a read is seen by it, whichever
connection or process made it, and nothing is held between reads."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest
from sqlalchemy import text

from realtymedia.persistence.db import LOOP_READERS, Database, Transactions, open_database, upgrade
from realtymedia.persistence.pictures import _BY_ID, _COLUMNS, StoredFile, file_by_id_alone
from realtymedia.persistence.statements import SelectOne
from realtymedia.services import media
from tests.support import migrated_database

MOMENT = datetime(2026, 3, 4, 7, 6, 7, 5, tzinfo=UTC)
# Another process (another worker, the CLI) deletes the row.
DELETE_ELSEWHERE = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.execute("DELETE FROM media WHERE id = 'sr-3'")
connection.commit()
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    db = migrated_database(request.param, request, tmp_path)
    yield db
    _delete(db, "sr-%")
    db.dispose()


def _add(db: Database, media_id: str) -> None:
    row = media.row(
        media_id=media_id, owner_kind="realty", owner_id="sr-owner", position=0, kind="Image", moment=MOMENT,
        title=None, key=f"sr/{media_id}", content_type="image/jpeg", size=4024, width=320, height=240,
        sha256="ab" * 32,
    )  # fmt: skip
    with db.unit_of_work() as uow:
        uow.media.add([row])
        uow.commit()


def _delete(db: Database, pattern: str) -> None:
    with db.unit_of_work() as uow:
        uow.execute(text("DELETE FROM media WHERE id LIKE :pattern"), {"pattern": pattern})
        uow.commit()


def _on_loop(db: Database, *media_ids: str) -> list[StoredFile | None]:
    """Reads on the loop, as a rendition request makes them (Database.run, read-only)."""

    async def main() -> list[StoredFile | None]:
        found = []
        for media_id in media_ids:
            found.append(await db.run(lambda t, m=media_id: file_by_id_alone(t, m), writes=False))  # type: ignore[misc]
        await db.close_loop_pool()
        return found

    return anyio.run(main)


def test_a_row_reads_back_as_written(database: Database) -> None:
    _add(database, "sr-1")
    (found,) = _on_loop(database, "sr-1")
    assert found == StoredFile("sr-1", "sr/sr-1", "image/jpeg", 4024, "ab" * 32, 320, 240, MOMENT)
    assert found is not None and found.created_at.tzinfo is not None


def test_a_delete_is_seen_by_the_next_read(database: Database) -> None:
    """The loop's connection stays open between the reads: the delete between them, on another
    connection, is seen by the second."""
    _add(database, "sr-2")

    async def main() -> tuple[StoredFile | None, StoredFile | None]:
        def read(transactions: Transactions) -> StoredFile | None:
            return file_by_id_alone(transactions, "sr-2")

        before = await database.run(read, writes=False)
        await anyio.to_thread.run_sync(_delete, database, "sr-2")
        after = await database.run(read, writes=False)
        await database.close_loop_pool()
        return before, after

    before, after = anyio.run(main)
    assert before is not None and before.id == "sr-2"
    assert after is None


def test_sqlite_a_delete_by_another_process_is_seen_and_no_snapshot_is_held(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = open_database(url)
    try:
        _add(db, "sr-3")

        async def main() -> tuple[StoredFile | None, tuple[int, int, int], StoredFile | None]:
            def read(transactions: Transactions) -> StoredFile | None:
                return file_by_id_alone(transactions, "sr-3")

            before = await db.run(read, writes=False)
            # A reader holding a snapshot would keep a checkpoint from reaching the WAL's end.
            other = sqlite3.connect(path, isolation_level=None)
            other.execute("PRAGMA busy_timeout=0")
            checkpoint = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            other.close()
            subprocess.run([sys.executable, "-c", DELETE_ELSEWHERE, str(path)], check=True, timeout=60)
            after = await db.run(read, writes=False)
            return before, checkpoint, after

        before, checkpoint, after = anyio.run(main)
        assert before is not None
        assert checkpoint[0] == 0, checkpoint  # not busy: nothing held the WAL
        assert after is None
    finally:
        db.dispose()


def test_postgresql_a_connection_the_server_dropped_is_replaced(postgres_url: str) -> None:
    url = "postgresql+psycopg://" + postgres_url.split("://", 1)[1]
    upgrade(url)
    db = open_database(url, pool_size=2, max_overflow=2)
    try:
        _add(db, "sr-4")

        async def main() -> tuple[StoredFile | None, StoredFile | None]:
            def read(transactions: Transactions) -> StoredFile | None:
                return file_by_id_alone(transactions, "sr-4")

            def backend(transactions: Transactions) -> int:
                with transactions.unit_of_work(write=False) as uow:
                    return int(uow.execute(text("SELECT pg_backend_pid()")).scalar_one())

            before = await db.run(read, writes=False)
            held = db._held  # type: ignore[attr-defined]
            pids = {(await held.fetch("SELECT pg_backend_pid()", {}))[0][0] for _ in range(LOOP_READERS)}
            assert await db.run(backend, writes=False) not in pids  # the held ones, not pooled ones
            with db.unit_of_work() as uow:
                for pid in pids:
                    uow.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            after = await db.run(read, writes=False)
            await db.close_loop_pool()
            return before, after

        before, after = anyio.run(main)
        assert before is not None and after is not None and after.id == "sr-4"
    finally:
        _delete(db, "sr-%")
        db.dispose()


def test_a_read_in_a_unit_of_work_sees_its_own_writes_as_sqlalchemy_reads_them(database: Database) -> None:
    """UnitOfWork.select_one (the lists' version reads): in the transaction, so an uncommitted
    write of the same unit of work is seen and a rolled-back one is not; values as Core gives them."""
    one = SelectOne(_BY_ID, _COLUMNS)  # type: ignore[arg-type]
    row = media.row(
        media_id="sr-uow", owner_kind="realty", owner_id="sr-owner", position=0, kind="Image", moment=MOMENT,
        title=None, key="sr/sr-uow", content_type="image/jpeg", size=4024, width=320, height=240,
        sha256="cd" * 32,
    )  # fmt: skip
    with database.unit_of_work() as uow:
        uow.media.add([row])
        found = uow.select_one(one, {"media_id": "sr-uow"})
        assert found == tuple(uow.execute(_BY_ID, {"media_id": "sr-uow"}).one())
        assert found is not None and found[-1] == MOMENT and found[-1].tzinfo is not None
        # not committed: rolled back at the block's end
    with database.unit_of_work(write=False) as uow:
        assert uow.select_one(one, {"media_id": "sr-uow"}) is None
