"""The ticket lifecycle: issue a signed upload form, confirm what arrived, consume once, clean up."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from realtymedia.domain import codes
from realtymedia.domain.errors import FIELD, Invalid, NotFound, Path, Violation, invalid
from realtymedia.domain.media import MediaInfo
from realtymedia.images.strip import StripFailed, strip
from realtymedia.operations import metrics
from realtymedia.persistence.models import Ticket
from realtymedia.persistence.pending_objects import PendingObjects
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services.core import Core, now
from realtymedia.services.results import Cleanup
from realtymedia.storage import StorageError, UploadForm, keys

log = logging.getLogger(__name__)

# Owner kinds. A realty image grant is issued to a user: the realty is named only when it is saved.
PROJECT, REALTY, USER = "project", "realty", keys.GRANT_OWNER


@dataclass(frozen=True)
class IssuedTicket:
    id: str
    key: str
    content_type: str
    expires_at: datetime
    form: UploadForm


def issue(
    core: Core,
    uow: UnitOfWork,
    *,
    user_id: int,
    owner_kind: str,
    owner_id: str,
    content_type: str | None,
    allowed: tuple[str, ...],
    base_url: str,
    extra_fields: dict[str, str] | None = None,
    form_names_type: bool = True,
) -> IssuedTicket:
    """A ticket for one file of `content_type` (one of `allowed`), stored under a server-chosen key,
    recorded in the caller's unit of work (it commits with the caller's change).

    The key is the layout's (storage.keys.upload_key).
    """
    if not content_type:
        raise invalid(("content_type",), None, codes.MANDATORY_FIELD_EMPTY, f"{FIELD} is required")
    if content_type not in allowed:
        message = f"{FIELD} must be one of {', '.join(allowed)}"
        raise invalid(("content_type",), content_type, codes.INVALID_VALUE, message)
    settings = core.settings
    ticket_id = str(uuid.uuid4())
    key = keys.upload_key(owner_kind, owner_id, ticket_id, content_type)
    moment = now()
    expires_at = moment + timedelta(seconds=settings.ticket_lifetime_seconds)
    # A form that names no type uploads whatever the client declares; the bytes are checked anyway.
    form = core.storage.presign_post(
        key,
        content_type if form_names_type else None,
        settings.max_upload_bytes,
        settings.ticket_lifetime_seconds,
        base_url,
        extra_fields or {},
    )
    row = {
        "id": ticket_id,
        "owner_kind": owner_kind,
        "owner_id": owner_id,
        "user_id": user_id,
        "key": key,
        "content_type": content_type,
        "max_size": settings.max_upload_bytes,
        "expires_at": expires_at,
        "created_at": moment,
        "consumed_at": None,
    }
    uow.tickets.add(row)
    metrics.TICKETS_ISSUED.labels(metrics.DIALECT_OF_OWNER.get(owner_kind, owner_kind)).inc()
    return IssuedTicket(ticket_id, key, content_type, expires_at, form)


def find_usable(
    core: Core, ticket: Ticket | None, *, user_id: int, owner_kind: str, owner_id: str, resource: str, ref: str
) -> Ticket:
    """The ticket a client refers to, if it is this user's, for this owner, not used, not long expired.

    Anything else is NotFound: a client must not learn of other users' tickets.
    """
    if ticket is None or ticket.user_id != user_id or ticket.owner_kind != owner_kind or ticket.owner_id != owner_id:
        raise NotFound(resource, ref)
    if ticket.consumed_at is not None:
        raise Invalid([Violation(("id",), ref, codes.TICKET_USED, f"upload {ref} has already been used")])
    if now() > ticket.expires_at + timedelta(seconds=core.settings.cleanup_grace_seconds):
        raise Invalid([Violation(("id",), ref, codes.TICKET_EXPIRED, f"upload ticket {ref} has expired")])
    return ticket


def confirm(core: Core, ticket: Ticket, *, resource: str, ref: str) -> MediaInfo:
    """Check the uploaded object: present, within the ticket's size, and truly of the declared type.

    The upload key stays writable with the ticket's form until the ticket expires, so the object is
    first copied (server-side) to a key of its own that no form can write, and that copy is what is
    checked and kept: bytes cannot change between the check and their use, or after. The returned
    info names the copy's key; whoever does not end up keeping it must `discard` it.

    Blocking (storage and decoding): call it outside the event loop and outside any transaction.
    """
    return start_confirm(core, ticket, resource=resource, ref=ref).result()


@dataclass(frozen=True)
class Confirming:
    """A confirmation whose copy is made and whose byte check is queued (`start_confirm`)."""

    core: Core
    dialect: str
    key: str
    check: Future[MediaInfo]

    def result(self) -> MediaInfo:
        """Wait for the byte check; on a refusal (or any failure) the copy is removed."""
        try:
            with _refusals_counted(self.dialect):
                info = self.check.result()
                if info.content_type.startswith("image/") and not self.core.settings.keep_metadata:
                    info = _without_metadata(self.core, self.key, info)
        except BaseException:
            remove_quietly(self.core, [self.key])
            raise
        metrics.UPLOADS_CONFIRMED.labels(self.dialect).inc()
        return replace(info, key=self.key)


def start_confirm(core: Core, ticket: Ticket, *, resource: str, ref: str) -> Confirming:
    """`confirm`'s storage steps, then its byte check handed to the checker processes: a thread that
    confirms many files (a save) does not wait for one file's check before starting the next."""
    dialect = metrics.DIALECT_OF_OWNER.get(ticket.owner_kind, ticket.owner_kind)
    with _refusals_counted(dialect):
        key = _copy(core, ticket, resource=resource, ref=ref)
        try:
            # Decoding is CPU and memory the file decides: bounded, and shared fairly by users.
            with core.storage.open(key) as stream:
                check = core.checks.submit(ticket.user_id, stream, ticket.content_type)
        except BaseException:
            remove_quietly(core, [key])
            raise
    return Confirming(core, dialect, key, check)


