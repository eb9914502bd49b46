"""idempotency.once_in, the one-transaction path of Request-ID handling (grants use it), on
SQLite and PostgreSQL: refusals are kept and replayed, repeats do not execute, expired records
let the request run again, and a refused action leaves nothing behind."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from tests.api.realty_image.conftest import Api

from realtymedia.api.realty_image.app import _refusal
from realtymedia.domain.errors import Conflict, Throttled, invalid
from realtymedia.persistence.models import IdempotentResponse, Realty
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services import idempotency
from realtymedia.services.core import Core, now
from realtymedia.services.idempotency import Answer, RequestKey


def run_atomic(core: Core, user_id: int, rid: str, print_: str, step: Callable[[UnitOfWork], Answer]) -> Answer:
    return idempotency.once_in(core, RequestKey(user_id, rid, print_), step, _refusal)


def count_realties(api: Api) -> int:
    with api.stack.core.unit_of_work(write=False) as uow:
        return int(
            uow.session.scalar(select(func.count()).select_from(Realty).where(Realty.user_id == api.user_id)) or 0
        )


def add_realty(api: Api, name: str) -> Callable[[UnitOfWork], Answer]:
    def action(uow: UnitOfWork) -> Answer:
        moment = now()
        uow.realties.add(
            Realty(id=str(uuid.uuid4()), user_id=api.user_id, name=name, created_at=moment, updated_at=moment)
        )
        return Answer(201, b'{"name":"' + name.encode() + b'"}')

    return action


def test_a_refusal_is_kept_replayed_and_leaves_nothing(api: Api) -> None:
    core, rid = api.stack.core, str(uuid.uuid4())

    def refused(uow: UnitOfWork) -> Answer:
        moment = now()
        uow.realties.add(
            Realty(id=str(uuid.uuid4()), user_id=api.user_id, name="x", created_at=moment, updated_at=moment)
        )
        raise invalid("type", "x", "INVALID_VALUE", "not this one")

    first = run_atomic(core, api.user_id, rid, "print", refused)
    assert first.status == 400 and not first.replayed
    again = run_atomic(core, api.user_id, rid, "print", refused)
    assert (again.status, again.replayed) == (400, True)
    assert again.body == first.body
    assert count_realties(api) == 0


def test_a_repeat_does_not_execute_and_another_request_with_the_id_is_409(api: Api) -> None:
    core, rid = api.stack.core, str(uuid.uuid4())
    first = run_atomic(core, api.user_id, rid, "print", add_realty(api, "a"))
    again = run_atomic(core, api.user_id, rid, "print", add_realty(api, "a"))
    assert first.status == again.status == 201
    assert again.replayed
    assert count_realties(api) == 1
    with pytest.raises(Conflict, match="already used for a different request"):
        run_atomic(core, api.user_id, rid, "another", add_realty(api, "b"))
    assert count_realties(api) == 1


def test_an_expired_record_lets_the_request_run_again(api: Api) -> None:
    core, rid = api.stack.core, str(uuid.uuid4())
    run_atomic(core, api.user_id, rid, "print", add_realty(api, "a"))
    with core.unit_of_work() as uow:
        record = uow.session.get(IdempotentResponse, (api.user_id, rid))
        assert record is not None
        record.created_at -= timedelta(seconds=core.settings.idempotency_ttl_seconds + 1)
        uow.commit()
    again = run_atomic(core, api.user_id, rid, "print", add_realty(api, "a"))
    assert again.status == 201 and not again.replayed
    assert count_realties(api) == 2


def test_a_transient_refusal_is_raised_and_leaves_no_record(api: Api) -> None:
    core, rid = api.stack.core, str(uuid.uuid4())

    def throttled(uow: UnitOfWork) -> Answer:
        add_realty(api, "not now")(uow)
        raise Throttled("Too many grants: try again in 2 s.", retry_after=2)

    with pytest.raises(Throttled):
        run_atomic(core, api.user_id, rid, "print", throttled)
    assert count_realties(api) == 0
    later = run_atomic(core, api.user_id, rid, "print", add_realty(api, "later"))
    assert (later.status, later.replayed) == (201, False)
    assert count_realties(api) == 1
