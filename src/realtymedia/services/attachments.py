"""Attachments of real estate projects: upload tickets, assign, update, delete, order, read.

Plain values in, plain values and frozen results (services.results) out, domain errors for
everything refused. The rules live
in domain.attachments and domain.ordering; this module runs them at the right moment: cheap checks
first, the byte check of an uploaded file outside any transaction, and the contract constraints
again under the project's lock, so that they hold under concurrent requests.

`assign` and `delete` touch the storage: use cases of their own, with their own units of work.
The others are database work only, done in the unit of work of the caller (an IS24 signed
request records its nonce in the same transaction: services.signed_requests).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from realtymedia.domain import codes
from realtymedia.domain.attachments import (
    TICKET_CONTENT_TYPES,
    AttachmentInput,
    Kind,
    Product,
    Slot,
    check_contract,
    check_file_kind,
    check_input,
    check_order_ids,
    is_file,
    parse_kind,
)
from realtymedia.domain.attachments import slots as rules_slots
from realtymedia.domain.errors import AccessDenied, DomainError, Invalid, NotFound, Violation
from realtymedia.domain.media import MediaInfo
from realtymedia.domain.ordering import move_to_front
from realtymedia.persistence.models import Media, Ticket
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services import media, projects, tickets
from realtymedia.services.core import Core, after_commit, now
from realtymedia.services.results import Attachment, Project
from realtymedia.services.tickets import PROJECT

RESOURCE = "attachment"
# What an attachment id can look like; anything else names no attachment and never reaches a query
# (PostgreSQL refuses NUL bytes in strings with an error, not an empty answer).
_ID = re.compile(r"[0-9A-Za-z-]{1,64}")
# Our choices for the ticket's fixed fields: objects are private (the service hands out their URLs),
# and encrypted at rest by S3.
TICKET_FIELDS = {"acl": "private", "x-amz-server-side-encryption": "AES256"}


@dataclass(frozen=True)
class ProjectVersion:
    """Names one state of a project and its attachments: every change to either moves `version`
    and `updated_at` (_touch, in the changing transaction). `created_at` tells a project
    from an earlier one that had the same id."""

    id: int
    user_id: int
    version: int
    updated_at: datetime
    created_at: datetime


# -- projects -------------------------------------------------------------------------------


def projects_of(core: Core, uow: UnitOfWork, user_id: int, base_url: str) -> list[Project]:
    """The user's projects with their attachments; file URLs start at `base_url`."""
    return [projects.result(p, _attachments_of(core, uow, p.id, base_url)) for p in uow.projects.of_user(user_id)]


def project(core: Core, uow: UnitOfWork, user_id: int, project_id: int, base_url: str) -> Project:
    found = projects.owned(uow, project_id, user_id)
    return projects.result(found, _attachments_of(core, uow, found.id, base_url))


def project_version(uow: UnitOfWork, user_id: int, project_id: int) -> ProjectVersion:
    """The project's current version, refused as `project` refuses; one small query, no attachments."""
    row = uow.projects.version(project_id)
    found = ProjectVersion(*row) if row else None
    if found is None or found.user_id != user_id:
        raise _not_owned(project_id, exists=found is not None)
    return found


def _owned_product(uow: UnitOfWork, project_id: int, user_id: int) -> str:
    """The project's product, refused as projects.owned refuses, without loading the project."""
    row = uow.projects.owner(project_id)
    if row is None or row[0] != user_id:
        raise _not_owned(project_id, exists=row is not None)
    return row[1]


@dataclass(frozen=True)
class _Locked:
    """A project locked for a change in this transaction (as plain values: no Project to flush)."""

    id: int
    product: str
    version: int
    updated_at: datetime


def _lock(uow: UnitOfWork, project_id: int, user_id: int) -> _Locked:
    """The project, locked for the transaction, refused as projects.owned refuses."""
    row = uow.projects.lock(project_id)
    if row is None or row[0] != user_id:
        raise _not_owned(project_id, exists=row is not None)
    return _Locked(project_id, row[1], row[2], row[3])


def _touch(uow: UnitOfWork, locked: _Locked) -> None:
    """Mark the project changed, as one UPDATE: its version, ETag and Last-Modified move (to a
    later whole second, see projects.next_second)."""
    uow.projects.set_version(locked.id, (locked.version or 0) + 1, projects.next_second(locked.updated_at))


