"""Both SDK clients against a service whose rate limit they run into: a 429 is sent again after
the wait its Retry-After names (the limiter refuses before doing anything, so even an IS24
assignment, which is never sent twice otherwise, may be), and a wait longer than the SDK's bound
is not begun: the refusal is raised as RateLimited at once."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from realtymedia.services import accounts, projects
from realtymedia.services.results import NewUser
from realtymedia_client import IS24Client, RateLimited, RealtyImageClient
from realtymedia_client._http import RATE_LIMIT_WAIT
from tests.client.conftest import write_images
from tests.conftest import start_stack
from tests.support import Stack


class Counting(httpx.HTTPTransport):
    """Counts the service's answers by status."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.statuses.append(response.status_code)
        return response


def _stack(request: pytest.FixtureRequest, factory: pytest.TempPathFactory, limit: str) -> Iterator[Stack]:
    # Storage POSTs carry no credential: counted by address, which is not limited here.
    yield from start_stack("sqlite-local", request, factory, rate_limit_per_credential=limit)


@pytest.fixture
def five_seconds(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from _stack(request, tmp_path_factory, "4/5seconds")


@pytest.fixture
def an_hour(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from _stack(request, tmp_path_factory, "3/hour")


def _user(stack: Stack) -> NewUser:
    return accounts.create_user(stack.core, f"sdk{uuid.uuid4().hex[:10]}", "pw")


def test_realty_images_wait_for_the_limit_and_go_on(five_seconds: Stack, tmp_path: Path) -> None:
    user = _user(five_seconds)
    transport = Counting()
    with RealtyImageClient(five_seconds.url, user.bearer_token, parallel=1, transport=transport) as client:
        realty = client.create_realty("Limited")
        saved = client.upload(realty.id, write_images(tmp_path, 3), ["a", "b", "c"])
        assert [i.description for i in client.images(realty.id)] == ["a", "b", "c"]
    assert [i.description for i in saved] == ["a", "b", "c"]
    assert 429 in transport.statuses  # the limit was met, and waited for


@pytest.fixture
def two_per_second(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from _stack(request, tmp_path_factory, "2/second")


def test_parallel_uploads_take_turns_at_the_limit(two_per_second: Stack, tmp_path: Path) -> None:
    """Four threads of one credential meet a limit of two a second: a thread may be refused many
    times in a row, and waits its turn for as long as the bound allows, not a number of times."""
    user = _user(two_per_second)
    transport = Counting()
    with RealtyImageClient(two_per_second.url, user.bearer_token, parallel=4, transport=transport) as client:
        realty = client.create_realty("Taking turns")
        saved = client.upload(realty.id, write_images(tmp_path, 8))
    assert len(saved) == 8
    assert transport.statuses.count(429) > 3


def test_an_is24_assignment_refused_by_the_limit_is_sent_again(five_seconds: Stack, tmp_path: Path) -> None:
    user = _user(five_seconds)
    project_id = str(projects.create(five_seconds.core, user.username, "PROFESSIONAL", "Limited").id)
    keys = user.oauth
    transport = Counting()
    with IS24Client(
        five_seconds.url,
        keys.consumer_key,
        keys.consumer_secret,
        keys.access_token,
        keys.access_token_secret,
        transport=transport,
    ) as client:
        for path in write_images(tmp_path, 3):  # a ticket and an assignment each: six requests
            client.upload_picture(project_id, path, "IMAGE", f"View of {path.stem}")
        titles = [a.title for a in client.attachments(project_id)]
    assert titles == ["View of photo00", "View of photo01", "View of photo02"]
    assert 429 in transport.statuses


def test_a_wait_beyond_the_bound_is_not_begun(an_hour: Stack) -> None:
    user = _user(an_hour)
    with RealtyImageClient(an_hour.url, user.bearer_token) as client:
        for _ in range(3):
            client.realties()
        began = time.monotonic()
        with pytest.raises(RateLimited) as refused:
            client.realties()
    assert time.monotonic() - began < RATE_LIMIT_WAIT
    assert refused.value.status_code == 429 and refused.value.code == "TOO_MANY_REQUESTS"
