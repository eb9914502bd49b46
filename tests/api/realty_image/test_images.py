"""Grants, saving, fetching, updating, deleting and publishing realty images, over real HTTP on
SQLite + local storage and PostgreSQL + S3."""

from __future__ import annotations

import hashlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from tests.api.realty_image.conftest import Api
from tests.support import image_bytes, post_form

# Exactly the fields of the document's sample form, on both backends (temporary credentials).
GRANT_FIELDS = {
    "key",
    "Policy",
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
}


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errorCode"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], list)
    return dict(body)


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/png", "image/webp"])
def test_grant_is_a_presigned_post_that_storage_accepts(api: Api, content_type: str) -> None:
    response = api.call("GET", f"/uploadGrants?type={content_type}")
    assert response.status_code == 200, response.text
    grant = response.json()
    assert grant["method"] == "POST"
    assert set(grant["fields"]) == GRANT_FIELDS
    assert grant["fields"]["key"].startswith("uploads/")
    uuid.UUID(grant["fields"]["key"].removeprefix("uploads/"))
    assert grant["fields"]["X-Amz-Security-Token"]  # temporary credentials, as the vendor signs with
    assert grant["fields"]["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    fmt = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}[content_type]
    posted = post_form(grant["url"], grant["fields"], image_bytes(fmt), "photo", content_type)
    assert posted.status_code in (200, 201, 204), posted.text
    realty = api.realty()
    saved = api.save(realty, [grant["fields"]["key"]])
    assert saved.status_code == 200, saved.text
    assert saved.json()["realtyImages"][0]["contentType"] == content_type


@pytest.mark.parametrize("query", ["", "?type=image/gif", "?type=application/pdf", "?type="])
def test_grant_for_a_missing_or_disallowed_type_is_400(api: Api, query: str) -> None:
    body = error_of(api.call("GET", f"/uploadGrants{query}"), 400, "BAD_REQUEST_PARAMETERS")
    assert body["errors"][0]["target"] == "type"


def test_save_appends_in_order_and_fetch_returns_everything(api: Api) -> None:
    realty = api.realty()
    first = [api.upload(image_bytes("JPEG", (80, 60), (i * 40, 0, 0))) for i in range(3)]
    saved = api.save(realty, first)
    assert saved.status_code == 200, saved.text
    assert [i["order"] for i in saved.json()["realtyImages"]] == [0, 1, 2]
    png = image_bytes("PNG", (30, 20))
    later = api.upload(png, "image/png")
    response = api.call("POST", f"/realty/{realty}/images", json={"uploadedImages": [{"key": later}]})
    assert response.status_code == 200, response.text
    listed = api.images(realty)
    assert [i["description"] for i in listed] == ["image 0", "image 1", "image 2", None]
    assert [i["order"] for i in listed] == [0, 1, 2, 3]
    last = listed[3]
    assert last["contentType"] == "image/png"
    assert (last["width"], last["height"], last["size"]) == (30, 20, len(png))
    assert last["sha256"] == hashlib.sha256(png).hexdigest()
    assert last["published"] is False
    assert last["createdAt"]
    # The url serves the very bytes.
    assert httpx.get(last["url"], timeout=30, follow_redirects=True).content == png
    assert listed[:3] == saved.json()["realtyImages"]


def test_keys_that_cannot_be_saved_are_400_naming_the_item(api: Api, other: Api) -> None:
    realty = api.realty()
    good = api.upload()
    not_uploaded = api.call("GET", "/uploadGrants?type=image/jpeg").json()["fields"]["key"]
    wrong_bytes = api.upload(image_bytes("PNG"), "image/jpeg")
    others = other.upload()
    unknown = f"uploads/{uuid.uuid4()}"
    response = api.save(realty, [good, not_uploaded, wrong_bytes, others, unknown, "../../etc/passwd"])
    body = error_of(response, 400, "BAD_REQUEST_BODY")
    targets = {e["target"]: e for e in body["errors"]}
    assert set(targets) == {f"uploadedImages[{i}].key" for i in (1, 2, 3, 4, 5)}
    assert targets["uploadedImages[2].key"]["errorCode"] == "INVALID_TYPE"
    assert "declared image/jpeg, found image/png" in targets["uploadedImages[2].key"]["message"]
    # All or nothing: the good one was not saved, and can still be.
    assert api.images(realty) == []
    assert api.save(realty, [good]).status_code == 200


def test_already_saved_and_repeated_keys_are_400(api: Api) -> None:
    realty = api.realty()
    key = api.upload()
    assert api.save(realty, [key]).status_code == 200
    body = error_of(api.save(realty, [key]), 400, "BAD_REQUEST_BODY")
    assert body["errors"][0]["target"] == "uploadedImages[0].key"
    assert "already" in body["errors"][0]["message"]
    fresh = api.upload()
    body = error_of(api.save(realty, [fresh, fresh]), 400, "BAD_REQUEST_BODY")
    assert [e["target"] for e in body["errors"]] == ["uploadedImages[1].key"]
    assert len(api.images(realty)) == 1


def test_expired_grant_is_400(api: Api) -> None:
    from datetime import timedelta

    from realtymedia.services.core import now

    realty = api.realty()
    key = api.upload()
    core = api.stack.core
    with core.unit_of_work() as uow:
        uow.tickets.by_key(key).expires_at = now() - timedelta(  # type: ignore[union-attr]
            seconds=core.settings.cleanup_grace_seconds + 10
        )
        uow.commit()
    body = error_of(api.save(realty, [key]), 400, "BAD_REQUEST_BODY")
    assert body["errors"][0]["target"] == "uploadedImages[0].key"
    assert "expired" in body["errors"][0]["message"]


@pytest.mark.parametrize("payload", [{"uploadedImages": []}, {}, {"uploadedImages": [{"description": "x"}]}])
def test_malformed_save_bodies_are_400(api: Api, payload: dict[str, Any]) -> None:
    realty = api.realty()
    body = error_of(api.call("POST", f"/realty/{realty}/images", json=payload), 400, "BAD_REQUEST_BODY")
    assert body["errors"]


def test_201_items_are_refused(api: Api) -> None:
    realty = api.realty()
    items = [{"key": f"uploads/{uuid.uuid4()}"} for _ in range(201)]
    body = error_of(
        api.call("POST", f"/realty/{realty}/images", json={"uploadedImages": items}), 400, "BAD_REQUEST_BODY"
    )
    assert body["errors"][0]["target"] == "uploadedImages"


def test_a_realty_never_passes_200_images(api: Api) -> None:
    realty = api.realty()
    api.seed(realty, 198)
    keys = [api.upload() for _ in range(3)]
    body = error_of(api.save(realty, keys), 400, "BAD_REQUEST_BODY")
    assert "at most 200" in body["errors"][0]["message"]
    assert len(api.images(realty)) == 198
    assert api.save(realty, keys[:2]).status_code == 200
    assert len(api.images(realty)) == 200
    body = error_of(api.save(realty, keys[2:]), 400, "BAD_REQUEST_BODY")
    assert len(api.images(realty)) == 200


def test_the_limit_holds_under_concurrent_saves(api: Api) -> None:
    realty = api.realty()
    api.seed(realty, 194)
    batches = [[api.upload() for _ in range(3)] for _ in range(4)]  # 4 x 3 on 194: only two fit
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda keys: api.save(realty, keys), batches))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 400, 400], [r.text for r in responses]
    listed = api.images(realty)
    assert len(listed) == 200
    assert [i["order"] for i in listed] == list(range(200))


