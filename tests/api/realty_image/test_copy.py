"""Copying a realty's images to another: server-side object copies, new ids and keys, the limit."""

from __future__ import annotations

import time
import uuid

import pytest
from tests.api.realty_image.conftest import Api
from tests.api.realty_image.test_images import error_of

from realtymedia.storage import keys


def test_copy_appends_copies_after_the_targets_images(api: Api) -> None:
    source, target = api.realty("Source"), api.realty("Target")
    originals = api.save(source, [api.upload() for _ in range(3)]).json()["realtyImages"]
    api.call("PUT", f"/realty/{source}/images", json={"realtyImages": [{"id": i["id"]} for i in originals[::-1]]})
    api.call("POST", f"/realty/{source}/publish")
    own = api.save(target, [api.upload()]).json()["realtyImages"]
    response = api.call("POST", f"/realty/{target}/images/copy", json={"sourceRealtyId": source})
    assert response.status_code == 200, response.text
    assert response.json() == {}
    listed = api.images(target)
    source_now = api.images(source)
    assert len(listed) == 4
    assert listed[0]["id"] == own[0]["id"]
    copies = listed[1:]
    assert [c["description"] for c in copies] == [s["description"] for s in source_now]
    assert [c["sha256"] for c in copies] == [s["sha256"] for s in source_now]
    assert [c["order"] for c in copies] == [1, 2, 3]
    assert all(c["published"] is False for c in copies)
    assert not {c["id"] for c in copies} & {s["id"] for s in source_now}
    assert not {c["url"] for c in copies} & {s["url"] for s in source_now}
    # Each copy has an object of its own: deleting it leaves the source's intact.
    core = api.stack.core
    key = copies[0]["url"].split("/files/", 1)[1]
    assert core.storage.head(key) is not None
    assert api.call("DELETE", f"/realty/{target}/images/{copies[0]['id']}").status_code == 200
    assert core.storage.head(key) is None
    for image in source_now:
        assert core.storage.head(image["url"].split("/files/", 1)[1]) is not None


def test_copy_needs_both_realties_to_be_the_callers(api: Api, other: Api) -> None:
    mine, theirs = api.realty(), other.realty()
    other.save(theirs, [other.upload()])
    error_of(api.call("POST", f"/realty/{mine}/images/copy", json={"sourceRealtyId": theirs}), 404, "NOT_FOUND")
    error_of(api.call("POST", f"/realty/{theirs}/images/copy", json={"sourceRealtyId": mine}), 404, "NOT_FOUND")
    missing = str(uuid.uuid4())
    error_of(api.call("POST", f"/realty/{mine}/images/copy", json={"sourceRealtyId": missing}), 404, "NOT_FOUND")
    assert api.images(mine) == []
    assert len(other.images(theirs)) == 1


def test_copy_that_would_pass_200_changes_nothing(api: Api) -> None:
    source, target = api.realty(), api.realty()
    api.seed(source, 5)
    api.seed(target, 196)
    error_of(
        api.call("POST", f"/realty/{target}/images/copy", json={"sourceRealtyId": source}), 400, "BAD_REQUEST_BODY"
    )
    assert len(api.images(target)) == 196


def test_copy_of_200_images_is_fast(api: Api) -> None:
    source, target = api.realty(), api.realty()
    api.seed(source, 200)
    started = time.monotonic()
    response = api.call("POST", f"/realty/{target}/images/copy", json={"sourceRealtyId": source})
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert len(api.images(target)) == 200
    if api.stack.settings.storage == "local":
        assert elapsed < 2.0, elapsed


def _keys_under(api: Api, prefix: str) -> list[str]:
    keys: list[str] = api.stack.core.storage.list_keys(prefix)
    return keys


def test_a_failed_copy_leaves_no_rows_and_no_objects(api: Api) -> None:
    source, target = api.realty(), api.realty()
    saved = api.save(source, [api.upload() for _ in range(4)]).json()["realtyImages"]
    # One source object is gone (storage trouble): the copy fails as a whole.
    api.stack.core.storage.delete(saved[2]["url"].split("/files/", 1)[1])
    rid = str(uuid.uuid4())
    response = api.call("POST", f"/realty/{target}/images/copy", json={"sourceRealtyId": source}, rid=rid)
    error_of(response, 500, "TECHNICAL_ERROR")
    assert response.headers["Request-ID"] == rid
    assert api.images(target) == []
    assert _keys_under(api, keys.realty_prefix(target)) == []
    # A 500 is not kept: the same Request-ID executes again once the trouble is gone.
    api.call("DELETE", f"/realty/{source}/images/{saved[2]['id']}")
    again = api.call("POST", f"/realty/{target}/images/copy", json={"sourceRealtyId": source}, rid=rid)
    assert again.status_code == 200, again.text
    assert "Idempotent-Replayed" not in again.headers
    assert len(api.images(target)) == 3
    assert len(_keys_under(api, keys.realty_prefix(target))) == 3


def test_a_copy_failing_while_slower_copies_run_leaves_no_objects(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The copies share a process-wide pool: the cleanup after a failure must wait for the copies
    still running, or those land after it and stay forever (storage as slow as S3 here)."""
    from realtymedia.services import realty_images
    from realtymedia.storage import StorageError

    source, target = api.realty(), api.realty()
    api.save(source, [api.upload() for _ in range(4)])
    core = api.stack.core
    real_copy = core.storage.copy
    first = realty_images.images(core, api.user_id, source, "")[0].url.split("/files/", 1)[1]

    def slow_copy(key: str, to: str) -> None:
        if key == first:
            time.sleep(0.05)
            raise StorageError("source vanished")
        time.sleep(0.4)
        real_copy(key, to)

    monkeypatch.setattr(core.storage, "copy", slow_copy)
    with pytest.raises(StorageError):
        realty_images.copy(core, api.user_id, target, source)
    time.sleep(0.6)
    assert _keys_under(api, keys.realty_prefix(target)) == []
    assert api.images(target) == []
