"""Queries of the read side: a stored picture by its id (renditions), a stored file by its key."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, select

from realtymedia.persistence.db import Database, Transactions
from realtymedia.persistence.models import Media
from realtymedia.persistence.statements import SelectOne


class StoredFile(NamedTuple):
    id: str
    key: str
    content_type: str
    size: int
    sha256: str
    width: int | None
    height: int | None
    created_at: datetime


# Built once: every rendition and file request runs one of them.
_COLUMNS = (Media.id, Media.key, Media.content_type, Media.size, Media.sha256, Media.width, Media.height,
            Media.created_at)  # fmt: skip
_BY_ID = select(*_COLUMNS).where(Media.id == bindparam("media_id"), Media.key.is_not(None))
_BY_KEY = select(*_COLUMNS).where(Media.key == bindparam("key"))
_ONE_BY_ID = SelectOne(_BY_ID, _COLUMNS)  # type: ignore[arg-type]


def _stored(row: Any) -> StoredFile | None:
    if row is None:
        return None
    ident, key, content_type, size, sha256, width, height, created_at = row
    return StoredFile(ident, key, content_type or "", size or 0, sha256 or "", width, height, created_at)


def file_by_id(connection: Connection, media_id: str) -> StoredFile | None:
    return _stored(connection.execute(_BY_ID, {"media_id": media_id}).first())


def file_by_key(connection: Connection, key: str) -> StoredFile | None:
    return _stored(connection.execute(_BY_KEY, {"key": key}).first())


def file_by_id_alone(transactions: Transactions, media_id: str) -> StoredFile | None:
    """file_by_id as a statement of its own, outside any unit of work (the read of every rendition
    request: what it costs is most of what such a request costs)."""
    return _stored(_ONE_BY_ID(transactions.reads(), {"media_id": media_id}))


def stored_picture(db: Database, transactions: Transactions, media_id: str) -> StoredFile | None:
    """file_by_id_alone through the database's Validity: on PostgreSQL from this worker's memory
    while its listener hears every change (persistence.validity), else read."""
    return db.validity.read(media_id, lambda: file_by_id_alone(transactions, media_id))
