"""Media of any owner (project attachments, realty images): the steps both dialects share.

Rules of the order and of each owner's limits live in the domain; this module only keeps the
stored rows and objects in step: rows change inside the caller's transaction (with the owner
locked), objects are removed only after the transaction that dropped their rows committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from realtymedia.domain.media import MediaInfo
from realtymedia.persistence.models import Ticket
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services import tickets
from realtymedia.services.core import Core, now


def append_file(
    uow: UnitOfWork,
    *,
    owner_kind: str,
    owner_id: str,
    ticket: Ticket,
    info: MediaInfo,
    kind: str,
    subtype: str | None = None,
    title: str | None = None,
    position: int | None = None,
) -> str:
    """Consume the ticket and add its confirmed file (kept at `info.key`) at the end of the owner's
    media, under the ticket's id; returns that id.

    Call with the owner locked, so that positions and limits hold under concurrency.
    """
    tickets.consume(uow, ticket.id, ticket.id)
    if position is None:
        position = uow.media.next_position(owner_kind, owner_id)
    row = confirmed_row(
        owner_kind=owner_kind,
        owner_id=owner_id,
        info=info,
        kind=kind,
        subtype=subtype,
        title=title,
        media_id=ticket.id,
        position=position,
    )
    uow.media.add([row])
    return ticket.id


def confirmed_row(
    *,
    owner_kind: str,
    owner_id: str,
    info: MediaInfo,
    kind: str,
    media_id: str,
    position: int,
    subtype: str | None = None,
    title: str | None = None,
    moment: datetime | None = None,
) -> dict[str, Any]:
    """The media row of a confirmed file, for uow.media.add."""
    if not info.key:
        raise ValueError("a media row needs the info of a confirmed file (tickets.confirm)")
    return row(
        media_id=media_id,
        owner_kind=owner_kind,
        owner_id=owner_id,
        position=position,
        kind=kind,
        moment=moment or now(),
        subtype=subtype,
        title=title,
        key=info.key,
        content_type=info.content_type,
        size=info.size,
        width=info.width,
        height=info.height,
        sha256=info.sha256,
        placeholder=info.placeholder,
    )


def row(
    *,
    media_id: str,
    owner_kind: str,
    owner_id: str,
    position: int,
    kind: str,
    moment: datetime,
    subtype: str | None = None,
    title: str | None = None,
    url: str | None = None,
    key: str | None = None,
    content_type: str | None = None,
    size: int | None = None,
    width: int | None = None,
    height: int | None = None,
    sha256: str | None = None,
    placeholder: str | None = None,
) -> dict[str, Any]:
    """A new, unpublished media row: every column of Media, for uow.media.add."""
    return {
        "id": media_id,
        "owner_kind": owner_kind,
        "owner_id": owner_id,
        "position": position,
        "kind": kind,
        "subtype": subtype,
        "title": title,
        "url": url,
        "key": key,
        "content_type": content_type,
        "size": size,
        "width": width,
        "height": height,
        "sha256": sha256,
        "placeholder": placeholder,
        "published": False,
        "created_at": moment,
        "updated_at": moment,
    }


def delete_objects(core: Core, keys: Iterable[str | None]) -> None:
    """After the commit: the rows are gone, so the objects can go. A failure here leaks, never loses."""
    tickets.remove_quietly(core, keys)


def file_url(core: Core, key: str | None, base_url: str) -> str | None:
    """Where clients read the stored object at `key` (None: a Link's row, which has none)."""
    return core.storage.file_url(key, base_url) if key else None
