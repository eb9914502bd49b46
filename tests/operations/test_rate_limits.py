"""Rate limits over real HTTP on both stacks: per credential in each dialect's own error format
with Retry-After, per client address for requests without one (S3's SlowDown on the storage
endpoint), never for probes and scrapes; and one count shared by two applications (two workers)
when the counts live in Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import httpx
import pytest

from realtymedia.app import create_app
from realtymedia.services.core import Core
from tests.conftest import STACKS, start_stack
from tests.faults.conftest import Actor, actor, jpeg
from tests.operations.conftest import METRICS_TOKEN
from tests.support import Stack, ThreadedServer

PER_CREDENTIAL, PER_ADDRESS = 5, 4
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=STACKS)
def limited(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from start_stack(
        request.param,
        request,
        tmp_path_factory,
        rate_limit_per_credential=f"{PER_CREDENTIAL}/minute",
        rate_limit_per_address=f"{PER_ADDRESS}/minute",
        metrics_token=METRICS_TOKEN,
    )


@pytest.fixture
def dana(limited: Stack) -> Iterator[Actor]:
    yield from actor(limited)


@pytest.fixture
def eric(limited: Stack) -> Iterator[Actor]:
    yield from actor(limited)


def retry_after(response: httpx.Response) -> int:
    seconds = int(response.headers["retry-after"])
    assert 1 <= seconds <= 60
    return seconds


def test_realty_image_credential(dana: Actor, eric: Actor) -> None:
    answers = [dana.ri.images(dana.realty_id).send(dana.client) for _ in range(PER_CREDENTIAL)]
    assert [a.status_code for a in answers] == [200] * PER_CREDENTIAL
    request_id = str(uuid.uuid4())
    refused = dana.ri.save(dana.realty_id, ["uploads/x"], request_id).send(dana.client)
    assert refused.status_code == 429
    assert refused.json() == {
        "errorCode": "TOO_MANY_REQUESTS",
        "message": f"Too many requests: retry after {retry_after(refused)} seconds.",
        "errors": [],
    }
    assert refused.headers["request-id"] == request_id
    assert refused.headers["x-content-type-options"] == "nosniff"
    # Another credential is counted on its own.
    assert eric.ri.images(eric.realty_id).send(eric.client).status_code == 200


@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
def test_is24_credential(dana: Actor, accept: str) -> None:
    for _ in range(PER_CREDENTIAL):
        assert dana.is24.attachments(dana.project_id).send(dana.client).status_code == 200
    refused = dana.is24.attachments(dana.project_id, accept).send(dana.client)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith(accept)
    assert "ERROR_COMMON_TOO_MANY_REQUESTS" in refused.text
    assert f"retry after {retry_after(refused)} seconds" in refused.text
    assert refused.headers["l-is24-requestrefnum"]
    # The bearer token of the same user is another credential.
    assert dana.ri.images(dana.realty_id).send(dana.client).status_code == 200


def test_address_without_credential(limited: Stack) -> None:
    with limited.client() as client:
        answers = [client.get("/files/media/none.jpg") for _ in range(PER_ADDRESS)]
        assert [a.status_code for a in answers] == [404] * PER_ADDRESS
        page = client.get("/files/media/none.jpg")
        assert page.status_code == 429 and page.json()["errorCode"] == "TOO_MANY_REQUESTS"
        retry_after(page)
        upload = client.post("/storage/realtymedia", files={"file": ("x.jpg", jpeg(), "image/jpeg")})
        assert upload.status_code == 503 and "<Code>SlowDown</Code>" in upload.text
        retry_after(upload)
        # Probes and scrapes are never limited.
        for _ in range(PER_ADDRESS + 2):
            assert client.get("/healthz").status_code == 200
            assert client.get("/readyz").status_code == 200
            assert client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 200
        metrics = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    assert 'realtymedia_rate_limit_refusals_total{dialect="storage",limit="address"}' in metrics


def test_redis_counts_are_shared_by_two_workers(stack: Stack) -> None:
    """Two applications on the same database and Redis, as two worker processes are: a credential
    spends its limit in both together."""
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail("Redis is unreachable, and CI requires the Redis tests to run")
        pytest.skip("Redis is unreachable")
    settings = stack.settings.model_copy(
        update={"rate_limit_per_credential": f"{PER_CREDENTIAL}/minute", "rate_limit_storage": REDIS}
    )
    cores = [Core.from_settings(settings) for _ in range(2)]
    try:
        with ThreadedServer(create_app(cores[0])) as one, ThreadedServer(create_app(cores[1])) as two:
            user = next(actor(stack))
            statuses = []
            for n in range(PER_CREDENTIAL + 1):
                server = one if n % 2 == 0 else two
                with httpx.Client(base_url=server.url, timeout=30) as client:
                    statuses.append(user.ri.images(user.realty_id).send(client).status_code)
    finally:
        for core in cores:
            core.close()
    assert statuses == [200] * PER_CREDENTIAL + [429]
