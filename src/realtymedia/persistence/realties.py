"""Realties of the Realty Image dialect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, select

from realtymedia.persistence.models import Realty
from realtymedia.persistence.statements import SelectOne

if TYPE_CHECKING:
    from realtymedia.persistence.unit_of_work import UnitOfWork

# Built once: GET images runs it on every request (for its ETag), at the driver (statements.SelectOne).
_OWNER_AND_VERSION_COLUMNS = (Realty.user_id, Realty.version)
_OWNER_AND_VERSION = SelectOne(
    select(*_OWNER_AND_VERSION_COLUMNS).where(Realty.id == bindparam("realty_id")),  # type: ignore[arg-type]
    _OWNER_AND_VERSION_COLUMNS,  # type: ignore[arg-type]
)


class Realties:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def get(self, realty_id: str, *, lock: bool = False) -> Realty | None:
        """The realty; locked for the transaction when asked (all changes to its images go one at a time)."""
        if lock:
            return self._uow.session.scalar(select(Realty).where(Realty.id == realty_id).with_for_update())
        return self._uow.session.get(Realty, realty_id)

    def lock_several(self, realty_ids: Sequence[str]) -> dict[str, Realty]:
        """Lock several realties in one statement, in id order, so that two copies never deadlock."""
        rows = self._uow.session.scalars(
            select(Realty).where(Realty.id.in_(sorted(set(realty_ids)))).order_by(Realty.id).with_for_update()
        ).all()
        return {r.id: r for r in rows}

    def add(self, realty: Realty) -> None:
        session = self._uow.session
        session.add(realty)
        session.flush()

    def owner_and_version(self, realty_id: str) -> tuple[int, int] | None:
        row = self._uow.select_one(_OWNER_AND_VERSION, {"realty_id": realty_id})
        return (row[0], row[1]) if row else None

    def page(self, user_id: int, start: int, size: int) -> tuple[Sequence[Realty], int]:
        """One page of the user's realties, oldest first, and how many there are in all."""
        session = self._uow.session
        total = session.scalar(select(func.count()).select_from(Realty).where(Realty.user_id == user_id)) or 0
        rows = session.scalars(
            select(Realty)
            .where(Realty.user_id == user_id)
            .order_by(Realty.created_at, Realty.id)
            .offset(start)
            .limit(size)
        ).all()
        return rows, int(total)