def _not_owned(project_id: int, *, exists: bool) -> DomainError:
    # The answers of projects.owned, for the reads that need no Project object.
    if not exists:
        return NotFound("realestateproject", project_id)
    return AccessDenied("You are not allowed to access this real estate project.")


def _attachments(uow: UnitOfWork, project_id: int) -> Sequence[Media]:
    return uow.media.of(PROJECT, str(project_id))


def _attachments_of(core: Core, uow: UnitOfWork, project_id: int, base_url: str) -> tuple[Attachment, ...]:
    return tuple(_attachment(core, item, base_url) for item in _attachments(uow, project_id))


def _attachment(core: Core, item: Media, base_url: str) -> Attachment:
    return Attachment(
        id=item.id,
        project_id=int(item.owner_id),
        kind=item.kind,
        subtype=item.subtype,
        title=item.title,
        url=item.url,
        file_url=media.file_url(core, item.key, base_url),
        sha256=item.sha256 or "",
        placeholder=item.placeholder,
    )


# -- tickets --------------------------------------------------------------------------------


def issue_ticket(
    core: Core, uow: UnitOfWork, user_id: int, project_id: int, content_type: str | None, base_url: str
) -> tickets.IssuedTicket:
    _owned_product(uow, project_id, user_id)
    return tickets.issue(
        core,
        uow,
        user_id=user_id,
        owner_kind=PROJECT,
        owner_id=str(project_id),
        content_type=content_type,
        allowed=TICKET_CONTENT_TYPES,
        base_url=base_url,
        extra_fields=dict(TICKET_FIELDS),
    )


# -- changes --------------------------------------------------------------------------------


def assign(core: Core, user_id: int, project_id: int, data: AttachmentInput) -> str:
    """Add a Picture or PDFDocument (an uploaded ticket's file) or a Link to the project's attachments;
    returns the new attachment's id."""
    violations = check_input(data, core.settings.virtual_tour_hosts, needs_id=False)
    if violations:
        raise Invalid(violations)
    kind = parse_kind(data.kind)
    assert kind is not None and data.subtype is not None  # check_input said so
    with core.unit_of_work(write=False) as uow:
        # Cheap refusals before the file is copied and decoded; checked again under the lock in _add.
        _check_contract(uow, project_id, _owned_product(uow, project_id, user_id), kind, data.subtype)
        ticket = None
        if is_file(kind):
            ticket = tickets.find_usable(
                core,
                uow.tickets.get(_known_form(data.id or "")),
                user_id=user_id,
                owner_kind=PROJECT,
                owner_id=str(project_id),
                resource=RESOURCE,
                ref=data.id or "",
            )
    info = None
    if ticket is not None:
        # Storage and decoding: slow, so outside any transaction; the lock below is held briefly.
        info = tickets.confirm(core, ticket, resource=RESOURCE, ref=ticket.id)
        mismatch = check_file_kind(kind, info.content_type)
        if mismatch:
            tickets.discard(core, [info])
            raise Invalid(mismatch)
    title = data.title if kind is Kind.PICTURE and data.subtype == "IMAGE" else None
    try:
        added = _add(core, user_id, project_id, kind, data, ticket, info, title)
    except BaseException:
        tickets.discard(core, [info] if info else [])
        raise
    after_commit(
        lambda: tickets.release(core, [ticket] if ticket else []),
        lambda: core.renditions.warm([added] if info is not None and kind is Kind.PICTURE else []),
    )
    return added


def _add(
    core: Core,
    user_id: int,
    project_id: int,
    kind: Kind,
    data: AttachmentInput,
    ticket: Ticket | None,
    info: MediaInfo | None,
    title: str | None,
) -> str:
    assert data.subtype is not None
    with core.unit_of_work() as uow:
        locked = _lock(uow, project_id, user_id)
        end = _check_contract(uow, project_id, locked.product, kind, data.subtype)
        if ticket is not None and info is not None:
            added = media.append_file(
                uow,
                owner_kind=PROJECT,
                owner_id=str(project_id),
                ticket=ticket,
                info=info,
                kind=kind.value,
                subtype=data.subtype,
                title=title,
                position=end,
            )
        else:
            added = str(uuid.uuid4())
            link = media.row(
                media_id=added,
                owner_kind=PROJECT,
                owner_id=str(project_id),
                position=end,
                kind=kind.value,
                moment=now(),
                subtype=data.subtype,
                url=data.url,
            )
            uow.media.add([link])
        _touch(uow, locked)
        uow.commit()
        return added


