"""Realty images: grants, save, list, update, delete, copy. Plain values in and out, domain errors.

Every front door (the Realty Image dialect, the web page, the bulk-upload CLI) calls these.
Byte checks of uploads run before any transaction; each change then locks the realty row, so the
200-image limit and the order hold under concurrent requests.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from realtymedia.domain import codes
from realtymedia.domain import realty_images as rules
from realtymedia.domain.errors import FIELD, Conflict, Invalid, NotFound, Path, Violation, invalid
from realtymedia.domain.media import MediaInfo
from realtymedia.domain.ordering import check_full_list, move
from realtymedia.persistence.media import image_row
from realtymedia.persistence.models import Ticket
from realtymedia.persistence.pending_objects import PendingObjects
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services import media, realties, tickets
from realtymedia.services.core import Core, after_commit, now, on_event_loop
from realtymedia.services.realties import owned, touch
from realtymedia.services.results import RealtyImage
from realtymedia.services.tickets import REALTY, USER
from realtymedia.storage import StorageError, UploadForm, keys

KIND = "Image"
# What a copy keeps of each source image, besides its stored object (copied to a key of its own).
_KEPT = ("kind", "subtype", "title", "content_type", "size", "width", "height", "sha256", "placeholder")
X = TypeVar("X")
Y = TypeVar("Y")


def _settled(core: Core, work: Callable[[X], Y], items: list[X]) -> list[Future[Y]]:
    """`work` on every item in the process's storage threads (byte checks, object copies); returns
    once every call has finished, so that a caller cleaning up after a failure sees everything the
    other calls made."""
    futures = [core.storage_calls.submit(work, item) for item in items]
    wait(futures)
    return futures


@dataclass(frozen=True)
class Grant:
    key: str
    content_type: str
    expires_at: datetime
    form: UploadForm


@dataclass(frozen=True)
class Upload:
    """One uploaded file to save: its grant's key and an optional description."""

    key: str
    description: str | None = None


@dataclass(frozen=True)
class ImageChange:
    """One entry of a full-list update; `description` is applied only when `set_description`."""

    id: str
    description: str | None = None
    set_description: bool = False


@dataclass(frozen=True)
class ImagePatch:
    """One image's own change: its description when `set_description`, its place when `position` is given."""

    description: str | None = None
    set_description: bool = False
    position: int | None = None


def _image(
    core: Core,
    base_url: str,
    id: str,
    owner_id: str,
    key: str | None,
    title: str | None,
    position: int,
    published: bool,
    content_type: str | None,
    width: int | None,
    height: int | None,
    size: int | None,
    sha256: str | None,
    created_at: datetime,
    updated_at: datetime,
    placeholder: str | None,
) -> RealtyImage:
    """The image of a stored row: its columns (persistence.media.IMAGE_COLUMNS, in their order)
    follow `base_url`, so that a plain row is unpacked straight into them (a list of 200 is
    rendered from these; no mapping or attribute lookups per column)."""
    return RealtyImage(
        id=id,
        realty_id=owner_id,
        url=core.storage.file_url(key, base_url) if key else "",
        description=title,
        order=position,
        published=bool(published),
        content_type=content_type or "",
        width=width,
        height=height,
        size=size or 0,
        sha256=sha256 or "",
        created_at=created_at,
        updated_at=updated_at,
        placeholder=placeholder,
    )


def grant(core: Core, uow: UnitOfWork, user_id: int, content_type: str | None, base_url: str) -> Grant:
    """A short-lived signed form for one image; the realty is named only when the image is saved.

    Recorded in the caller's unit of work (with the Request-ID's record: services.idempotency)."""
    issued = tickets.issue(
        core,
        uow,
        user_id=user_id,
        owner_kind=USER,
        owner_id=str(user_id),
        content_type=content_type,
        allowed=rules.GRANT_CONTENT_TYPES,
        base_url=base_url,
        # The vendor's grants have no Content-Type field: the document's sample form sends none.
        form_names_type=False,
    )
    return Grant(issued.key, issued.content_type, issued.expires_at, issued.form)


def images(core: Core, user_id: int, realty_id: str, base_url: str) -> list[RealtyImage]:
    with core.unit_of_work(write=False) as uow:
        owned(uow, realty_id, user_id)
        return [_image(core, base_url, *row) for row in uow.media.image_rows(REALTY, realty_id)]


