"""The ticket lifecycle: issue a signed upload form, confirm what arrived, consume once, clean up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from realtymedia.domain import codes
from realtymedia.domain.errors import Invalid, NotFound, Violation, invalid
from realtymedia.domain.media import EXTENSIONS, MediaInfo, inspect
from realtymedia.persistence import repository as repo
from realtymedia.persistence.models import Ticket
from realtymedia.services.core import Core, now
from realtymedia.storage import UploadForm

# Owner kinds. A realty image grant is issued to a user: the realty is named only when it is saved.
PROJECT, REALTY, USER = "project", "realty", "user"


@dataclass(frozen=True)
class IssuedTicket:
    id: str
    key: str
    content_type: str
    expires_at: datetime
    form: UploadForm


def issue(
    core: Core,
    *,
    user_id: int,
    owner_kind: str,
    owner_id: str,
    content_type: str | None,
    allowed: tuple[str, ...],
    base_url: str,
    key_prefix: str | None = None,
    extra_fields: dict[str, str] | None = None,
    field: str = "attachmentContentType",
) -> IssuedTicket:
    """A ticket for one file of `content_type` (one of `allowed`), stored under a server-chosen key.

    The key is `{key_prefix or owner_id}/{ticket id}.{ext}`.
    """
    if not content_type:
        raise invalid(field, None, codes.MANDATORY_FIELD_EMPTY, f"{field} is required")
    if content_type not in allowed:
        raise invalid(field, content_type, codes.INVALID_VALUE, f"{field} must be one of {', '.join(allowed)}")
    settings = core.settings
    ticket_id = str(uuid.uuid4())
    if key_prefix is None:
        key = f"{owner_id}/{ticket_id}.{EXTENSIONS[content_type]}"
    else:
        key = f"{key_prefix}/{ticket_id}"
    moment = now()
    expires_at = moment + timedelta(seconds=settings.ticket_lifetime_seconds)
    form = core.storage.presign_post(
        key, content_type, settings.max_upload_bytes, settings.ticket_lifetime_seconds, base_url, extra_fields or {}
    )
    with core.db.write() as session:
        session.add(
            Ticket(
                id=ticket_id,
                owner_kind=owner_kind,
                owner_id=owner_id,
                user_id=user_id,
                key=key,
                content_type=content_type,
                max_size=settings.max_upload_bytes,
                expires_at=expires_at,
                created_at=moment,
            )
        )
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
        raise Invalid([Violation("id", ref, codes.TICKET_USED, f"upload {ref} has already been used")])
    if now() > ticket.expires_at + timedelta(seconds=core.settings.cleanup_grace_seconds):
        raise Invalid([Violation("id", ref, codes.TICKET_EXPIRED, f"upload ticket {ref} has expired")])
    return ticket


def confirm(core: Core, ticket: Ticket, *, resource: str, ref: str) -> MediaInfo:
    """Check the uploaded object: present, within the ticket's size, and truly of the declared type.

    Blocking (storage and decoding): call it outside the event loop and outside any transaction.
    """
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
    with core.storage.open(ticket.key) as stream:
        return inspect(stream, ticket.content_type, core.settings.max_image_pixels)


def consume(session: object, ticket_id: str, ref: str) -> None:
    """Mark the ticket used inside the caller's transaction; a second use is refused."""
    if not repo.consume_ticket(session, ticket_id, now()):  # type: ignore[arg-type]
        raise Invalid([Violation("id", ref, codes.TICKET_USED, f"upload {ref} has already been used")])


def cleanup(core: Core) -> dict[str, int]:
    """Delete objects of tickets that expired longer than the grace period ago and were never used."""
    settings = core.settings
    cutoff = now() - timedelta(seconds=settings.cleanup_grace_seconds)
    removed = 0
    while True:
        with core.db.read() as session:
            batch = [(t.id, t.key) for t in repo.expired_unused_tickets(session, cutoff)]
        if not batch:
            break
        for ticket_id, key in batch:
            # The row goes first: once it is gone no assign can consume it, so the object is free.
            with core.db.write() as session:
                stale = repo.ticket(session, ticket_id)
                if stale is None or stale.consumed_at is not None:
                    continue
                session.delete(stale)
            core.storage.delete(key)
            removed += 1
    with core.db.write() as session:
        repo.forget_nonces_before(session, now() - timedelta(seconds=2 * settings.oauth_timestamp_tolerance_seconds))
        repo.forget_idempotent_before(session, now() - timedelta(seconds=settings.idempotency_ttl_seconds))
    return {"deleted_objects": removed}
