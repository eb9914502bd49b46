"""`realtymedia serve --workers 2` on PostgreSQL and moto's S3 server, both dialects driven
through it from many connections at once (so that both worker processes answer, as their pids in
the request log show): an OAuth nonce is spent once, a Request-ID replays the same answer, the
200-image limit and the single items per product hold, a revoked bearer token is refused by
every worker within settings.bearer_cache_seconds, and /metrics adds up both workers."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bench import processes
from bench.api import Request

from realtymedia.services.core import Core
from tests.faults.conftest import Actor, actor, jpeg
from tests.faults.test_concurrency import race
from tests.operations.conftest import METRICS_TOKEN
from tests.support import Stack, make_settings

PARALLEL = 8
CACHE_SECONDS = 2


@pytest.fixture(scope="module")
def workers(
    postgres_url: str, moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Stack, processes.Server]]:
    data_dir = tmp_path_factory.mktemp("workers")
    settings = make_settings(data_dir, postgres_url, "s3", moto_endpoint, bearer_cache_seconds=CACHE_SECONDS)
    import boto3

    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="eu-west-1", aws_access_key_id="testing",
                      aws_secret_access_key="testing")  # fmt: skip
    try:
        s3.create_bucket(Bucket=settings.s3_bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    env = {
        "storage": "s3",
        "s3_endpoint_url": moto_endpoint,
        "s3_sts_endpoint_url": moto_endpoint,
        "s3_bucket": settings.s3_bucket,
        "s3_access_key_id": "testing",
        "s3_secret_access_key": "testing",
        "bearer_cache_seconds": str(CACHE_SECONDS),
        "metrics_token": METRICS_TOKEN,
    }
    server = processes.service(data_dir, postgres_url, data_dir / "serve.log", **env)
    server.argv.remove("--no-access-log")
    server.argv += ["--workers", "2"]
    server.start(timeout=180)  # two workers' start-up on a busy machine
    core = Core.from_settings(settings)
    try:
        yield Stack("workers", settings, core, server.url, {"log": data_dir / "serve.log"}), server
    finally:
        server.stop()
        core.close()


@pytest.fixture(scope="module")
def frank(workers: tuple[Stack, processes.Server]) -> Iterator[Actor]:
    yield from actor(workers[0])


def worker_of(stack: Stack, references: list[str]) -> dict[str, int]:
    """reference -> pid of the worker that answered it, from the request log (written just after the answer)."""
    wanted, found = set(references), {}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in stack.extra["log"].read_text().splitlines():
            record = json.loads(line)
            if record.get("logger") == "realtymedia.requests" and record["request_ref"] in wanted:
                found[record["request_ref"]] = record["pid"]
        if set(found) == wanted:
            break
        time.sleep(0.1)
    return found


def refnums(answers: list[httpx.Response]) -> list[str]:
    return [a.headers["l-is24-requestrefnum"] for a in answers]


def with_reference(request: Request) -> tuple[Request, str]:
    """The request with a Request-ID of its own: the request log's reference, even for a GET."""
    reference = str(uuid.uuid4())
    return Request(request.method, request.path, {**request.headers, "Request-ID": reference}, request.body), reference


def test_both_workers_answer_and_a_nonce_is_spent_once(frank: Actor) -> None:
    signed = frank.is24.attachments(frank.project_id)  # one nonce, sent from eight connections at once
    answers = race(frank, [signed] * PARALLEL)
    assert Counter(a.status_code for a in answers) == {200: 1, 401: PARALLEL - 1}, [a.text for a in answers]
    # Fresh nonces from many connections: both processes answer (the kernel picks; a few rounds at most).
    assert len(both_answered(frank, answers)) == 2


def both_answered(frank: Actor, answers: list[httpx.Response]) -> set[int]:
    """The workers that answered `answers`, with more IS24 lists sent until both have answered some."""
    pids = set(worker_of(frank.stack, refnums(answers)).values())
    for _ in range(6):
        if len(pids) == 2:
            break
        more = race(frank, [frank.is24.attachments(frank.project_id) for _ in range(3 * PARALLEL)])
        assert all(a.status_code == 200 for a in more)
        pids |= set(worker_of(frank.stack, refnums(more)).values())
    assert len(pids) == 2, pids
    return pids