@contextmanager
def _refusals_counted(dialect: str) -> Iterator[None]:
    try:
        yield
    except NotFound:
        metrics.UPLOADS_REFUSED.labels(dialect, "missing").inc()
        raise
    except Invalid as refusal:
        metrics.UPLOADS_REFUSED.labels(dialect, refusal.violations[0].code if refusal.violations else "invalid").inc()
        raise
    except StorageError:
        metrics.UPLOADS_REFUSED.labels(dialect, "storage_unavailable").inc()
        raise


def _copy(core: Core, ticket: Ticket, *, resource: str, ref: str) -> str:
    """The uploaded object, present and within the ticket's size, copied to a key of its own."""
    head = core.storage.head(ticket.key)
    if head is None:
        raise NotFound(resource, ref)
    if head.size > ticket.max_size or head.size == 0:
        raise Invalid(
            [
                Violation(
                    "file",
                    head.size,
                    codes.LENGTH_EXCEEDED_OR_TOO_SMALL,
                    f"file of {head.size} bytes, allowed 1..{ticket.max_size}",
                )
            ]
        )
    key = keys.stored_key(ticket.owner_kind, ticket.owner_id, ticket.id, ticket.content_type)
    try:
        core.storage.copy(ticket.key, key, ticket.content_type)
    except (OSError, StorageError):
        # A concurrent request used this ticket, and its commit released the upload after `head`
        # saw it: the same answer as an upload that is not there.
        if core.storage.head(ticket.key) is None:
            remove_quietly(core, [key])
            raise NotFound(resource, ref) from None
        raise
    return key


def _without_metadata(core: Core, key: str, info: MediaInfo) -> MediaInfo:
    """The checked copy rewritten without its metadata (GPS, serial numbers, XMP...), its pixels as
    they were (images.strip). `sha256` stays the digest of the file as uploaded: clients compare it
    with their own files to skip those already saved."""
    with core.storage.open(key) as stream:
        original = stream.read()
    try:
        stripped = strip(original, info.content_type)
    except StripFailed as error:
        message = f"declared {info.content_type}, found {error}"
        raise invalid("file", info.content_type, codes.CONTENT_MISMATCH, message) from None
    if stripped == original:
        return info
    core.storage.put(key, stripped, info.content_type)
    return replace(info, size=len(stripped))


def release(core: Core, used: Iterable[Ticket]) -> None:
    """After the commit that used them: the uploaded objects go, their files live on in the copies."""
    remove_quietly(core, [ticket.key for ticket in used])


def discard(core: Core, infos: Iterable[MediaInfo]) -> None:
    """Remove confirmed copies that will not be kept (the request failed after confirming)."""
    remove_quietly(core, [info.key for info in infos if info.key])


def remove_quietly(core: Core, keys: Iterable[str | None]) -> None:
    """Remove objects whose rows are already gone (or never came). The change they follow has been
    committed, so a storage failure here must not turn its answer into an error: the object is
    left behind (a leak, never a loss), logged, and `cleanup` or an operator removes it later."""
    for key in keys:
        if not key:
            continue
        try:
            core.storage.delete(key)
        except StorageError:
            log.warning("could not remove object %s; left for cleanup", key, exc_info=True)


