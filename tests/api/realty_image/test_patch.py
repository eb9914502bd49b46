"""Our additions for one image and one realty: PATCH an image's description or place without the
full list, and PATCH a realty's name. Each is once per Request-ID, and bad input changes nothing."""

from __future__ import annotations

import uuid

from tests.api.realty_image.conftest import Api


def _three(api: Api) -> tuple[str, list[str]]:
    realty = api.realty()
    saved = api.save(realty, [api.upload() for _ in range(3)])
    assert saved.status_code == 200, saved.text
    return realty, [i["id"] for i in saved.json()["realtyImages"]]


def test_one_description_changes_whatever_the_rest_of_the_list_is(api: Api) -> None:
    realty, ids = _three(api)
    # Another client adds an image meanwhile: a full-list PUT built earlier would be refused now.
    assert api.save(realty, [api.upload()]).status_code == 200
    answer = api.call("PATCH", f"/realty/{realty}/images/{ids[0]}", json={"description": "Kitchen"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["description"] == "Kitchen" and answer.json()["order"] == 0
    assert [i["description"] for i in api.images(realty)] == ["Kitchen", "image 1", "image 2", "image 0"]


def test_one_image_moves_and_the_others_keep_their_order(api: Api) -> None:
    realty, ids = _three(api)
    answer = api.call("PATCH", f"/realty/{realty}/images/{ids[2]}", json={"position": 0})
    assert answer.status_code == 200, answer.text
    assert answer.json()["order"] == 0
    assert [i["id"] for i in api.images(realty)] == [ids[2], ids[0], ids[1]]
    # Past the end: last. Description untouched when absent.
    assert api.call("PATCH", f"/realty/{realty}/images/{ids[2]}", json={"position": 50}).json()["order"] == 2
    assert [i["id"] for i in api.images(realty)] == [ids[0], ids[1], ids[2]]
    assert api.images(realty)[2]["description"] == "image 2"


def test_a_repeated_request_id_patches_once_and_bad_input_changes_nothing(api: Api) -> None:
    realty, ids = _three(api)
    rid = str(uuid.uuid4())
    first = api.call("PATCH", f"/realty/{realty}/images/{ids[0]}", json={"position": 2}, rid=rid)
    again = api.call("PATCH", f"/realty/{realty}/images/{ids[0]}", json={"position": 2}, rid=rid)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    before = api.images(realty)

    for body, target in (
        ({"description": "x" * 2001}, "description"),
        ({"description": "two\nlines"}, "description"),
        ({"position": -1}, "position"),
    ):
        refused = api.call("PATCH", f"/realty/{realty}/images/{ids[1]}", json=body)
        assert refused.status_code == 400, refused.text
        assert refused.json()["errorCode"] == "BAD_REQUEST_BODY"
        assert [e["target"] for e in refused.json()["errors"]] == [target]
    missing = api.call("PATCH", f"/realty/{realty}/images/{uuid.uuid4()}", json={"description": "x"})
    assert missing.status_code == 404 and missing.json()["errorCode"] == "NOT_FOUND"
    assert api.images(realty) == before


def test_another_users_image_is_not_found(api: Api, other: Api) -> None:
    realty, ids = _three(api)
    refused = other.call("PATCH", f"/realty/{realty}/images/{ids[0]}", json={"description": "mine"})
    assert refused.status_code == 404
    assert other.call("PATCH", f"/realty/{realty}", json={"name": "mine"}).status_code == 404
    assert api.images(realty)[0]["description"] == "image 0"


def test_a_realty_is_renamed(api: Api) -> None:
    realty = api.realty("Old name")
    answer = api.call("PATCH", f"/realty/{realty}", json={"name": "Sunny two-room flat, Kallio"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["name"] == "Sunny two-room flat, Kallio"
    assert api.call("GET", f"/realty/{realty}").json()["name"] == "Sunny two-room flat, Kallio"
    for body in ({"name": "x" * 201}, {"name": "line\nbreak"}, {}):
        assert api.call("PATCH", f"/realty/{realty}", json=body).status_code == 400
    assert api.call("GET", f"/realty/{realty}").json()["name"] == "Sunny two-room flat, Kallio"