def update(core: Core, uow: UnitOfWork, user_id: int, project_id: int, data: AttachmentInput) -> str:
    """Replace the subtype, title (Pictures of type IMAGE) or URL (Links) of an attachment; returns its id."""
    violations = check_input(data, core.settings.virtual_tour_hosts, needs_id=True)
    if violations:
        raise Invalid(violations)
    kind = parse_kind(data.kind)
    assert kind is not None and data.subtype is not None and data.id is not None
    locked = _lock(uow, project_id, user_id)
    item = uow.media.item(PROJECT, str(project_id), _known_form(data.id))
    if item is None:
        raise NotFound(RESOURCE, data.id)
    if item.kind != kind.value:
        message = f"attachment {data.id} is a {item.kind}"
        raise Invalid([Violation(("kind",), kind.value, codes.INVALID_VALUE, message)])
    _check_contract(uow, project_id, locked.product, kind, data.subtype, ignore=item.id)
    item.subtype = data.subtype
    item.title = data.title if kind is Kind.PICTURE and data.subtype == "IMAGE" else None
    if kind is Kind.LINK:
        item.url = data.url
    item.updated_at = now()
    _touch(uow, locked)
    uow.flush()
    return item.id


def delete(core: Core, user_id: int, project_id: int, attachment_id: str) -> None:
    """Remove the attachment; its stored object goes once the row's removal is committed."""
    with core.unit_of_work() as uow:
        locked = _lock(uow, project_id, user_id)
        item = uow.media.item(PROJECT, str(project_id), _known_form(attachment_id))
        if item is None:
            raise NotFound(RESOURCE, attachment_id)
        key = uow.media.remove(item)
        _touch(uow, locked)
        uow.commit()
    core.db.validity.forget([item.id])  # this worker's next rendition request reads: 404 at once
    after_commit(lambda: media.delete_objects(core, [key]), lambda: core.renditions.forget([item.id]))


def order(uow: UnitOfWork, user_id: int, project_id: int, given: list[str] | None) -> list[str]:
    """IS24's order: the given files first, the other files after in their current order; links are
    ignored (and keep their places after the files). Returns the new order of the files."""
    violations = check_order_ids(given)
    if violations:
        raise Invalid(violations)
    locked = _lock(uow, project_id, user_id)
    items = list(_attachments(uow, project_id))
    files = {i.id: i for i in items if is_file(Kind(i.kind))}
    new_order = move_to_front(list(files), given or [])
    links = [i for i in items if i.id not in files]
    if [files[i] for i in new_order] + links != items:
        uow.media.renumber([files[i] for i in new_order] + links)
        _touch(uow, locked)
    return new_order


# -- reads ----------------------------------------------------------------------------------


def get(
    core: Core, uow: UnitOfWork, user_id: int, project_id: int, attachment_id: str, base_url: str
) -> tuple[Attachment, datetime]:
    """The attachment, and when its project last changed (what an answer showing it is as of)."""
    found = projects.owned(uow, project_id, user_id)
    item = uow.media.item(PROJECT, str(project_id), _known_form(attachment_id))
    if item is None:
        raise NotFound(RESOURCE, attachment_id)
    return _attachment(core, item, base_url), found.updated_at


def slots(core: Core, user_id: int, project_id: int) -> tuple[str, list[Slot]]:
    """The project's product and what its contract admits now, subtype by subtype (refused as `project` refuses)."""
    with core.unit_of_work(write=False) as uow:
        product = _owned_product(uow, project_id, user_id)
        existing, _ = uow.media.subtypes_and_end(PROJECT, str(project_id))
    return product, rules_slots(Product(product), existing)


def _known_form(attachment_id: str) -> str:
    """The id if it could be one of ours; else an id that matches nothing (so the caller answers NotFound)."""
    return attachment_id if _ID.fullmatch(attachment_id) else ""


def _check_contract(
    uow: UnitOfWork, project_id: int, product: str, kind: Kind, subtype: str, ignore: str | None = None
) -> int:
    """Refuse what the product's contract does not allow; else the position after the last attachment."""
    existing, end = uow.media.subtypes_and_end(PROJECT, str(project_id), exclude=ignore)
    violations = check_contract(Product(product), kind, subtype, existing)
    if violations:
        raise Invalid(violations)
    return end


__all__ = [
    "ProjectVersion",
    "assign",
    "delete",
    "get",
    "issue_ticket",
    "order",
    "project",
    "project_version",
    "projects_of",
    "slots",
    "update",
]
