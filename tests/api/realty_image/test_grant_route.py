"""GET /uploadGrants and GET /realty/{realtyId}/images have two ways in (api/realty_image/app.py): a
PlainRoute for the plain form of the request, the documented FastAPI route for every other. Both must
answer alike: the same grant for the same request, the same Request-ID rules, the same images, the
same refusals."""

from __future__ import annotations

import uuid

import pytest
from starlette.routing import Match

from realtymedia.api.realty_image.app import plain_routes
from realtymedia.auth import web_sessions

from .conftest import Api


def _scope(headers: list[tuple[bytes, bytes]], query: bytes = b"type=image/jpeg") -> dict[str, object]:
    return {"type": "http", "method": "GET", "path": "/uploadGrants", "headers": headers, "query_string": query}


RID = str(uuid.uuid4()).encode()


@pytest.mark.parametrize(
    ("headers", "query", "served"),
    [
        ([(b"authorization", b"Bearer t"), (b"request-id", RID)], b"type=image/jpeg", True),
        ([(b"authorization", b"bearer  t "), (b"request-id", RID)], b"type=image/png&x=1", True),
        ([(b"authorization", b"Bearer t"), (b"request-id", RID.upper())], b"type=image/jpeg", False),
        ([(b"authorization", b"Bearer t"), (b"request-id", RID.replace(b"-", b""))], b"type=image/jpeg", False),
        ([(b"authorization", b"Bearer t")], b"type=image/jpeg", False),
        ([(b"request-id", RID), (b"cookie", b"rm_session=x")], b"type=image/jpeg", False),
        ([(b"authorization", b"Basic t"), (b"request-id", RID)], b"type=image/jpeg", False),
        ([(b"authorization", b"Bearer "), (b"request-id", RID)], b"type=image/jpeg", False),
        ([(b"authorization", b"Bearer t"), (b"request-id", RID)], b"type=image/tiff", False),
        ([(b"authorization", b"Bearer t"), (b"request-id", RID)], b"type=image/jpeg&type=image/png", False),
        ([(b"authorization", b"Bearer t"), (b"request-id", RID)], b"", False),
    ],
)
def test_only_the_plain_form_of_a_grant_is_taken_by_its_plain_route(
    headers: list[tuple[bytes, bytes]], query: bytes, served: bool
) -> None:
    matched, _ = plain_routes()[0].matches(_scope(headers, query))
    assert (matched is Match.FULL) is served


def test_both_ways_answer_a_grant_alike(api: Api) -> None:
    rid = str(uuid.uuid4())
    plain = api.call("GET", "/uploadGrants", rid=rid, params={"type": "image/png"})
    documented = api.call("GET", "/uploadGrants", rid=str(uuid.uuid4()).upper(), params={"type": "image/png"})
    assert plain.status_code == documented.status_code == 200
    assert plain.headers["content-type"] == documented.headers["content-type"]
    assert set(plain.json()) == set(documented.json()) == {"url", "method", "fields"}
    assert set(plain.json()["fields"]) == set(documented.json()["fields"])
    assert plain.headers.get("Request-ID") == rid
    again = api.call("GET", "/uploadGrants", rid=rid, params={"type": "image/png"})
    assert again.json() == plain.json() and again.headers["Idempotent-Replayed"] == "true"
    other_type = api.call("GET", "/uploadGrants", rid=rid, params={"type": "image/jpeg"})
    assert other_type.status_code == 409


def test_refusals_are_the_documented_routes(api: Api) -> None:
    rid = str(uuid.uuid4())
    bad_token = api.call(
        "GET",
        "/uploadGrants",
        rid=rid,
        params={"type": "image/png"},
        auth=False,
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert bad_token.status_code == 401
    assert bad_token.json()["message"] == "The bearer token is not valid."
    no_token = api.call("GET", "/uploadGrants", rid=rid, params={"type": "image/png"}, auth=False)
    assert no_token.status_code == 401
    assert api.call("HEAD", "/uploadGrants", rid=rid, params={"type": "image/png"}).status_code == 405
    assert api.call("POST", "/uploadGrants", rid=rid, params={"type": "image/png"}).status_code == 405


@pytest.mark.parametrize(
    ("path", "served"),
    [
        ("/realty/9031d1c5-7d40-41dd-b2b8-7919a2fc4fe9/images", True),
        ("/realty/9031D1C5-7D40-41DD-B2B8-7919A2FC4FE9/images", False),
        ("/realty/9031d1c5-7d40-61dd-b2b8-7919a2fc4fe9/images", False),
        ("/realty/9031d1c5-7d40-41dd-b2b8-7919a2fc4fe9\n/images", False),
        ("/realty/x/images", False),
    ],
)
def test_only_a_realty_id_of_the_documents_pattern_is_taken_by_the_images_route(path: str, served: bool) -> None:
    scope = {**_scope([(b"authorization", b"Bearer t")], b""), "path": path}
    matched, _ = plain_routes()[1].matches(scope)
    assert (matched is Match.FULL) is served


def test_both_ways_answer_the_images_alike(api: Api) -> None:
    realty = api.realty()
    api.seed(realty, 2)
    plain = api.call("GET", f"/realty/{realty}/images")
    made = web_sessions.login(api.stack.core, api.user.username, "pw")
    assert made is not None
    cookie = made.cookie
    documented = api.call("GET", f"/realty/{realty}/images", auth=False, cookies={web_sessions.COOKIE: cookie})
    assert plain.status_code == documented.status_code == 200
    assert plain.content == documented.content and plain.headers["ETag"] == documented.headers["ETag"]
    again = api.call("GET", f"/realty/{realty}/images", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304
    assert api.call("GET", "/realty/9031d1c5-7d40-41dd-b2b8-7919a2fc4fe9/images").status_code == 404
