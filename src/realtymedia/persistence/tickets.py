"""Upload tickets: the signed forms handed out, and their single use."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, delete, select, update

from realtymedia.persistence.models import Ticket
from realtymedia.persistence.statements import Insert

if TYPE_CHECKING:
    from realtymedia.persistence.unit_of_work import UnitOfWork

_tickets = cast(Table, Ticket.__table__)
# Core statements, built once: the ORM's bulk UPDATE machinery cost an assign a tenth of its time.
_CONSUME = (
    update(_tickets)
    .where(_tickets.c.id.in_(bindparam("ids", expanding=True)), _tickets.c.consumed_at.is_(None))
    .values(consumed_at=bindparam("moment"))
    .returning(_tickets.c.id)
)
_ADD = Insert(_tickets)


class Tickets:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def get(self, ticket_id: str) -> Ticket | None:
        return self._uow.session.get(Ticket, ticket_id)

    def by_key(self, key: str) -> Ticket | None:
        return self._uow.session.scalar(select(Ticket).where(Ticket.key == key))

    def by_keys(self, keys: Sequence[str]) -> dict[str, Ticket]:
        """The tickets of these keys, in one query."""
        if not keys:
            return {}
        return {t.key: t for t in self._uow.session.scalars(select(Ticket).where(Ticket.key.in_(set(keys))))}

    def add(self, values: dict[str, Any]) -> None:
        """Record a new ticket (every column of Ticket), at once."""
        _ADD(self._uow.connection, [values])

    def consume(self, ticket_ids: Sequence[str], moment: datetime) -> set[str]:
        """Mark unused tickets used in one statement; the ids this marked (the others were used, or
        are gone). Ticket objects loaded before keep their old consumed_at: callers do not read it after."""
        return set(self._uow.execute(_CONSUME, {"ids": list(ticket_ids), "moment": moment}).scalars())

    def existing(self, ticket_ids: Sequence[str]) -> set[str]:
        return set(self._uow.execute(select(Ticket.id).where(Ticket.id.in_(ticket_ids))).scalars())

    def expired(self, before: datetime, limit: int = 500) -> list[tuple[str, str, str, str]]:
        """(id, key, owner kind, owner id) of tickets that expired before `before`, the oldest first."""
        rows = self._uow.execute(
            select(Ticket.id, Ticket.key, Ticket.owner_kind, Ticket.owner_id)
            .where(Ticket.expires_at < before)
            .order_by(Ticket.expires_at)
            .limit(limit)
        )
        return [(ticket_id, key, owner_kind, owner_id) for ticket_id, key, owner_kind, owner_id in rows]

    def remove(self, ticket_id: str) -> bool:
        """Delete the ticket's row; False when it was gone already."""
        result = self._uow.execute(delete(Ticket).where(Ticket.id == ticket_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]
