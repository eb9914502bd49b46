"""Realties of the Realty Image dialect: created by their owner, published as a whole."""

from __future__ import annotations

import uuid
from datetime import datetime

from realtymedia.domain.errors import Invalid, NotFound
from realtymedia.domain.realty_images import check_name
from realtymedia.persistence.models import Realty as RealtyRow
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services.core import Core, now
from realtymedia.services.results import Realty
from realtymedia.services.tickets import REALTY


def create(core: Core, user_id: int, name: str = "") -> Realty:
    violations = check_name(name)
    if violations:
        raise Invalid(violations)
    moment = now()
    realty = RealtyRow(
        id=str(uuid.uuid4()),
        user_id=user_id,
        name=name,
        published=False,
        created_at=moment,
        updated_at=moment,
        version=1,
    )
    with core.unit_of_work() as uow:
        uow.realties.add(realty)
        answer = _result(realty, 0)
        uow.commit()
    return answer


def rename(core: Core, user_id: int, realty_id: str, name: str) -> Realty:
    """A realty's new name; the same name again changes nothing."""
    violations = check_name(name)
    if violations:
        raise Invalid(violations)
    with core.unit_of_work() as uow:
        realty = owned(uow, realty_id, user_id, lock=True)
        if realty.name != name:
            realty.name = name
            touch(realty)
        answer = _result(realty, uow.media.count(REALTY, realty_id))
        uow.commit()
        return answer


def create_for(core: Core, owner: str, name: str = "") -> Realty:
    with core.unit_of_work(write=False) as uow:
        user = uow.accounts.user_by_name(owner)
    if user is None:
        raise NotFound("user", owner)
    return create(core, user.id, name)


def _result(realty: RealtyRow, image_count: int) -> Realty:
    return Realty(
        id=realty.id,
        name=realty.name,
        published=realty.published,
        published_at=realty.published_at,
        image_count=image_count,
        created_at=realty.created_at,
        updated_at=realty.updated_at,
    )


def touch(realty: RealtyRow, moment: datetime | None = None) -> None:
    """Record a change to the realty or to any of its images, in the changing transaction.

    `version` is what answers rendered from the realty are keyed by: every change must move it.
    """
    realty.updated_at = moment or now()
    realty.version = (realty.version or 0) + 1


def version(uow: UnitOfWork, realty_id: str, user_id: int) -> int:
    """The realty's version, if it is the user's (NotFound otherwise), in one small query."""
    found = uow.realties.owner_and_version(realty_id)
    if found is None or found[0] != user_id:
        raise NotFound("realty", realty_id)
    return found[1]


def owned(uow: UnitOfWork, realty_id: str, user_id: int | None, *, lock: bool = False) -> RealtyRow:
    """The realty, if it exists and is the user's (None: any user). Others' realties do not exist for them."""
    realty = uow.realties.get(realty_id, lock=lock)
    if realty is None or (user_id is not None and realty.user_id != user_id):
        raise NotFound("realty", realty_id)
    return realty


def get(core: Core, user_id: int, realty_id: str) -> Realty:
    with core.unit_of_work(write=False) as uow:
        realty = owned(uow, realty_id, user_id)
        return _result(realty, uow.media.count(REALTY, realty_id))


def page_for(core: Core, user_id: int, start: int = 0, size: int = 200) -> tuple[list[Realty], int]:
    """A page of the user's realties (oldest first) and their total count."""
    with core.unit_of_work(write=False) as uow:
        rows, total = uow.realties.page(user_id, start, size)
        counts = uow.media.counts(REALTY, [r.id for r in rows])
        return [_result(r, counts[r.id]) for r in rows], total


def publish(core: Core, user_id: int | None, realty_id: str) -> Realty:
    """Publish the realty and every image it holds now; published images can no longer be deleted."""
    moment = now()
    with core.unit_of_work() as uow:
        realty = owned(uow, realty_id, user_id, lock=True)
        realty.published = True
        realty.published_at = moment
        touch(realty, moment)
        uow.media.publish_all(REALTY, realty_id, moment)
        answer = _result(realty, uow.media.count(REALTY, realty_id))
        uow.commit()
        return answer
