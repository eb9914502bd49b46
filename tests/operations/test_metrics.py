"""/metrics over real HTTP on both stacks: protected by its token, in Prometheus' text format, and
counting what the issue lists while both dialects are driven."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import start_stack
from tests.faults.conftest import Actor, jpeg
from tests.operations.conftest import METRICS_TOKEN
from tests.support import Stack

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(actor: Actor) -> Samples:
    response = actor.client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_need_the_token(carol: Actor) -> None:
    client = carol.client
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {carol.user.bearer}"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 200


@pytest.fixture(scope="module")
def unmetered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from start_stack("sqlite-local", request, tmp_path_factory)


def test_metrics_are_off_without_a_token_setting(unmetered: Stack) -> None:
    with unmetered.client() as client:
        assert client.get("/metrics").status_code == 404


def test_both_dialects_are_counted(carol: Actor) -> None:
    before = scrape(carol)
    attachment = carol.picture(1)  # IS24: ticket, upload, assign
    carol.images(2)  # Realty Image: two grants and uploads, one save
    not_an_image = carol.granted(b"%PDF-1.4 not a jpeg at all")
    refused = carol.ri.save(carol.realty_id, [not_an_image]).send(carol.client)
    assert refused.status_code == 400, refused.text
    listed = carol.is24.attachments(carol.project_id).send(carol.client)
    assert listed.status_code == 200 and attachment in listed.text
    after = scrape(carol)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    is24_attachments = "/restapi/api/offer/v1.0/user/{username}/realestateproject/{project_id}/attachment"
    assert grew("realtymedia_requests_total", dialect="is24", route=is24_attachments, status="201") == 1
    assert grew("realtymedia_requests_total", dialect="is24", route=is24_attachments, status="200") == 1
    save = "/realty-image/v2/realty/{realtyId}/images"
    assert grew("realtymedia_requests_total", dialect="realty_image", route=save, status="200") == 1
    assert grew("realtymedia_requests_total", dialect="realty_image", route=save, status="400") == 1
    assert grew("realtymedia_requests_total", dialect="realty_image", route="/realty-image/v2/uploadGrants",
                status="200") == 3  # fmt: skip
    assert grew("realtymedia_request_duration_seconds_count", dialect="realty_image", route=save) == 2
    assert grew("realtymedia_upload_tickets_issued_total", dialect="is24") == 1
    assert grew("realtymedia_upload_tickets_issued_total", dialect="realty_image") == 3
    assert grew("realtymedia_uploads_confirmed_total", dialect="is24") == 1
    assert grew("realtymedia_uploads_confirmed_total", dialect="realty_image") == 2
    assert grew("realtymedia_uploads_refused_total", dialect="realty_image", reason="CONTENT_MISMATCH") == 1
    assert value(after, "realtymedia_byte_checks_in_flight") == 0
    for pool in ("threads", "loop"):
        assert ("realtymedia_database_connections_in_use", frozenset({("pool", pool)})) in after
    if carol.stack.settings.storage == "local":
        assert grew("realtymedia_requests_total", dialect="storage", route="/storage/{bucket}", status="204") == 4


def test_unknown_paths_count_under_one_label(carol: Actor) -> None:
    before = scrape(carol)
    for n in range(3):
        assert carol.client.get(f"/realty-image/v2/nowhere/{n}").status_code == 404
    after = scrape(carol)
    labels = {"dialect": "realty_image", "route": "(unmatched)", "status": "404"}
    name = "realtymedia_requests_total"
    assert value(after, name, **labels) - value(before, name, **labels) == 3
    assert not any("nowhere" in str(key) for key in after)


def test_renditions_made_and_served_from_storage_are_counted(carol: Actor) -> None:
    """A rendition's first request makes it (realtymedia_renditions_made), later ones are served as
    stored (realtymedia_renditions_served_from_storage), a revalidation (304) is neither. Only the
    served count is exact: another test's background warm-up may make renditions meanwhile."""
    key = carol.granted(jpeg(7, (800, 600)))
    saved = carol.ri.save(carol.realty_id, [key]).send(carol.client)
    assert saved.status_code == 200, saved.text
    template = saved.json()["realtyImages"][0]["renditions"]["SCALE"]
    url = template.replace("%WIDTH%", "400").replace("%HEIGHT%", "300")  # a listed size, not warmed up
    made, from_storage = "realtymedia_renditions_made_total", "realtymedia_renditions_served_from_storage_total"

    before = scrape(carol)
    first = carol.client.get(url)
    assert first.status_code == 200
    after = scrape(carol)
    assert value(after, made) - value(before, made) >= 1
    assert value(after, from_storage) == value(before, from_storage)

    for expected in (1, 2):
        assert carol.client.get(url).status_code == 200
        assert value(scrape(carol), from_storage) == value(after, from_storage) + expected
    revalidated = carol.client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert revalidated.status_code == 304
    assert value(scrape(carol), from_storage) == value(after, from_storage) + 2