@on_event_loop(writes=False)
def images_version(core: Core, user_id: int, realty_id: str) -> int:
    """A number that moves with every change to the realty's images (NotFound: not the user's realty).

    Read it before `images`: an answer rendered from `images` can then be kept under this version,
    since it shows that version or a later one, never an earlier one.
    """
    with core.unit_of_work(write=False) as uow:
        return realties.version(uow, realty_id, user_id)


def _target(index: int) -> Path:
    return ("uploads", index, "key")


def _item_index(path: Path) -> int:
    """The index of the item a path names (("uploads", 3, "key") is 3), for a stable order of errors."""
    return path[1] if len(path) > 1 and isinstance(path[1], int) else -1


def _retarget(error: Invalid, field: Path) -> list[Violation]:
    return [Violation(field, v.value, v.code, v.message) for v in error.violations]


def _usable_ticket(core: Core, ticket: Ticket | None, user_id: int, key: str, field: Path) -> Ticket:
    """The grant behind `key`, if it is this user's and still usable; else Invalid naming the item."""
    try:
        return tickets.find_usable(
            core, ticket, user_id=user_id, owner_kind=USER, owner_id=str(user_id), resource="upload", ref=key
        )
    except NotFound:
        raise invalid(field, key, codes.INVALID_VALUE, f"{key} is not an upload granted to you") from None
    except Invalid as error:
        raise Invalid(_retarget(error, field)) from None


def _start(core: Core, ticket: Ticket, field: Path) -> tickets.Confirming | list[Violation]:
    try:
        return tickets.start_confirm(core, ticket, resource="upload", ref=ticket.key)
    except StorageError:
        # Answered per item, so that the other items' confirmed copies are discarded, not leaked.
        return [Violation(field, ticket.key, codes.UPLOAD_INCOMPLETE, f"{ticket.key} could not be read from storage")]
    except NotFound:
        return [Violation(field, ticket.key, codes.UPLOAD_INCOMPLETE, f"nothing has been uploaded to {ticket.key}")]
    except Invalid as error:
        return _retarget(error, field)


def _finish(started: tickets.Confirming | list[Violation], field: Path) -> MediaInfo | list[Violation]:
    if isinstance(started, list):
        return started
    try:
        return started.result()
    except Invalid as error:
        return _retarget(error, field)


def save(core: Core, user_id: int, realty_id: str, uploads: Sequence[Upload], base_url: str) -> list[RealtyImage]:
    """Add the uploaded files after the realty's images, in the given order: all of them or none."""
    if not 1 <= len(uploads) <= rules.MAX_IMAGES:
        raise invalid(
            ("uploads",),
            len(uploads),
            codes.LENGTH_EXCEEDED_OR_TOO_SMALL,
            f"{FIELD} must hold 1..{rules.MAX_IMAGES} items",
        )
    violations: list[Violation] = []
    first_use: dict[str, int] = {}
    for index, upload in enumerate(uploads):
        violations += rules.check_description(upload.description, ("uploads", index, "description"))
        if upload.key in first_use:
            violations.append(
                Violation(
                    _target(index),
                    upload.key,
                    codes.DUPLICATE,
                    f"{upload.key} is listed twice (also as item {first_use[upload.key]})",
                )
            )
        first_use.setdefault(upload.key, index)
    found: dict[int, Ticket] = {}
    with core.unit_of_work(write=False) as uow:
        owned(uow, realty_id, user_id)
        violations += rules.check_capacity(uow.media.count(REALTY, realty_id), len(uploads), ("uploads",))
        if violations:
            raise Invalid(violations)
        by_key = uow.tickets.by_keys([u.key for u in uploads if keys.is_grant_key(u.key)])
        for index, upload in enumerate(uploads):
            try:
                found[index] = _usable_ticket(core, by_key.get(upload.key), user_id, upload.key, _target(index))
            except Invalid as error:
                violations += error.violations

    # The slow part, outside any transaction: every object's presence, size and real bytes. The
    # usable ones are checked even when others are not, so one answer names every bad item.
    infos: dict[int, MediaInfo] = {}
    if found:
        # Copies in the storage threads; their byte checks queue in the checker processes meanwhile.
        settled = _settled(core, lambda i: _start(core, found[i], _target(i)), list(found))
        checked: dict[int, MediaInfo | list[Violation]] = {}
        failed: list[BaseException] = []
        for index, future in zip(found, settled, strict=True):
            try:  # every check is waited for, so that a failure's cleanup sees every copy made
                checked[index] = _finish(future.result(), _target(index))
            except Exception as error:
                failed.append(error)
        if failed:  # unexpected: keep nothing of the others either
            tickets.discard(core, [info for info in checked.values() if isinstance(info, MediaInfo)])
            raise failed[0]
        for index, result in sorted(checked.items()):
            if isinstance(result, list):
                violations += result
            else:
                infos[index] = result
    if violations:
        tickets.discard(core, infos.values())
        raise Invalid(sorted(violations, key=lambda v: _item_index(v.parts)))
    try:
        saved = _append(core, realty_id, user_id, uploads, found, infos, base_url)
    except BaseException:
        tickets.discard(core, infos.values())
        raise
    after_commit(
        lambda: tickets.release(core, found.values()),
        lambda: core.renditions.warm([image.id for image in saved]),
    )
    return saved