def consume(uow: UnitOfWork, ticket_id: str, ref: str) -> None:
    """Mark the ticket used inside the caller's transaction; a second use is refused."""
    consume_all(uow, {ticket_id: (("id",), ref)})


def consume_all(uow: UnitOfWork, refs: dict[str, tuple[Path, str]]) -> None:
    """Mark many tickets used in one statement, inside the caller's transaction: all or none.

    `refs` maps each ticket id to (field, ref) for the refusal that names the ones used already.
    """
    ids = list(refs)
    consumed = uow.tickets.consume(ids, now())
    if len(consumed) == len(ids):
        return
    present = uow.tickets.existing(ids)
    violations = []
    for t in ids:
        field, ref = refs[t]
        if t in consumed:
            continue
        if t in present:  # used by a concurrent request since it was looked up
            violations.append(Violation(field, ref, codes.TICKET_USED, f"upload {ref} has already been used"))
        else:  # removed by cleanup since it was looked up
            violations.append(Violation(field, ref, codes.TICKET_EXPIRED, f"upload ticket {ref} has expired"))
    raise Invalid(violations)


def cleanup(core: Core) -> Cleanup:
    """Remove what tickets leave behind once they expired longer than the grace period ago.

    Unused tickets: the row, then the uploaded object. Used tickets: the row and the upload object
    (the file lives on in its confirmed copy, see `confirm`), and any copy of the ticket's upload
    that no media row names. Objects recorded as pending that no commit named (see PendingObjects).
    And partial files of uploads that a crash interrupted, once older than any upload may take.
    """
    settings = core.settings
    cutoff = now() - timedelta(seconds=settings.cleanup_grace_seconds)
    removed = leftovers = 0
    while True:
        with core.unit_of_work(write=False) as uow:
            batch = [
                (ticket_id, key, keys.stored_prefix(owner_kind, owner_id, ticket_id))
                for ticket_id, key, owner_kind, owner_id in uow.tickets.expired(cutoff)
            ]
        if not batch:
            break
        for ticket_id, key, copies in batch:
            # The row goes first: once it is gone no request can use the ticket, so its object is free.
            with core.unit_of_work() as uow:
                gone = uow.tickets.remove(ticket_id)
                uow.commit()
            if not gone:
                continue
            remove_quietly(core, [key])
            removed += 1
            # The ticket was the record of its confirmed copies: one per attempt, of which at most
            # the one a media row names is kept. A crash between a copy and its commit (or a
            # failed removal) left the others; no request can make more once the row is gone.
            leftovers += _remove_unnamed(core, core.storage.list_keys(copies))
    leftovers += _remove_pending_leftovers(core, cutoff)
    # Sessions and login attempts no rule looks at any more.
    from realtymedia.auth import web_sessions
    from realtymedia.services import logins

    web_sessions.forget_expired(core)
    logins.forget(core)
    abandoned = core.storage.remove_abandoned(settings.ticket_lifetime_seconds + settings.cleanup_grace_seconds)
    with core.unit_of_work() as uow:
        uow.oauth.forget_nonces_before(now() - timedelta(seconds=2 * settings.oauth_timestamp_tolerance_seconds))
        uow.requests.forget_before(now() - timedelta(seconds=settings.idempotency_ttl_seconds))
        uow.commit()
    return Cleanup(deleted_objects=removed, removed_leftovers=leftovers, removed_partial_uploads=abandoned)


def _remove_unnamed(core: Core, candidates: list[str]) -> int:
    """Remove those of `candidates` that no media row names; how many."""
    if not candidates:
        return 0
    with core.unit_of_work(write=False) as uow:
        named = PendingObjects(uow).named(candidates)
    unnamed = [key for key in candidates if key not in named]
    remove_quietly(core, unnamed)
    return len(unnamed)


def _remove_pending_leftovers(core: Core, cutoff: datetime) -> int:
    """Objects recorded as pending (services.realty_images.copy) before `cutoff` and never named
    by a commit: a crash's, or a failed request's whose removal failed. Found by their records,
    never by listing the storage."""
    removed = 0
    while True:
        with core.unit_of_work(write=False) as uow:
            batch = PendingObjects(uow).older_than(cutoff, 500)
        if not batch:
            return removed
        removed += _remove_unnamed(core, batch)
        with core.unit_of_work() as uow:
            PendingObjects(uow).settle(batch)
            uow.commit()
