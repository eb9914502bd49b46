"""Queries of the Realty Image dialect: images of a realty, and the idempotency records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from realtymedia.persistence.models import IdempotentResponse, Media, Realty
from realtymedia.persistence.statements import InsertIfAbsent

# -- realties -------------------------------------------------------------------------------


def lock_realties(session: Session, realty_ids: Sequence[str]) -> dict[str, Realty]:
    """Lock several realties in one statement, in id order, so that two copies never deadlock."""
    rows = session.scalars(
        select(Realty).where(Realty.id.in_(sorted(set(realty_ids)))).order_by(Realty.id).with_for_update()
    ).all()
    return {r.id: r for r in rows}


# Built once: GET images runs it on every request, and building a statement costs more than running it.
_OWNER_AND_VERSION = select(Realty.user_id, Realty.version).where(Realty.id == bindparam("realty_id"))


def realty_owner_and_version(session: Session | Connection, realty_id: str) -> tuple[int, int] | None:
    row = session.execute(_OWNER_AND_VERSION, {"realty_id": realty_id}).first()
    return (row[0], row[1]) if row else None


IMAGE_COLUMNS = (
    Media.id,
    Media.owner_id,
    Media.key,
    Media.title,
    Media.position,
    Media.published,
    Media.content_type,
    Media.width,
    Media.height,
    Media.size,
    Media.sha256,
    Media.created_at,
    Media.updated_at,
    Media.placeholder,
)


def image_rows(session: Session, owner_kind: str, owner_id: str) -> Sequence[Any]:
    """The owner's media in order, as plain rows of IMAGE_COLUMNS (no ORM objects: lists are read often)."""
    owner = (Media.owner_kind == owner_kind, Media.owner_id == owner_id)
    return session.execute(select(*IMAGE_COLUMNS).where(*owner).order_by(Media.position)).all()


def realties_page(session: Session, user_id: int, start: int, size: int) -> tuple[Sequence[Realty], int]:
    """One page of the user's realties, oldest first, and how many there are in all."""
    total = session.scalar(select(func.count()).select_from(Realty).where(Realty.user_id == user_id)) or 0
    rows = session.scalars(
        select(Realty).where(Realty.user_id == user_id).order_by(Realty.created_at, Realty.id).offset(start).limit(size)
    ).all()
    return rows, int(total)


def image_counts(session: Session, owner_kind: str, owner_ids: Sequence[str]) -> dict[str, int]:
    """How many media each owner holds, in one query."""
    if not owner_ids:
        return {}
    rows = session.execute(
        select(Media.owner_id, func.count())
        .where(Media.owner_kind == owner_kind, Media.owner_id.in_(owner_ids))
        .group_by(Media.owner_id)
    ).all()
    counts = {str(owner): int(count) for owner, count in rows}
    return {owner: counts.get(owner, 0) for owner in owner_ids}


# -- idempotency ----------------------------------------------------------------------------


def add_idempotent(session: Session, record: IdempotentResponse) -> None:
    """Insert the record; the primary key (user, request id) makes a second insert fail."""
    session.add(record)
    session.flush()


_idempotent = cast(Table, IdempotentResponse.__table__)
_RECORD_IDEMPOTENT = InsertIfAbsent(_idempotent)


def record_idempotent(session: Session, values: dict[str, Any]) -> bool:
    """Insert a finished record; False (and nothing changed) when the Request-ID has one already.

    One statement: of two racing transactions, the second waits for the first (PostgreSQL's unique
    index, SQLite's write lock) and then inserts nothing."""
    return _RECORD_IDEMPOTENT(session, values)


def idempotent(session: Session, user_id: int, request_id: str) -> IdempotentResponse | None:
    return session.get(IdempotentResponse, (user_id, request_id))


def finish_idempotent(session: Session, user_id: int, request_id: str, status: int, body: str) -> None:
    session.execute(
        update(IdempotentResponse)
        .where(IdempotentResponse.user_id == user_id, IdempotentResponse.request_id == request_id)
        .values(status=status, body=body)
    )


def drop_idempotent(session: Session, user_id: int, request_id: str, created_at: datetime | None = None) -> None:
    """Remove the record (only the one created at `created_at`, when given)."""
    statement = delete(IdempotentResponse).where(
        IdempotentResponse.user_id == user_id, IdempotentResponse.request_id == request_id
    )
    if created_at is not None:
        statement = statement.where(IdempotentResponse.created_at == created_at)
    session.execute(statement)
