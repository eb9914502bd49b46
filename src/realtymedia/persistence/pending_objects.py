"""Objects about to be written under keys no row names yet: what cleanup finds a crash's leftovers by."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, insert, select

from realtymedia.persistence.access import Transaction
from realtymedia.persistence.models import Media, PendingObject

_pending = cast(Table, PendingObject.__table__)
_media = cast(Table, Media.__table__)


class PendingObjects:
    def __init__(self, uow: Transaction) -> None:
        self._uow = uow

    def add(self, keys: list[str], moment: datetime) -> None:
        if keys:
            self._uow.execute(insert(_pending), [{"key": key, "created_at": moment} for key in keys])

    def settle(self, keys: list[str]) -> None:
        """The objects are named by rows now (or gone): no longer pending."""
        if keys:
            self._uow.execute(delete(_pending).where(_pending.c.key.in_(keys)))

    def older_than(self, moment: datetime, limit: int) -> list[str]:
        query = select(_pending.c.key).where(_pending.c.created_at < moment).order_by(_pending.c.created_at)
        return list(self._uow.execute(query.limit(limit)).scalars())

    def named(self, keys: list[str]) -> set[str]:
        """Those of `keys` that a media row names."""
        if not keys:
            return set()
        return set(self._uow.execute(select(_media.c.key).where(_media.c.key.in_(keys))).scalars())
