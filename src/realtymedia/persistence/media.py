"""Media rows of any owner: project attachments (owner kind "project") and realty images ("realty")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, func, select, update

from realtymedia.persistence.models import Media
from realtymedia.persistence.statements import Insert

if TYPE_CHECKING:
    from realtymedia.persistence.unit_of_work import UnitOfWork

_media = cast(Table, Media.__table__)
_ADD = Insert(_media)
# The columns of a realty image, as plain rows (lists are read often: no ORM objects). Their order
# is that of services.realty_images._image's parameters: rows are unpacked straight into it.
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
IMAGE_FIELDS = tuple(column.key for column in IMAGE_COLUMNS)
_IMAGE_ROWS = (
    select(*IMAGE_COLUMNS)
    .where(Media.owner_kind == bindparam("owner_kind"), Media.owner_id == bindparam("owner_id"))
    .order_by(Media.position)
)
# One row per distinct subtype (a handful, however many attachments), with its last position.
_OWNED = (_media.c.owner_kind == bindparam("owner_kind"), _media.c.owner_id == bindparam("owner_id"))
_CONTENTS = select(_media.c.subtype, func.max(_media.c.position)).where(*_OWNED).group_by(_media.c.subtype)
_CONTENTS_EXCEPT = (
    select(_media.c.subtype, func.max(_media.c.position))
    .where(*_OWNED, _media.c.id != bindparam("exclude"))
    .group_by(_media.c.subtype)
)
_COUNT = select(func.count()).select_from(_media).where(*_OWNED)
_NEXT = select(func.max(_media.c.position)).where(*_OWNED)


class MediaItems:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def of(self, owner_kind: str, owner_id: str) -> Sequence[Media]:
        """The owner's media in order, as ORM objects (for changes)."""
        return self._uow.session.scalars(
            select(Media).where(Media.owner_kind == owner_kind, Media.owner_id == owner_id).order_by(Media.position)
        ).all()

    def item(self, owner_kind: str, owner_id: str, media_id: str) -> Media | None:
        return self._uow.session.scalar(
            select(Media).where(Media.owner_kind == owner_kind, Media.owner_id == owner_id, Media.id == media_id)
        )

    def image_rows(self, owner_kind: str, owner_id: str) -> Sequence[Any]:
        """The owner's media in order, as plain rows of IMAGE_COLUMNS."""
        return self._uow.execute(_IMAGE_ROWS, {"owner_kind": owner_kind, "owner_id": owner_id}).all()

    def add(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert media rows (every column of Media) in one executemany: the ORM's unit of work
        was a large part of a save's time (docs/benchmarks.md)."""
        _ADD(self._uow.connection, rows)

    def count(self, owner_kind: str, owner_id: str) -> int:
        return int(self._uow.execute(_COUNT, {"owner_kind": owner_kind, "owner_id": owner_id}).scalar() or 0)

    def counts(self, owner_kind: str, owner_ids: Sequence[str]) -> dict[str, int]:
        """How many media each owner holds, in one query."""
        if not owner_ids:
            return {}
        rows = self._uow.execute(
            select(Media.owner_id, func.count())
            .where(Media.owner_kind == owner_kind, Media.owner_id.in_(owner_ids))
            .group_by(Media.owner_id)
        ).all()
        found = {str(owner): int(count) for owner, count in rows}
        return {owner: found.get(owner, 0) for owner in owner_ids}

    def next_position(self, owner_kind: str, owner_id: str) -> int:
        top = self._uow.execute(_NEXT, {"owner_kind": owner_kind, "owner_id": owner_id}).scalar()
        return 0 if top is None else int(top) + 1

    def subtypes_and_end(self, owner_kind: str, owner_id: str, exclude: str | None = None) -> tuple[list[str], int]:
        """The distinct subtypes the owner's media have now, and the position after the last of them
        (where a new one goes), in one query."""
        owner = {"owner_kind": owner_kind, "owner_id": owner_id}
        if exclude is None:
            rows = self._uow.execute(_CONTENTS, owner).all()
        else:
            rows = self._uow.execute(_CONTENTS_EXCEPT, {**owner, "exclude": exclude}).all()
        return [subtype for subtype, _ in rows if subtype], max((position for _, position in rows), default=-1) + 1

    def renumber(self, items: Sequence[Media]) -> None:
        """Positions 0..n-1 in the given order: no gaps, no duplicates."""
        for position, item in enumerate(items):
            if item.position != position:
                item.position = position

    def remove(self, item: Media) -> str | None:
        """Drop the row and close the gap in the order; returns the key whose object must go after commit."""
        key = item.key
        session = self._uow.session
        session.delete(item)
        session.flush()
        self.renumber(self.of(item.owner_kind, item.owner_id))
        return key

    def publish_all(self, owner_kind: str, owner_id: str, moment: datetime) -> None:
        self._uow.execute(
            update(Media)
            .where(Media.owner_kind == owner_kind, Media.owner_id == owner_id)
            .values(published=True, updated_at=moment)
        )

    def content_type_of_key(self, key: str) -> str | None:
        found: str | None = self._uow.execute(select(Media.content_type).where(Media.key == key)).scalar()
        return found


def image_row(item: Media | dict[str, Any]) -> tuple[Any, ...]:
    """An ORM row, or a row as uow.media.add takes it, in the shape of image_rows' rows."""
    if isinstance(item, dict):
        return tuple(item[name] for name in IMAGE_FIELDS)
    return tuple(getattr(item, name) for name in IMAGE_FIELDS)
