"""Realties of the Realty Image dialect: created by their owner, published as a whole."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection, update
from sqlalchemy.orm import Session

from realtymedia.domain.errors import Invalid, NotFound
from realtymedia.domain.realty_images import check_name
from realtymedia.persistence import realty_images as queries
from realtymedia.persistence import repository as repo
from realtymedia.persistence.models import Media, Realty
from realtymedia.services.core import Core, now
from realtymedia.services.tickets import REALTY


def create(core: Core, user_id: int, name: str = "") -> dict[str, object]:
    violations = check_name(name)
    if violations:
        raise Invalid(violations)
    moment = now()
    with core.db.write() as session:
        realty = Realty(
            id=str(uuid.uuid4()),
            user_id=user_id,
            name=name,
            published=False,
            created_at=moment,
            updated_at=moment,
            version=1,
        )
        session.add(realty)
        session.flush()
        return as_dict(realty, 0)


def rename(core: Core, user_id: int, realty_id: str, name: str) -> dict[str, object]:
    """A realty's new name; the same name again changes nothing."""
    violations = check_name(name)
    if violations:
        raise Invalid(violations)
    with core.db.write() as session:
        realty = owned(session, realty_id, user_id, lock=True)
        if realty.name != name:
            realty.name = name
            touch(realty)
        return as_dict(realty, repo.count_media(session, REALTY, realty_id))


def create_for(core: Core, owner: str, name: str = "") -> dict[str, object]:
    with core.db.read() as session:
        user = repo.user_by_name(session, owner)
        if user is None:
            raise NotFound("user", owner)
    return create(core, user.id, name)


def as_dict(realty: Realty, image_count: int) -> dict[str, object]:
    return {
        "id": realty.id,
        "name": realty.name,
        "published": realty.published,
        "publishedAt": realty.published_at.isoformat() if realty.published_at else None,
        "imageCount": image_count,
        "createdAt": realty.created_at.isoformat(),
        "updatedAt": realty.updated_at.isoformat(),
    }


def touch(realty: Realty, moment: datetime | None = None) -> None:
    """Record a change to the realty or to any of its images, in the changing transaction.

    `version` is what answers rendered from the realty are keyed by: every change must move it.
    """
    realty.updated_at = moment or now()
    realty.version = (realty.version or 0) + 1


def version(session: Session | Connection, realty_id: str, user_id: int) -> int:
    """The realty's version, if it is the user's (NotFound otherwise), in one small query."""
    found = queries.realty_owner_and_version(session, realty_id)
    if found is None or found[0] != user_id:
        raise NotFound("realty", realty_id)
    return found[1]


def owned(session: Session, realty_id: str, user_id: int | None, *, lock: bool = False) -> Realty:
    """The realty, if it exists and is the user's (None: any user). Others' realties do not exist for them."""
    realty = repo.lock_realty(session, realty_id) if lock else session.get(Realty, realty_id)
    if realty is None or (user_id is not None and realty.user_id != user_id):
        raise NotFound("realty", realty_id)
    return realty


def get(core: Core, user_id: int, realty_id: str) -> dict[str, object]:
    with core.db.read() as session:
        realty = owned(session, realty_id, user_id)
        return as_dict(realty, repo.count_media(session, REALTY, realty_id))


def list_for(core: Core, user_id: int) -> list[dict[str, object]]:
    with core.db.read() as session:
        return [as_dict(r, repo.count_media(session, REALTY, r.id)) for r in repo.realties_of(session, user_id)]


def page_for(core: Core, user_id: int, start: int = 0, size: int = 200) -> tuple[list[dict[str, object]], int]:
    """A page of the user's realties (oldest first) and their total count."""
    with core.db.read() as session:
        rows, total = queries.realties_page(session, user_id, start, size)
        counts = queries.image_counts(session, REALTY, [r.id for r in rows])
        return [as_dict(r, counts[r.id]) for r in rows], total


def publish(core: Core, user_id: int | None, realty_id: str) -> dict[str, object]:
    """Publish the realty and every image it holds now; published images can no longer be deleted."""
    moment = now()
    with core.db.write() as session:
        realty = owned(session, realty_id, user_id, lock=True)
        realty.published = True
        realty.published_at = moment
        touch(realty, moment)
        session.execute(
            update(Media)
            .where(Media.owner_kind == REALTY, Media.owner_id == realty_id)
            .values(published=True, updated_at=moment)
        )
        return as_dict(realty, repo.count_media(session, REALTY, realty_id))
