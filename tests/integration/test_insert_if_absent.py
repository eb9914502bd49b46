"""Rows written by statements.InsertIfAbsent (straight to SQLite's driver on the hot paths: IS24
nonces, Realty Image Request-ID records) must read, compare and age out exactly as rows SQLAlchemy
writes (the same text in every column), on SQLite as on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError, StatementError

from realtymedia.persistence.accounts import _REMEMBER_NONCE
from realtymedia.persistence.db import Database, open_database, upgrade
from realtymedia.persistence.models import IdempotentResponse, Media, OAuthNonce
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services import media
from tests.support import migrated_database


@contextmanager
def _write(db: Database) -> Iterator[UnitOfWork]:
    with db.unit_of_work() as uow:
        yield uow
        uow.commit()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    db = migrated_database(request.param, request, tmp_path)
    with _write(db) as uow:
        uow.session.execute(OAuthNonce.__table__.delete().where(OAuthNonce.consumer_key == "row-test"))
    yield db
    db.dispose()


def _remember(db: Database, nonce: str, moment: datetime) -> bool:
    with _write(db) as uow:
        return uow.oauth.remember_nonce("row-test", nonce, 1_700_000_000, "tok", moment)


def _created(db: Database) -> dict[str, datetime]:
    with _write(db) as uow:
        rows = uow.session.execute(
            select(OAuthNonce.nonce, OAuthNonce.created_at).where(OAuthNonce.consumer_key == "row-test")
        )
        return {nonce: created for nonce, created in rows}


def test_a_nonce_is_recorded_once_and_reads_back_as_written(database: Database) -> None:
    whole = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)  # no microseconds: still the full text form
    elsewhere = datetime(2026, 3, 4, 7, 6, 7, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert _remember(database, "a", whole) is True
    assert _remember(database, "a", whole) is False  # the replay
    assert _remember(database, "b", elsewhere) is True
    assert _created(database) == {"a": whole, "b": elsewhere.astimezone(UTC)}


@pytest.mark.parametrize("microsecond", [0, 123456])
def test_the_stored_text_is_what_sqlalchemy_writes(database: Database, microsecond: int) -> None:
    moment = datetime(2026, 3, 4, 7, 6, 7, microsecond, tzinfo=timezone(timedelta(hours=2)))
    _remember(database, "driver", moment)
    with _write(database) as uow:
        uow.session.add(OAuthNonce(consumer_key="row-test", nonce="orm", timestamp=1, token="tok", created_at=moment))
    with _write(database) as uow:
        stored = dict(
            uow.session.execute(
                text("SELECT nonce, CAST(created_at AS TEXT) FROM oauth_nonces WHERE consumer_key = 'row-test'")
            ).all()
        )
    assert stored["driver"] == stored["orm"]


def test_cleanup_forgets_exactly_the_nonces_older_than_its_moment(database: Database) -> None:
    moment = datetime(2026, 3, 4, 5, 6, 7, 500000, tzinfo=UTC)
    _remember(database, "old", moment - timedelta(microseconds=1))
    _remember(database, "same", moment)
    _remember(database, "new", moment + timedelta(seconds=1))
    with _write(database) as uow:
        uow.oauth.forget_nonces_before(moment)
    assert set(_created(database)) == {"same", "new"}


def test_a_failed_insert_is_a_database_error_on_sqlite_too(tmp_path: Path) -> None:
    """IS24 rolls back and spends the nonce on its own when the error is a SQLAlchemyError; an
    error from the driver itself would pass for a refusal and commit without the nonce."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    upgrade(url)
    db = open_database(url)
    with _write(db) as uow:
        uow.session.execute(text("DROP TABLE oauth_nonces"))
    with pytest.raises(SQLAlchemyError), _write(db) as uow:
        uow.oauth.remember_nonce("row-test", "n", 1, "", datetime.now(UTC))
    db.dispose()


