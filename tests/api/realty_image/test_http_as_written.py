"""HTTP as RFC 9110 and the document write it: a 405 names every method of its path, routes are
told apart, a JSON body needs its Content-Type, and realtyId follows the document's pattern."""

from __future__ import annotations

import uuid

import pytest
from tests.api.realty_image.conftest import BASE, Api
from tests.api.realty_image.test_images import error_of


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/realty", {"GET", "POST"}),
        ("DELETE", "/realty", {"GET", "POST"}),
        ("PATCH", "/realty/{realty}/images", {"GET", "POST", "PUT"}),
        ("GET", "/realty/{realty}/images/copy", {"POST", "DELETE", "PATCH"}),  # copy, and {realtyImageId} = "copy"
    ],
)
def test_a_405_lists_every_method_of_its_path(api: Api, method: str, path: str, allowed: set[str]) -> None:
    realty = api.realty()
    response = api.call(method, path.format(realty=realty), headers={"Request-ID": str(uuid.uuid4())})
    assert response.status_code == 405, response.text
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed
    error_of(response, 405, "METHOD_NOT_ALLOWED")


def test_copy_is_routed_to_copy(api: Api) -> None:
    source, target = api.realty(), api.realty()
    api.save(source, [api.upload()])
    copied = api.call("POST", f"/realty/{target}/images/copy", json={"sourceRealtyId": source})
    assert copied.status_code == 200, copied.text
    assert len(api.images(target)) == 1


def test_a_json_body_without_content_type_is_415(api: Api) -> None:
    realty = api.realty()
    body = b'{"uploadedImages": [{"key": "uploads/5f0c8d8e-8f3e-4a57-9d1e-0d8e2f5b1c3a"}]}'
    headers = {"Authorization": f"Bearer {api.token}", "Request-ID": str(uuid.uuid4())}
    response = api.http.post(f"{BASE}/realty/{realty}/images", content=body, headers=headers)
    assert "content-type" not in {k.lower() for k in response.request.headers if k.lower() == "content-type"}
    assert response.status_code == 415, response.text
    error_of(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert response.headers["Request-ID"] == headers["Request-ID"]
    assert api.images(realty) == []


@pytest.mark.parametrize(
    "bad",
    [
        "DDC25849-7BC7-43C0-9C3B-602CB03F7806",  # upper case
        "ddc258497bc743c09c3b602cb03f7806",  # no hyphens
        "ddc25849-7bc7-03c0-9c3b-602cb03f7806",  # version 0
        "ddc25849-7bc7-43c0-cc3b-602cb03f7806",  # variant c
        "{ddc25849-7bc7-43c0-9c3b-602cb03f7806}",
    ],
)
def test_realty_id_follows_the_documents_pattern(api: Api, bad: str) -> None:
    realty = api.realty()
    for method, path in (("GET", f"/realty/{bad}/images"), ("DELETE", f"/realty/{bad}/images/{uuid.uuid4()}")):
        response = api.call(method, path)
        assert response.status_code == 400, (method, bad, response.text)
        body = error_of(response, 400, "BAD_REQUEST_PARAMETERS")
        assert body["errors"][0]["target"] == "realtyId"
    assert api.call("GET", f"/realty/{realty}/images").status_code == 200