def test_update_sets_order_and_descriptions_of_the_full_list(api: Api) -> None:
    realty = api.realty()
    saved = api.save(realty, [api.upload() for _ in range(3)]).json()["realtyImages"]
    a, b, c = (i["id"] for i in saved)
    response = api.call(
        "PUT",
        f"/realty/{realty}/images",
        json={"realtyImages": [{"id": c, "description": "Kitchen"}, {"id": a}, {"id": b, "description": None}]},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {}
    listed = api.images(realty)
    assert [i["id"] for i in listed] == [c, a, b]
    assert [i["order"] for i in listed] == [0, 1, 2]
    assert [i["description"] for i in listed] == ["Kitchen", "image 0", None]


@pytest.mark.parametrize("shape", ["missing", "unknown", "duplicate"])
def test_update_with_a_list_that_is_not_the_full_list_changes_nothing(api: Api, shape: str) -> None:
    realty = api.realty()
    ids = [i["id"] for i in api.save(realty, [api.upload() for _ in range(3)]).json()["realtyImages"]]
    given = {
        "missing": [ids[2], ids[1]],
        "unknown": [ids[2], ids[1], ids[0], str(uuid.uuid4())],
        "duplicate": [ids[2], ids[1], ids[1], ids[0]],
    }[shape]
    body = {"realtyImages": [{"id": i, "description": "changed"} for i in given]}
    error_of(api.call("PUT", f"/realty/{realty}/images", json=body), 400, "BAD_REQUEST_BODY")
    listed = api.images(realty)
    assert [i["id"] for i in listed] == ids
    assert all(i["description"] != "changed" for i in listed)


def test_delete_removes_image_and_object_and_closes_the_gap(api: Api) -> None:
    realty = api.realty()
    saved = api.save(realty, [api.upload() for _ in range(3)]).json()["realtyImages"]
    core = api.stack.core
    key = saved[1]["url"].split("/files/", 1)[1]
    assert core.storage.head(key) is not None
    response = api.call("DELETE", f"/realty/{realty}/images/{saved[1]['id']}")
    assert response.status_code == 200, response.text
    assert response.json() == {}
    assert core.storage.head(key) is None
    listed = api.images(realty)
    assert [i["id"] for i in listed] == [saved[0]["id"], saved[2]["id"]]
    assert [i["order"] for i in listed] == [0, 1]
    error_of(api.call("DELETE", f"/realty/{realty}/images/{saved[1]['id']}"), 404, "NOT_FOUND")


def test_published_images_cannot_be_deleted(api: Api) -> None:
    realty = api.realty()
    saved = api.save(realty, [api.upload()]).json()["realtyImages"]
    published = api.call("POST", f"/realty/{realty}/publish")
    assert published.status_code == 200, published.text
    assert published.json()["published"] is True
    assert api.images(realty)[0]["published"] is True
    error_of(api.call("DELETE", f"/realty/{realty}/images/{saved[0]['id']}"), 409, "STATUS_CONFLICT")
    assert len(api.images(realty)) == 1
    # An image saved after publishing is not published until the next publish.
    later = api.save(realty, [api.upload()]).json()["realtyImages"][0]
    assert later["published"] is False
    assert api.call("DELETE", f"/realty/{realty}/images/{later['id']}").status_code == 200


def test_realties_of_the_caller(api: Api, other: Api) -> None:
    first = api.realty("First")
    second = api.realty("Second")
    other.realty("Not mine")
    listed = api.call("GET", "/realty").json()
    assert [r["id"] for r in listed["realties"]] == [first, second]
    assert listed["totalCount"] == 2
    api.save(first, [api.upload()])
    one = api.call("GET", f"/realty/{first}").json()
    assert (one["name"], one["imageCount"], one["published"]) == ("First", 1, False)
    bare = api.call("POST", "/realty")  # the body is optional
    assert bare.status_code == 201, bare.text
    third = bare.json()["id"]
    page = api.call("GET", "/realty?startIndex=1&size=1").json()
    assert ([r["id"] for r in page["realties"]], page["totalCount"]) == ([second], 3)
    assert [r["imageCount"] for r in api.call("GET", "/realty").json()["realties"]] == [1, 0, 0]
    assert [r["id"] for r in api.call("GET", "/realty?startIndex=2").json()["realties"]] == [third]
    assert api.call("GET", "/realty?startIndex=3").json()["realties"] == []
    error_of(api.call("GET", "/realty?size=201"), 400, "BAD_REQUEST_PARAMETERS")


def test_racing_saves_of_the_same_uploads_save_them_once(api: Api) -> None:
    realty = api.realty()
    keys = [api.upload() for _ in range(4)]
    with ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(lambda _: api.save(realty, keys), range(3)))
    assert sorted(r.status_code for r in responses) == [200, 400, 400], [r.text for r in responses]
    assert len(api.images(realty)) == 4
