"""Queries shared by the use cases: accounts, owners, tickets and media. All SQL lives in this package."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import TextClause, delete, func, select, text, update
from sqlalchemy.orm import Session

from realtymedia.persistence.models import (
    BearerToken,
    IdempotentResponse,
    Media,
    OAuthConsumer,
    OAuthNonce,
    OAuthToken,
    Project,
    Realty,
    Ticket,
    User,
)

# -- accounts -------------------------------------------------------------------------------


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def principal_by_bearer_hash(session: Session, token_hash: str) -> tuple[int, str] | None:
    """(user id, username) of a bearer token, in one indexed lookup without ORM objects."""
    row = session.execute(
        select(User.id, User.username)
        .join(BearerToken, BearerToken.user_id == User.id)
        .where(BearerToken.token_hash == token_hash)
    ).first()
    return (row[0], row[1]) if row else None


def consumer(session: Session, key: str) -> OAuthConsumer | None:
    return session.get(OAuthConsumer, key)


def oauth_token(session: Session, token: str) -> OAuthToken | None:
    return session.get(OAuthToken, token)


def spend_request_token(session: Session, token: str) -> bool:
    """Delete a request token; False when another transaction already did."""
    result = session.execute(delete(OAuthToken).where(OAuthToken.token == token, OAuthToken.kind == "request"))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def remember_nonce(session: Session, nonce: OAuthNonce) -> bool:
    """Record a nonce; False when it was seen before (a replay)."""
    exists = session.scalar(
        select(func.count())
        .select_from(OAuthNonce)
        .where(
            OAuthNonce.consumer_key == nonce.consumer_key,
            OAuthNonce.nonce == nonce.nonce,
            OAuthNonce.timestamp == nonce.timestamp,
            OAuthNonce.token == nonce.token,
        )
    )
    if exists:
        return False
    session.add(nonce)
    session.flush()
    return True


def forget_nonces_before(session: Session, moment: datetime) -> None:
    session.execute(delete(OAuthNonce).where(OAuthNonce.created_at < moment))


# -- owners ---------------------------------------------------------------------------------


def lock_project(session: Session, project_id: int) -> Project | None:
    """The project, locked for this transaction: all changes to one project's media go one at a time."""
    return session.scalar(select(Project).where(Project.id == project_id).with_for_update())


def lock_realty(session: Session, realty_id: str) -> Realty | None:
    return session.scalar(select(Realty).where(Realty.id == realty_id).with_for_update())


def projects_of(session: Session, user_id: int) -> Sequence[Project]:
    return session.scalars(select(Project).where(Project.user_id == user_id).order_by(Project.id)).all()


def realties_of(session: Session, user_id: int) -> Sequence[Realty]:
    return session.scalars(select(Realty).where(Realty.user_id == user_id).order_by(Realty.created_at)).all()


# -- tickets --------------------------------------------------------------------------------


def ticket(session: Session, ticket_id: str) -> Ticket | None:
    return session.get(Ticket, ticket_id)


def ticket_by_key(session: Session, key: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.key == key))


def consume_ticket(session: Session, ticket_id: str, moment: datetime) -> bool:
    """Mark a ticket used; False when it already was. Atomic even without a lock."""
    result = session.execute(
        update(Ticket).where(Ticket.id == ticket_id, Ticket.consumed_at.is_(None)).values(consumed_at=moment)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def expired_tickets(session: Session, before: datetime, limit: int = 500) -> Sequence[Ticket]:
    return session.scalars(
        select(Ticket)
        .where(Ticket.expires_at < before)
        .order_by(Ticket.expires_at)
        .limit(limit)
    ).all()


# -- media ----------------------------------------------------------------------------------


def media_of(session: Session, owner_kind: str, owner_id: str) -> Sequence[Media]:
    return session.scalars(
        select(Media).where(Media.owner_kind == owner_kind, Media.owner_id == owner_id).order_by(Media.position)
    ).all()


def media_item(session: Session, owner_kind: str, owner_id: str, media_id: str) -> Media | None:
    return session.scalar(
        select(Media).where(Media.owner_kind == owner_kind, Media.owner_id == owner_id, Media.id == media_id)
    )


def count_media(session: Session, owner_kind: str, owner_id: str) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(Media).where(Media.owner_kind == owner_kind, Media.owner_id == owner_id)
        )
        or 0
    )


def next_position(session: Session, owner_kind: str, owner_id: str) -> int:
    top = session.scalar(
        select(func.max(Media.position)).where(Media.owner_kind == owner_kind, Media.owner_id == owner_id)
    )
    return 0 if top is None else int(top) + 1


def renumber(session: Session, items: Sequence[Media]) -> None:
    """Positions 0..n-1 in the given order: no gaps, no duplicates."""
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position


def content_type_of_key(session: Session, key: str) -> str | None:
    return session.scalar(select(Media.content_type).where(Media.key == key))


def media_with_hash(session: Session, owner_kind: str, owner_id: str, sha256: str) -> Media | None:
    return session.scalar(
        select(Media).where(Media.owner_kind == owner_kind, Media.owner_id == owner_id, Media.sha256 == sha256).limit(1)
    )


# -- idempotency ----------------------------------------------------------------------------


def idempotent_response(session: Session, user_id: int, request_id: str) -> IdempotentResponse | None:
    return session.get(IdempotentResponse, (user_id, request_id))


def forget_idempotent_before(session: Session, moment: datetime) -> None:
    session.execute(delete(IdempotentResponse).where(IdempotentResponse.created_at < moment))


def select_one() -> TextClause:
    return text("SELECT 1")