def _append(
    core: Core,
    realty_id: str,
    user_id: int,
    uploads: Sequence[Upload],
    found: dict[int, Ticket],
    infos: dict[int, MediaInfo],
    base_url: str,
) -> list[RealtyImage]:
    with core.unit_of_work() as uow:
        realty = owned(uow, realty_id, user_id, lock=True)
        existing = uow.media.count(REALTY, realty_id)
        refused = rules.check_capacity(existing, len(uploads), ("uploads",))
        if refused:
            raise Invalid(refused)
        # All tickets in one statement; one used by a concurrent request since we looked refuses
        # the whole save (the transaction rolls back: nothing is kept).
        tickets.consume_all(uow, {found[i].id: (_target(i), uploads[i].key) for i in range(len(uploads))})
        start = uow.media.next_position(REALTY, realty_id)
        moment = now()
        rows = [
            media.confirmed_row(
                owner_kind=REALTY,
                owner_id=realty_id,
                info=infos[index],
                kind=KIND,
                title=upload.description,
                media_id=str(uuid.uuid4()),
                position=start + index,
                moment=moment,
            )
            for index, upload in enumerate(uploads)
        ]
        uow.media.add(rows)
        touch(realty, moment)
        uow.commit()
        return [_image(core, base_url, *image_row(row)) for row in rows]


def update(core: Core, user_id: int, realty_id: str, changes: Sequence[ImageChange]) -> None:
    """Set descriptions and the order of the full list of the realty's images; a partial list changes nothing."""
    violations: list[Violation] = []
    for index, change in enumerate(changes):
        if change.set_description:
            violations += rules.check_description(change.description, ("images", index, "description"))
    with core.unit_of_work() as uow:
        realty = owned(uow, realty_id, user_id, lock=True)
        current = list(uow.media.of(REALTY, realty_id))
        violations += check_full_list([i.id for i in current], [c.id for c in changes])
        if violations:
            raise Invalid(violations)
        by_id = {item.id: item for item in current}
        moment = now()
        for position, change in enumerate(changes):
            item = by_id[change.id]
            if item.position != position or (change.set_description and item.title != change.description):
                item.position = position
                if change.set_description:
                    item.title = change.description
                item.updated_at = moment
        touch(realty, moment)
        uow.commit()


def patch(core: Core, user_id: int, realty_id: str, image_id: str, change: ImagePatch, base_url: str) -> RealtyImage:
    """Change one image on its own: whatever else the list holds now, the others keep their order."""
    if change.set_description:
        violations = rules.check_description(change.description, ("description",))
        if violations:
            raise Invalid(violations)
    with core.unit_of_work() as uow:
        realty = owned(uow, realty_id, user_id, lock=True)
        current = list(uow.media.of(REALTY, realty_id))
        item = next((i for i in current if i.id == image_id), None)
        if item is None:
            raise NotFound("realtyImage", image_id)
        moment = now()
        changed = False
        if change.set_description and item.title != change.description:
            item.title = change.description
            changed = True
        if change.position is not None:
            order = move([i.id for i in current], image_id, change.position)
            by_id = {i.id: i for i in current}
            for position, each in enumerate(order):
                if by_id[each].position != position:
                    by_id[each].position = position
                    by_id[each].updated_at = moment
                    changed = True
        if changed:
            item.updated_at = moment
            touch(realty, moment)
        patched = _image(core, base_url, *image_row(item))
        uow.commit()
        return patched


