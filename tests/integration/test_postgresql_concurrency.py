"""Two ways concurrent requests went wrong on PostgreSQL only (SQLite serialises its writers), each
driven through the use cases on a real PostgreSQL database:

- a use case that holds a unit of work must not wait for a second connection of the same pool: IS24
  requests authenticated by the web page's session did, and with as many in flight as the pool
  has connections every one of them waited for the pool's timeout;
  now any unit of work opened inside another is refused (NestedUnitOfWork), so that this cannot
  come back unseen;
- a Request-ID whose record expired must run once, not once per request that saw it expired
  (at READ COMMITTED, a request that read the expired record deleted the claim another had made since).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from realtymedia.auth import web_sessions
from realtymedia.domain.errors import DomainError
from realtymedia.persistence.idempotency import RequestRecords
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services import accounts, idempotency, signed_requests
from realtymedia.services.accounts import Principal
from realtymedia.services.core import Core, NestedUnitOfWork, now
from realtymedia.services.idempotency import Answer, RequestKey
from tests.support import make_settings


@pytest.fixture
def core(tmp_path: Path, postgres_url: str) -> Iterator[Core]:
    made = Core.from_settings(make_settings(tmp_path, postgres_url, "local", database_pool_size=2,
                                            database_pool_overflow=0))  # fmt: skip
    made.db.upgrade()
    yield made
    made.close()


def test_a_unit_of_work_inside_another_is_refused(core: Core) -> None:
    with core.unit_of_work(write=False) as outer:
        with pytest.raises(NestedUnitOfWork):
            core.unit_of_work()
        with pytest.raises(NestedUnitOfWork):
            accounts.create_user(core, f"nested-{threading.get_ident()}", "a password of some length")
        # another thread is another request: its own unit of work is no nesting
        others: list[bool] = []
        worker = threading.Thread(target=lambda: others.append(_reads(core)))
        worker.start()
        worker.join(10)
        assert others == [True]
        assert outer.execute(text("SELECT 1")).scalar_one() == 1
    with core.unit_of_work(write=False) as after:  # one after another is what use cases do
        assert after.execute(text("SELECT 1")).scalar_one() == 1


def _reads(core: Core) -> bool:
    with core.unit_of_work(write=False) as uow:
        return bool(uow.execute(text("SELECT 1")).scalar_one() == 1)


def test_session_requests_never_wait_for_a_second_connection(core: Core) -> None:
    username = f"pool-{now().timestamp():.0f}-{threading.get_ident() % 10_000}"
    accounts.create_user(core, username, "a password of some length")
    made = web_sessions.login(core, username, "a password of some length")
    assert made is not None
    cookie = made.cookie

    def step(uow: UnitOfWork, principal: Principal) -> str:
        return principal.username

    async def requests() -> list[str]:
        request = signed_requests.SignedRequest("http://127.0.0.1/restapi/api/offer/v1.0/user/me", "GET", {}, cookie)
        try:
            # Four at once on a pool of two: each held one connection and waited for another.
            calls = (core.run(signed_requests.perform, request, step) for _ in range(4))
            return list(await asyncio.wait_for(asyncio.gather(*calls), 20))
        finally:
            await core.db.close_loop_pool()

    assert asyncio.run(requests()) == [username] * 4


def test_an_expired_request_id_runs_once_when_two_requests_see_it_expired(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    username = f"expired-{now().timestamp():.0f}"
    user_id = int(accounts.create_user(core, username, None).id)
    key = RequestKey(user_id, "the-same-request-id", "fingerprint")
    long_ago = now().replace(year=now().year - 1)
    with core.unit_of_work() as uow:
        assert uow.requests.add(idempotency._values(key, Answer(200, b'{"old": true}'), long_ago))
        uow.commit()
    ran: list[str] = []

    def work(name: str) -> Answer:
        ran.append(name)
        return Answer(200, f'{{"by": "{name}"}}'.encode())

    def refusal(error: Exception) -> Answer:
        raise AssertionError(error)

    original = RequestRecords.get
    interleaved = threading.Event()

    def get(self: RequestRecords, user_id: int, request_id: str) -> Any:
        found = original(self, user_id, request_id)
        if not interleaved.is_set():
            # Request B has read the expired record; request A now runs whole before B goes on.
            interleaved.set()
            other = threading.Thread(target=a_request)
            other.start()
            other.join(30)
        return found

    def a_request() -> None:
        try:
            answers.append(idempotency.once(core, key, lambda: work("A"), refusal))
        except DomainError as error:  # told that B is at work with the Request-ID (409)
            refused.append(error)

    monkeypatch.setattr(RequestRecords, "get", get)
    answers: list[Answer] = []
    refused: list[DomainError] = []
    answers.append(idempotency.once(core, key, lambda: work("B"), refusal))
    assert len(ran) == 1, f"the work ran once per request that saw the record expired: {ran}"
    assert len(answers) + len(refused) == 2
    assert {answer.body for answer in answers} == {f'{{"by": "{ran[0]}"}}'.encode()}
