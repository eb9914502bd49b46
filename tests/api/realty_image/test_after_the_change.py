"""What a Request-ID keeps when the work says "not now" or when a step after its commit fails, over
real HTTP on every stack: a transient refusal (Throttled, Overloaded) is answered 429/503 with
Retry-After and not kept, so the same Request-ID runs again later; a failed follow-up of a committed
save (the used upload's removal, the renditions' warm-up) leaves the save's answer as it was and
kept, so a retry is answered the same instead of "already used"."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from tests.api.realty_image.conftest import Api

from realtymedia.api.realty_image.app import REPLAYED_HEADER
from realtymedia.domain.errors import Overloaded, Throttled, Transient
from realtymedia.services import realty_images


def failing_once(original: Callable[..., Any], error: Exception) -> Callable[..., Any]:
    calls = []

    def call(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise error
        return original(*args, **kwargs)

    return call


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (Overloaded("The byte checks are full: try again shortly.", retry_after=3), 503, "TECHNICAL_ERROR"),
        (Throttled("Too many saves: try again in 7 s.", retry_after=7), 429, "TOO_MANY_REQUESTS"),
    ],
)
def test_a_transient_refusal_is_answered_with_retry_after_and_not_kept(
    api: Api, monkeypatch: pytest.MonkeyPatch, error: Transient, status: int, code: str
) -> None:
    realty, key, rid = api.realty(), api.upload(), str(uuid.uuid4())
    monkeypatch.setattr(realty_images, "save", failing_once(realty_images.save, error))

    refused = api.save(realty, [key], rid=rid)
    assert refused.status_code == status, refused.text
    assert refused.headers["Retry-After"] == str(error.retry_after)
    assert refused.headers["Request-ID"] == rid
    assert refused.json() == {"errorCode": code, "message": str(error), "errors": []}
    assert api.images(realty) == []

    retried = api.save(realty, [key], rid=rid)  # the same Request-ID runs again: nothing was kept
    assert retried.status_code == 200, retried.text
    assert REPLAYED_HEADER not in retried.headers
    assert [image["id"] for image in api.images(realty)] == [retried.json()["realtyImages"][0]["id"]]


def test_a_failed_follow_up_leaves_the_committed_save_answered_and_kept(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    realty, key, rid = api.realty(), api.upload(), str(uuid.uuid4())
    renditions = api.stack.core.renditions

    def broken_warm(picture_ids: object) -> None:
        raise RuntimeError("cannot schedule new futures after shutdown")

    monkeypatch.setattr(renditions, "warm", broken_warm)
    saved = api.save(realty, [key], rid=rid)
    assert saved.status_code == 200, saved.text
    again = api.save(realty, [key], rid=rid)
    assert (again.status_code, again.headers.get(REPLAYED_HEADER)) == (200, "true"), again.text
    assert again.json() == saved.json()
    assert len(api.images(realty)) == 1