def test_a_request_id_replays_across_workers(frank: Actor) -> None:
    keys = [frank.granted(jpeg(n)) for n in range(2)]
    request_id = str(uuid.uuid4())
    save = frank.ri.save(frank.realty_id, keys, request_id)
    first = save.send(frank.client)
    assert first.status_code == 200, first.text
    replays = race(frank, [save] * PARALLEL)
    assert all(r.status_code == 200 and r.content == first.content for r in replays), [r.text for r in replays]
    assert all(r.headers.get("idempotent-replayed") == "true" for r in replays)
    assert len(frank.image_ids()) == 2
    other = frank.ri.save(frank.realty_id, [frank.granted(jpeg(9))], request_id)  # another request, same id
    assert race(frank, [other] * 2)[0].status_code == 409


def test_two_hundred_images_and_single_items_hold_across_workers(frank: Actor) -> None:
    source = frank.new_realty()
    frank.images(10, source)
    target = frank.new_realty()
    for _ in range(19):
        assert frank.ri.copy(target, source).send(frank.client).status_code == 200
    batches = [[frank.granted(jpeg(100 + b * 5 + i)) for i in range(5)] for b in range(6)]
    answers = race(frank, [frank.ri.save(target, keys) for keys in batches])
    assert sorted(r.status_code for r in answers) == [200, 200, 400, 400, 400, 400], [r.text for r in answers]
    assert len(frank.image_ids(target)) == 200

    logos = [frank.is24.assign(frank.project_id, {"@xsi.type": "realestateproject:Picture",
                                                  "@id": frank.upload_ticket(jpeg(n)), "pictureType": "COMPANY_LOGO"})
             for n in range(PARALLEL)]  # fmt: skip
    assigned = race(frank, logos)
    assert Counter(a.status_code for a in assigned) == {201: 1, 412: PARALLEL - 1}, [a.text for a in assigned]


def from_both_workers(frank: Actor, status: int) -> None:
    """Rounds of GET images from many connections at once until both workers have answered: each
    answer must have `status`. Which process accepts a connection is the kernel's choice."""
    pids: set[int] = set()
    for _ in range(6):
        with_ids = [with_reference(frank.ri.images(frank.realty_id)) for _ in range(3 * PARALLEL)]
        answers = race(frank, [request for request, _ in with_ids])
        odd = [(a.status_code, a.text[:200]) for a in answers if a.status_code != status]
        assert not odd, f"{len(odd)} of {len(answers)} not {status}: {odd[:3]}"
        pids |= set(worker_of(frank.stack, [ref for _, ref in with_ids]).values())
        if len(pids) == 2:
            return
    raise AssertionError(f"only {pids} answered")


def test_a_revoked_token_is_refused_by_every_worker_within_the_cache_time(frank: Actor) -> None:
    from_both_workers(frank, 200)  # both remember the token now
    stack = frank.stack
    revoked = json.loads(processes.cli(processes.service_env(stack.settings.data_dir, stack.settings.database_url),
                                       "users", "revoke-token", frank.user.bearer))  # fmt: skip
    assert revoked == {"revoked": True}
    time.sleep(CACHE_SECONDS + 0.5)
    from_both_workers(frank, 401)


def test_metrics_add_up_both_workers(frank: Actor, workers: tuple[Stack, processes.Server]) -> None:
    """The IS24 list answered 200 or 401, as /metrics counts it, against the request lines of both workers."""
    stack, server = workers
    route = "/restapi/api/offer/v1.0/user/{username}/realestateproject/{project_id}/attachment"
    # Under xdist this module's tests may run on several test workers, each with its own servers:
    # this test makes its own requests rather than count on an earlier test's.
    both_answered(frank, race(frank, [frank.is24.attachments(frank.project_id) for _ in range(PARALLEL)]))
    time.sleep(0.5)  # the last lines are written just after their answers
    records = [json.loads(line) for line in Path(stack.extra["log"]).read_text().splitlines()]
    served = Counter(
        r["pid"] for r in records if r.get("logger") == "realtymedia.requests" and r["route"] == route
        and r["status"] in (200, 401)
    )  # fmt: skip
    assert len(served) == 2, served  # both workers answered some (the first test saw to it)
    samples = [f'realtymedia_requests_total{{dialect="is24",route="{route}",status="{n}"}}' for n in (200, 401)]
    for _ in range(4):  # from fresh connections: whichever worker answers the scrape counts both
        scraped = httpx.get(f"{stack.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
        total = sum(float(row.split()[-1]) for row in scraped.splitlines() if row.startswith(tuple(samples)))
        assert total == sum(served.values()), (total, served)
    assert server.process is not None and server.process.poll() is None
