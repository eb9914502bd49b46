"""GET images is rendered once per version of the realty and kept: every kind of change must show
on the next GET after a GET that filled the cache, whoever made the change."""

from __future__ import annotations

from tests.api.realty_image.conftest import Api
from tests.api.realty_image.test_images import error_of

from realtymedia.services import realty_images


def ids(api: Api, realty: str) -> list[str]:
    return [image["id"] for image in api.images(realty)]


def test_every_change_shows_on_the_next_get(api: Api) -> None:
    realty = api.realty()
    assert api.images(realty) == []
    first = api.save(realty, [api.upload(), api.upload()]).json()["realtyImages"]
    assert ids(api, realty) == [i["id"] for i in first]

    reordered = [{"id": first[1]["id"], "description": "now first"}, {"id": first[0]["id"]}]
    assert api.call("PUT", f"/realty/{realty}/images", json={"realtyImages": reordered}).status_code == 200
    listed = api.images(realty)
    assert [i["id"] for i in listed] == [first[1]["id"], first[0]["id"]]
    assert listed[0]["description"] == "now first"

    assert api.call("DELETE", f"/realty/{realty}/images/{first[0]['id']}").status_code == 200
    assert ids(api, realty) == [first[1]["id"]]

    assert api.call("POST", f"/realty/{realty}/publish").status_code == 200
    assert [i["published"] for i in api.images(realty)] == [True]

    target = api.realty("Target")
    assert api.images(target) == []
    assert api.call("POST", f"/realty/{target}/images/copy", json={"sourceRealtyId": realty}).status_code == 200
    assert len(api.images(target)) == 1


def test_a_change_made_by_another_worker_shows_at_once(api: Api) -> None:
    """The server's cache is checked against the database's version on every GET: a change made
    through another process's core (here the test's own) is seen without any message between them."""
    realty = api.realty()
    saved = api.save(realty, [api.upload(), api.upload()]).json()["realtyImages"]
    assert ids(api, realty) == [saved[0]["id"], saved[1]["id"]]
    changes = [realty_images.ImageChange(saved[1]["id"]), realty_images.ImageChange(saved[0]["id"])]
    realty_images.update(api.stack.core, api.user_id, realty, changes)
    assert ids(api, realty) == [saved[1]["id"], saved[0]["id"]]


def test_a_cached_list_is_never_shown_to_another_user(api: Api, other: Api) -> None:
    realty = api.realty()
    api.save(realty, [api.upload()])
    assert len(api.images(realty)) == 1
    error_of(other.call("GET", f"/realty/{realty}/images"), 404, "NOT_FOUND")


def test_the_answer_is_the_documented_shape(api: Api) -> None:
    realty = api.realty()
    api.save(realty, [api.upload()])
    for _ in range(2):  # rendered, then from the cache: the same bytes
        response = api.call("GET", f"/realty/{realty}/images")
        assert response.headers["content-type"] == "application/json"
        (image,) = response.json()["realtyImages"]
        assert set(image) == {
            "id", "url", "renditions", "placeholder", "description", "order", "published", "contentType", "width",
            "height", "size", "sha256", "createdAt",
        }  # fmt: skip
        assert image["createdAt"].endswith("Z")


def test_an_unchanged_list_is_a_304_for_its_etag(api: Api) -> None:
    """The same conditional mechanism as IS24's reads (api/conditional.py): the ETag names the body,
    If-None-Match with it is a 304 without a body, and a change gives the list a new ETag."""
    realty = api.realty()
    api.save(realty, [api.upload()])
    first = api.call("GET", f"/realty/{realty}/images")
    etag = first.headers["etag"]
    assert first.status_code == 200 and first.headers["cache-control"] == "private, no-cache"
    again = api.call("GET", f"/realty/{realty}/images", headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert api.call("GET", f"/realty/{realty}/images", headers={"If-None-Match": '"other"'}).status_code == 200
    api.save(realty, [api.upload()])
    changed = api.call("GET", f"/realty/{realty}/images", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert len(changed.json()["realtyImages"]) == 2