def delete(core: Core, user_id: int, realty_id: str, image_id: str) -> None:
    """Delete an unpublished image and its stored object; a published one stays (Conflict)."""
    with core.unit_of_work() as uow:
        realty = owned(uow, realty_id, user_id, lock=True)
        item = uow.media.item(REALTY, realty_id, image_id)
        if item is None:
            raise NotFound("realtyImage", image_id)
        if item.published:
            raise Conflict(f"Realty image [{image_id}] has been published and cannot be deleted.", "published")
        key = uow.media.remove(item)
        touch(realty)
        uow.commit()
    core.db.validity.forget([image_id])  # this worker's next rendition request reads: 404 at once
    after_commit(lambda: media.delete_objects(core, [key]), lambda: core.renditions.forget([image_id]))


def copy(core: Core, user_id: int, target_id: str, source_id: str) -> int:
    """Copy the source realty's images after the target's, as new unpublished images with their own objects.

    Returns how many were copied. Objects are copied server-side before the commit and removed
    again if the transaction fails, so no row ever points at a missing object.
    """
    # A snapshot of the source, then the object copies outside any transaction (storage is the slow
    # part, and no writer should wait on it), then the rows under both realties' locks.
    with core.unit_of_work(write=False) as uow:
        for realty_id in (target_id, source_id):
            owned(uow, realty_id, user_id)
        sources = [(s.key, {name: getattr(s, name) for name in _KEPT}) for s in uow.media.of(REALTY, source_id)]
        refused = rules.check_capacity(uow.media.count(REALTY, target_id), len(sources), ("source",))
        if refused:
            raise Invalid(refused)
    copied: list[str] = []
    plans = [(str(uuid.uuid4()), key, kept) for key, kept in sources]
    # Each stored object's copy, by the new image's id (an image without an object has none).
    targets = {new_id: keys.copy_key(target_id, new_id, kept["content_type"]) for new_id, key, kept in plans if key}
    # Recorded before any object is written, settled by the commit that names them: what a crash
    # in between leaves, cleanup finds by these records (never by listing the storage).
    with core.unit_of_work() as uow:
        PendingObjects(uow).add(list(targets.values()), now())
        uow.commit()
    try:

        def copy_one(plan: tuple[str, str | None, dict[str, Any]]) -> None:
            new_id, key, _ = plan
            if key:
                core.storage.copy(key, targets[new_id])
                copied.append(targets[new_id])

        for done in _settled(core, copy_one, plans):
            done.result()  # the first failure, once every copy has finished (all are then removed)
        with core.unit_of_work() as uow:
            locked = uow.realties.lock_several([target_id, source_id])
            for realty_id in (target_id, source_id):
                realty = locked.get(realty_id)
                if realty is None or realty.user_id != user_id:
                    raise NotFound("realty", realty_id)
            refused = rules.check_capacity(uow.media.count(REALTY, target_id), len(sources), ("source",))
            if refused:
                raise Invalid(refused)
            start = uow.media.next_position(REALTY, target_id)
            moment = now()
            touch(locked[target_id], moment)
            PendingObjects(uow).settle(list(targets.values()))
            uow.media.add(
                [
                    media.row(
                        media_id=new_id,
                        owner_kind=REALTY,
                        owner_id=target_id,
                        position=start + offset,
                        moment=moment,
                        key=targets.get(new_id),
                        **kept,
                    )
                    for offset, (new_id, _, kept) in enumerate(plans)
                ],
            )
            uow.commit()
    except BaseException:
        # Their pending records stay: cleanup settles them (and removes what this could not).
        media.delete_objects(core, copied)
        raise
    after_commit(lambda: core.renditions.warm(list(targets)))
    return len(sources)


__all__ = [
    "Grant",
    "ImageChange",
    "Upload",
    "copy",
    "delete",
    "grant",
    "images",
    "save",
    "update",
]
