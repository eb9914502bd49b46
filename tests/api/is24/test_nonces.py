"""Replay protection: a nonce is recorded once, atomically, in the database every worker shares."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from oauthlib.oauth1 import Client
from sqlalchemy import func, select
from tests.support import Stack

from realtymedia.auth import signatures
from realtymedia.persistence.models import OAuthNonce
from realtymedia.services.core import Core

from .helpers import Account, new_account, picture_xml


def _signed(account: Account, url: str, method: str = "GET", two_legged: bool = False) -> dict[str, str]:
    o = account.oauth
    if two_legged:
        client = Client(o["consumer_key"], o["consumer_secret"], nonce=uuid.uuid4().hex)
    else:
        client = Client(
            o["consumer_key"], o["consumer_secret"], o["access_token"], o["access_token_secret"], nonce=uuid.uuid4().hex
        )
    _, headers, _ = client.sign(url, method)
    return dict(headers)


def _nonces(core: Core) -> int:
    with core.unit_of_work(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(OAuthNonce)) or 0)


def test_the_same_signed_request_at_once_is_answered_once(stack: Stack) -> None:
    account = new_account(stack)
    url = account.project_url(None, "attachment")
    for two_legged in (False, True):
        headers = _signed(account, url, two_legged=two_legged)
        with ThreadPoolExecutor(8) as pool:
            sent = [pool.submit(httpx.get, url, headers=headers, timeout=60) for _ in range(8)]
        statuses = sorted(f.result().status_code for f in sent)
        assert statuses == [200] + [401] * 7


def test_a_replay_is_refused_by_another_worker(stack: Stack) -> None:
    account = new_account(stack)
    url = account.project_url(None, "attachment")
    headers = _signed(account, url)
    assert httpx.get(url, headers=headers, timeout=60).status_code == 200
    other = Core.from_settings(stack.settings)  # a worker of its own, on the same database
    try:
        assert signatures.authenticate(other, url, "GET", headers) is None
        fresh = _signed(account, url)
        found = signatures.authenticate(other, url, "GET", fresh)
        assert found is not None and found.username == account.username
        assert signatures.authenticate(other, url, "GET", fresh) is None
    finally:
        other.close()


def test_unknown_consumers_record_no_nonce(stack: Stack) -> None:
    account = new_account(stack)
    url = account.project_url()
    before = _nonces(stack.core)
    for _ in range(3):
        client = Client("no-such-consumer", "secret", nonce=uuid.uuid4().hex, timestamp=str(int(time.time())))
        _, headers, _ = client.sign(url, "GET")
        assert httpx.get(url, headers=dict(headers), timeout=60).status_code == 401
    assert _nonces(stack.core) == before


def test_implausible_timestamps_are_401_and_record_no_nonce(stack: Stack) -> None:
    """A known consumer's request with a timestamp that is not a number within the window is
    refused as oauthlib refuses it (401, not a 500 from the database), and writes no nonce row."""
    account = new_account(stack)
    url = account.project_url()
    o = account.oauth
    before = _nonces(stack.core)
    for timestamp in ("²", "9" * 25, str(int(time.time()) - 100_000), str(int(time.time()) + 100_000)):
        client = Client(
            o["consumer_key"], o["consumer_secret"], o["access_token"], o["access_token_secret"],
            nonce=uuid.uuid4().hex, timestamp=timestamp,
        )  # fmt: skip
        _, headers, _ = client.sign(url, "GET")
        response = httpx.get(url, headers=dict(headers), timeout=60)
        assert response.status_code == 401, (timestamp, response.status_code, response.text)
    assert _nonces(stack.core) == before


def test_a_refused_change_spends_its_nonce_and_a_done_one_commits_with_it(stack: Stack) -> None:
    """A change runs in one transaction with its nonce. Refused (rolled back), its nonce is still
    recorded: the same signed request again is a replay (401), not a second try. Done, the nonce
    and the change are both there."""
    account = new_account(stack)
    project = account.project_url(None, "attachment", "upload-ticket")
    body = b'{"realestateproject.uploadTicketRequest":{"attachmentContentType":"text/html"}}'  # refused: 412
    headers = {**_signed(account, project, "POST"), "Content-Type": "application/json", "Accept": "application/json"}
    before = _nonces(stack.core)
    first = httpx.post(project, content=body, headers=headers, timeout=60)
    assert first.status_code == 412, first.text
    assert _nonces(stack.core) == before + 1
    again = httpx.post(project, content=body, headers=headers, timeout=60)
    assert again.status_code == 401, again.text
    good = body.replace(b"text/html", b"image/jpeg")
    headers = {**_signed(account, project, "POST"), "Content-Type": "application/json", "Accept": "application/json"}
    assert httpx.post(project, content=good, headers=headers, timeout=60).status_code == 200
    assert _nonces(stack.core) == before + 2
    assert httpx.post(project, content=good, headers=headers, timeout=60).status_code == 401


def test_credentials_are_remembered_per_worker_for_the_cache_time(stack: Stack) -> None:
    """A worker remembers a consumer and its access token for settings.bearer_cache_seconds: it
    does not ask the database on every request. A worker that has not seen them asks (and finds
    a removed token gone), and 0 seconds means always ask. Nonces are still checked every time."""
    from sqlalchemy import delete

    from realtymedia.persistence.models import OAuthToken

    account = new_account(stack, fresh=True)
    url = account.project_url()
    assert signatures.authenticate(stack.core, url, "GET", _signed(account, url)) is not None
    with stack.core.unit_of_work() as uow:  # the token goes, behind the workers' backs
        uow.session.execute(delete(OAuthToken).where(OAuthToken.token == account.oauth["access_token"]))
        uow.commit()
    headers = _signed(account, url)
    found = signatures.authenticate(stack.core, url, "GET", headers)
    assert found is not None and found.username == account.username
    assert signatures.authenticate(stack.core, url, "GET", headers) is None  # a replay, remembered or not
    for settings in (stack.settings, stack.settings.model_copy(update={"bearer_cache_seconds": 0})):
        other = Core.from_settings(settings)
        try:
            assert signatures.authenticate(other, url, "GET", _signed(account, url)) is None
        finally:
            other.close()
    never = Core.from_settings(stack.settings.model_copy(update={"bearer_cache_seconds": 0}))
    try:
        fresh = new_account(stack, fresh=True)
        fresh_url = fresh.project_url()
        assert signatures.authenticate(never, fresh_url, "GET", _signed(fresh, fresh_url)) is not None
        assert never.oauth_credentials.get((fresh.oauth["consumer_key"], fresh.oauth["access_token"])) is None
    finally:
        never.close()


def test_a_replay_sent_while_the_refused_original_runs_is_refused(stack: Stack) -> None:
    """The original waits for the project's lock, then is refused (no such attachment); its replay,
    sent meanwhile, waits on the original's nonce and must then be a replay (401), not a second
    try: the nonce commits although the change was refused."""
    account = new_account(stack)
    url = account.project_url(None, "attachment")
    body = picture_xml("0c0ffee0-0000-4000-8000-000000000000")
    headers = {**_signed(account, url, "PUT"), "Content-Type": "application/xml", "Accept": "application/json"}
    release = threading.Event()
    locked = threading.Event()

    def hold_the_project() -> None:
        with stack.core.unit_of_work() as uow:
            uow.projects.lock(account.project_id)
            locked.set()
            release.wait(30)

    with ThreadPoolExecutor(3) as pool:
        holder = pool.submit(hold_the_project)
        assert locked.wait(10)
        original = pool.submit(httpx.put, url, content=body, headers=headers, timeout=60)
        time.sleep(0.4)
        replay = pool.submit(httpx.put, url, content=body, headers=headers, timeout=60)
        time.sleep(0.4)
        release.set()
        holder.result()
        assert original.result().status_code == 404, original.result().text
        assert replay.result().status_code == 401, replay.result().text


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_a_database_error_spends_the_nonce_too(stack: Stack, method: str) -> None:
    """A read whose transaction fails in the database, and a change that fails in its savepoint:
    either way the request is answered with the error, and its nonce is spent (a replay is 401)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from realtymedia.persistence.unit_of_work import UnitOfWork
    from realtymedia.services import signed_requests
    from realtymedia.services.accounts import Principal

    account = new_account(stack)
    url = account.project_url()
    headers = _signed(account, url, method)

    def failing(uow: UnitOfWork, principal: Principal) -> None:
        uow.execute(text("SELECT * FROM no_such_table"))
        raise AssertionError("unreachable")

    with pytest.raises(SQLAlchemyError):
        signed_requests.perform(stack.core, signed_requests.SignedRequest(url, method, headers), failing)
    assert signatures.authenticate(stack.core, url, method, headers) is None  # the nonce is spent
    assert signatures.authenticate(stack.core, url, method, _signed(account, url, method)) is not None