def test_rows_are_checked_alike_on_both_databases(database: Database) -> None:
    """A naive timestamp is refused as SQLAlchemy refuses it (a StatementError), and a row must name
    exactly the table's columns: Core would fill a missing one's default, the driver would not."""
    with pytest.raises(StatementError), _write(database) as uow:
        uow.oauth.remember_nonce("row-test", "naive", 1, "", datetime.now())
    row = {"consumer_key": "row-test", "nonce": "x", "timestamp": 1, "created_at": datetime.now(UTC)}
    with pytest.raises(ValueError, match="exactly the columns"), _write(database) as uow:
        _REMEMBER_NONCE(uow.connection, row)  # no token
    with pytest.raises(ValueError, match="exactly the columns"), _write(database) as uow:
        _REMEMBER_NONCE(uow.connection, {**row, "token": "", "extra": 1})
    assert _created(database) == {}


def test_a_request_id_record_is_stored_as_the_orm_stores_it(database: Database) -> None:
    moment = datetime(2026, 3, 4, 7, 6, 7, 5, tzinfo=timezone(timedelta(hours=2)))
    with _write(database) as uow:
        user_id = uow.session.execute(text("SELECT min(id) FROM users")).scalar()
        if user_id is None:
            user_id = uow.session.execute(
                text("INSERT INTO users (username, password_hash, created_at) VALUES ('iia', 'x', :m) RETURNING id"),
                {"m": moment},
            ).scalar_one()
    values = {"user_id": user_id, "fingerprint": "f", "status": 200, "body": b'{"a":1}', "created_at": moment}
    with _write(database) as uow:
        assert uow.requests.add({**values, "request_id": "iia-driver"}) is True
        assert uow.requests.add({**values, "request_id": "iia-driver"}) is False
        uow.session.add(IdempotentResponse(**values, request_id="iia-orm"))
    with _write(database) as uow:
        stored = {
            request_id: rest
            for request_id, *rest in uow.session.execute(
                text(
                    "SELECT request_id, CAST(user_id AS TEXT), fingerprint, CAST(status AS TEXT), body, "
                    "CAST(created_at AS TEXT) FROM idempotent_responses WHERE request_id LIKE 'iia-%'"
                )
            )
        }
        uow.session.execute(text("DELETE FROM idempotent_responses WHERE request_id LIKE 'iia-%'"))
    assert stored["iia-driver"] == stored["iia-orm"]


def test_media_rows_by_executemany_are_stored_as_the_orm_stores_them(database: Database) -> None:
    moment = datetime(2026, 3, 4, 7, 6, 7, 5, tzinfo=timezone(timedelta(hours=2)))
    row = media.row(
        media_id="", owner_kind="realty", owner_id="iia-owner", position=0, kind="Image", moment=moment,
        title="Küche", key=None, content_type="image/jpeg", size=4024, width=320, height=240, sha256="ab" * 32,
    )  # fmt: skip
    with _write(database) as uow:
        uow.media.add([{**row, "id": "iia-driver-1"}, {**row, "id": "iia-driver-2", "position": 1}])
        uow.session.add(Media(**{**row, "id": "iia-orm", "position": 2}))
    columns = ", ".join(f"CAST({c.name} AS TEXT)" for c in Media.__table__.columns if c.name not in ("id", "position"))
    with _write(database) as uow:
        stored = dict(
            (media_id, rest)
            for media_id, *rest in uow.session.execute(
                text(f"SELECT id, {columns} FROM media WHERE owner_id = 'iia-owner' ORDER BY position")  # noqa: S608 (model columns)
            )
        )
        uow.session.execute(text("DELETE FROM media WHERE owner_id = 'iia-owner'"))
    assert list(stored) == ["iia-driver-1", "iia-driver-2", "iia-orm"]
    assert stored["iia-driver-1"] == stored["iia-driver-2"] == stored["iia-orm"]
