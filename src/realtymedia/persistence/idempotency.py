"""Request-ID records: the first answer to a request, kept for its repeats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, delete, select, update

from realtymedia.persistence.models import IdempotentResponse
from realtymedia.persistence.statements import InsertIfAbsent

if TYPE_CHECKING:
    from realtymedia.persistence.unit_of_work import UnitOfWork

_records = cast(Table, IdempotentResponse.__table__)
_RECORD = InsertIfAbsent(_records)
_GET = select(_records.c.fingerprint, _records.c.status, _records.c.body, _records.c.created_at).where(
    _records.c.user_id == bindparam("user_id"), _records.c.request_id == bindparam("request_id")
)


@dataclass(frozen=True)
class RequestRecord:
    fingerprint: str
    status: int
    body: bytes
    created_at: datetime


class RequestRecords:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def get(self, user_id: int, request_id: str) -> RequestRecord | None:
        row = self._uow.execute(_GET, {"user_id": user_id, "request_id": request_id}).first()
        return RequestRecord(*row) if row else None

    def add(self, values: dict[str, Any]) -> bool:
        """Insert a record (every column); False, and nothing changed, when the Request-ID has one already.

        One statement: of two racing transactions, the second waits for the first (PostgreSQL's
        unique index, SQLite's write lock) and then inserts nothing."""
        return _RECORD(self._uow.connection, values)

    def finish(self, user_id: int, request_id: str, status: int, body: bytes) -> None:
        self._uow.execute(
            update(IdempotentResponse)
            .where(IdempotentResponse.user_id == user_id, IdempotentResponse.request_id == request_id)
            .values(status=status, body=body)
        )

    def drop(self, user_id: int, request_id: str, created_at: datetime | None = None) -> None:
        """Remove the record (only the one created at `created_at`, when given)."""
        statement = delete(IdempotentResponse).where(
            IdempotentResponse.user_id == user_id, IdempotentResponse.request_id == request_id
        )
        if created_at is not None:
            statement = statement.where(IdempotentResponse.created_at == created_at)
        self._uow.execute(statement)

    def forget_before(self, moment: datetime) -> None:
        self._uow.execute(delete(IdempotentResponse).where(IdempotentResponse.created_at < moment))
