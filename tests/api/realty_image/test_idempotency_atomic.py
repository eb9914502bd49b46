"""idempotency.run_atomic, the one-transaction path of Request-ID handling (grants use it), on
SQLite and PostgreSQL: refusals are kept and replayed, repeats do not execute, expired records
let the request run again, and a refused action leaves nothing behind."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.api.realty_image.conftest import Api

from realtymedia.api.realty_image import idempotency
from realtymedia.domain.errors import invalid
from realtymedia.persistence import repository as repo
from realtymedia.persistence.models import Realty
from realtymedia.services.core import now


def count_realties(api: Api) -> int:
    with api.stack.core.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Realty).where(Realty.user_id == api.user_id)) or 0)


def add_realty(api: Api, name: str) -> Callable[[Session], tuple[int, dict[str, str]]]:
    def action(session: Session) -> tuple[int, dict[str, str]]:
        moment = now()
        session.add(Realty(id=str(uuid.uuid4()), user_id=api.user_id, name=name, created_at=moment, updated_at=moment))
        return 201, {"name": name}

    return action


def test_a_refusal_is_kept_replayed_and_leaves_nothing(api: Api) -> None:
    core, rid = api.stack.core, str(uuid.uuid4())

    def refused(session: Session) -> tuple[int, dict[str, str]]:
        moment = now()
        session.add(Realty(id=str(uuid.uuid4()), user_id=api.user_id, name="x", created_at=moment, updated_at=moment))
        session.flush()
        raise invalid("type", "x", "INVALID_VALUE", "not this one")

    first = idempotency.run_atomic(core, api.user_id, rid, "print", refused)
    assert first.status_code == 400 and "Idempotent-Replayed" not in first.headers
    again = idempotency.run_atomic(core, api.user_id, rid, "print", refused)
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (400, "true")
    assert bytes(again.body) == bytes(first.body)
    assert count_realties(api) == 0


def test_a_repeat_does_not_execute_and_another_request_with_the_id_is_409(api: Api) -> None:
    core, rid = api.stack.core, str(uuid.uuid4())
    first = idempotency.run_atomic(core, api.user_id, rid, "print", add_realty(api, "a"))
    again = idempotency.run_atomic(core, api.user_id, rid, "print", add_realty(api, "a"))
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert count_realties(api) == 1
    other = idempotency.run_atomic(core, api.user_id, rid, "another", add_realty(api, "b"))
    assert other.status_code == 409
    assert count_realties(api) == 1


def test_an_expired_record_lets_the_request_run_again(api: Api) -> None:
    core, rid = api.stack.core, str(uuid.uuid4())
    idempotency.run_atomic(core, api.user_id, rid, "print", add_realty(api, "a"))
    with core.db.write() as session:
        record = repo.idempotent_response(session, api.user_id, rid)
        assert record is not None
        record.created_at -= timedelta(seconds=core.settings.idempotency_ttl_seconds + 1)
    again = idempotency.run_atomic(core, api.user_id, rid, "print", add_realty(api, "a"))
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert count_realties(api) == 2
