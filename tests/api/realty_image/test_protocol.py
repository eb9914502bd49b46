"""Authentication, ownership, Request-ID (required, echoed, idempotent), the error body for every
kind of failure, and the served OpenAPI document."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from openapi_spec_validator import validate
from tests.api.realty_image.conftest import BASE, Api
from tests.api.realty_image.test_images import error_of

from realtymedia.auth import web_sessions


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer rm_not-a-token"}, {"Authorization": "Basic dXNlcjpwdw=="}],
)
def test_without_valid_credentials_is_401(api: Api, headers: dict[str, str]) -> None:
    realty = api.realty()
    for method, path in [("GET", "/realty"), ("GET", f"/realty/{realty}/images"), ("POST", "/realty")]:
        response = api.call(method, path, auth=False, headers=headers, json={} if method == "POST" else None)
        error_of(response, 401, "UNAUTHORIZED")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_web_session_is_accepted_with_csrf_token_for_changes(api: Api) -> None:
    made = web_sessions.login(api.stack.core, api.user.username, "pw")
    assert made is not None
    cookie, csrf = made.cookie, made.csrf_token
    session = {web_sessions.COOKIE: cookie}
    with httpx.Client(base_url=api.stack.url + BASE, cookies=session, timeout=30) as page:
        assert page.get("/realty").status_code == 200
        refused = page.post("/realty", json={}, headers={"Request-ID": str(uuid.uuid4())})
        error_of(refused, 401, "UNAUTHORIZED")
        created = page.post("/realty", json={}, headers={"Request-ID": str(uuid.uuid4()), "X-CSRF-Token": csrf})
        assert created.status_code == 201, created.text
    assert created.json()["id"] in [r["id"] for r in api.call("GET", "/realty").json()["realties"]]


def test_other_users_realties_do_not_exist_for_the_caller(api: Api, other: Api) -> None:
    theirs = other.realty()
    image = other.save(theirs, [other.upload()]).json()["realtyImages"][0]
    mine = api.upload()
    attempts = [
        api.call("GET", f"/realty/{theirs}"),
        api.call("GET", f"/realty/{theirs}/images"),
        api.save(theirs, [mine]),
        api.call("PUT", f"/realty/{theirs}/images", json={"realtyImages": [{"id": image["id"]}]}),
        api.call("DELETE", f"/realty/{theirs}/images/{image['id']}"),
        api.call("POST", f"/realty/{theirs}/publish"),
    ]
    for response in attempts:
        error_of(response, 404, "NOT_FOUND")
    assert other.images(theirs) == [image]
    # Missing realties answer the same.
    error_of(api.call("GET", f"/realty/{uuid.uuid4()}/images"), 404, "NOT_FOUND")


@pytest.mark.parametrize("value", [None, "", "not-a-uuid", "1234"])
def test_request_id_is_required_on_changes_and_grants(api: Api, value: str | None) -> None:
    realty = api.realty()
    headers = {} if value is None else {"Request-ID": value}
    calls = [
        ("GET", "/uploadGrants?type=image/jpeg", None),
        ("POST", "/realty", {}),
        ("POST", f"/realty/{realty}/publish", None),
        ("POST", f"/realty/{realty}/images/copy", {"sourceRealtyId": realty}),
        ("DELETE", f"/realty/{realty}/images/{uuid.uuid4()}", None),
    ]
    for method, path, body in calls:
        request = api.http.build_request(
            method, BASE + path, json=body, headers={"Authorization": f"Bearer {api.token}", **headers}
        )
        response = api.http.send(request)
        body_ = error_of(response, 400, "BAD_REQUEST_PARAMETERS")
        assert body_["errors"][0]["target"] == "Request-ID"
        if value:
            assert response.headers["Request-ID"] == value
    assert len(api.call("GET", "/realty").json()["realties"]) == 1


def test_request_id_is_echoed_on_success_and_on_errors(api: Api) -> None:
    rid = str(uuid.uuid4())
    assert api.call("POST", "/realty", json={}, rid=rid).headers["Request-ID"] == rid
    rid = str(uuid.uuid4())
    assert api.call("GET", f"/realty/{uuid.uuid4()}", headers={"Request-ID": rid}).headers["Request-ID"] == rid
    rid = str(uuid.uuid4())
    assert api.call("GET", "/realty", auth=False, headers={"Request-ID": rid}).headers["Request-ID"] == rid


def test_a_repeated_save_replays_the_first_answer_and_saves_once(api: Api) -> None:
    realty = api.realty()
    keys = [api.upload(), api.upload()]
    rid = str(uuid.uuid4())
    first = api.save(realty, keys, rid=rid)
    assert first.status_code == 200
    again = api.save(realty, keys, rid=rid)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Request-ID"] == rid
    assert len(api.images(realty)) == 2
    # The same Request-ID for a different request is a conflict, and does nothing.
    conflict = api.save(realty, [api.upload()], rid=rid)
    error_of(conflict, 409, "STATUS_CONFLICT")
    error_of(api.call("POST", "/realty", json={}, rid=rid), 409, "STATUS_CONFLICT")
    assert len(api.images(realty)) == 2


def test_errors_are_replayed_too_and_request_ids_are_per_user(api: Api, other: Api) -> None:
    realty = api.realty()
    rid = str(uuid.uuid4())
    missing = f"uploads/{uuid.uuid4()}"
    first = api.save(realty, [missing], rid=rid)
    assert first.status_code == 400
    assert api.save(realty, [missing], rid=rid).json() == first.json()
    # Another user may use the same Request-ID for a request of their own.
    assert other.call("POST", "/realty", json={}, rid=rid).status_code == 201


def test_an_expired_request_id_executes_again(api: Api) -> None:
    from datetime import timedelta

    from realtymedia.persistence.models import IdempotentResponse

    rid = str(uuid.uuid4())
    assert api.call("POST", "/realty", json={"name": "a"}, rid=rid).status_code == 201
    core = api.stack.core
    with core.unit_of_work() as uow:
        record = uow.session.get(IdempotentResponse, (api.user_id, rid))
        assert record is not None
        record.created_at -= timedelta(seconds=core.settings.idempotency_ttl_seconds + 1)
        uow.commit()
    assert api.call("POST", "/realty", json={"name": "a"}, rid=rid).status_code == 201
    assert api.call("GET", "/realty").json()["totalCount"] == 2


def test_racing_duplicates_never_both_execute(api: Api) -> None:
    realty = api.realty()
    keys = [api.upload() for _ in range(5)]
    rid = str(uuid.uuid4())
    barrier = threading.Barrier(6)

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=api.stack.url, timeout=60) as http:
            barrier.wait()
            items = [{"key": key, "description": f"image {i}"} for i, key in enumerate(keys)]
            return http.post(
                BASE + f"/realty/{realty}/images",
                json={"uploadedImages": items},
                headers={"Authorization": f"Bearer {api.token}", "Request-ID": rid},
            )

    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(send, range(6)))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 409}, [r.text for r in responses]
    assert 200 in statuses
    executed = [r for r in responses if r.status_code == 200 and "Idempotent-Replayed" not in r.headers]
    assert len(executed) == 1
    assert len(api.images(realty)) == 5


def test_unknown_routes_methods_and_media_types_answer_in_the_vendor_format(api: Api) -> None:
    error_of(api.call("GET", "/nothing-here"), 404, "NOT_FOUND")
    error_of(api.call("PATCH", "/realty"), 405, "METHOD_NOT_ALLOWED")
    realty = api.realty()
    response = api.call(
        "POST",
        f"/realty/{realty}/images",
        content=b"uploadedImages=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    error_of(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    broken = api.call(
        "POST", f"/realty/{realty}/images", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    error_of(broken, 400, "BAD_REQUEST_BODY")
    wrong_type = api.call("POST", f"/realty/{realty}/images", json={"uploadedImages": "nope"})
    body = error_of(wrong_type, 400, "BAD_REQUEST_BODY")
    assert body["errors"][0]["target"] == "uploadedImages"
    assert body["errors"][0]["errorCode"] == "INVALID_TYPE"
    missing = api.call("POST", f"/realty/{realty}/images", json={"uploadedImages": [{}]})
    body = error_of(missing, 400, "BAD_REQUEST_BODY")
    assert body["errors"][0] == {
        "target": "uploadedImages[0].key",
        "errorCode": "VALUE_REQUIRED",
        "message": body["errors"][0]["message"],
    }
    error_of(api.call("GET", "/realty/not-a-uuid/images"), 400, "BAD_REQUEST_PARAMETERS")


def test_descriptions_with_control_characters_are_refused(api: Api) -> None:
    realty = api.realty()
    key = api.upload()
    response = api.call(
        "POST", f"/realty/{realty}/images", json={"uploadedImages": [{"key": key, "description": "a\x00b"}]}
    )
    body = error_of(response, 400, "BAD_REQUEST_BODY")
    assert body["errors"][0]["target"] == "uploadedImages[0].description"
    error_of(api.call("POST", "/realty", json={"name": "x\x00"}), 400, "BAD_REQUEST_BODY")


def test_openapi_is_served_complete_and_the_docs_work_offline(api: Api) -> None:
    response = api.call("GET", "/openapi.json", auth=False)
    assert response.status_code == 200
    schema = response.json()
    validate(schema)  # a valid OpenAPI 3.1 document
    assert schema["info"]["version"] == "2.0"
    assert schema["servers"] == [{"url": BASE}]
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    operations = {
        (method.upper(), path): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }
    expected = {
        ("GET", "/uploadGrants"),
        ("POST", "/realty/{realtyId}/images"),
        ("GET", "/realty/{realtyId}/images"),
        ("PUT", "/realty/{realtyId}/images"),
        ("DELETE", "/realty/{realtyId}/images/{realtyImageId}"),
        ("POST", "/realty/{realtyId}/images/copy"),
        ("POST", "/realty"),
        ("GET", "/realty"),
        ("GET", "/realty/{realtyId}"),
        ("PATCH", "/realty/{realtyId}"),
        ("POST", "/realty/{realtyId}/publish"),
        ("PATCH", "/realty/{realtyId}/images/{realtyImageId}"),
    }
    assert set(operations) == expected
    for key, operation in operations.items():
        responses = operation["responses"]
        assert "422" not in responses, key
        assert {"400", "401", "500"} <= set(responses), key
        assert responses["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
        if key[0] != "GET" or key[1] == "/uploadGrants":
            header = [p for p in operation["parameters"] if p["name"] == "Request-ID"]
            assert header and header[0]["required"] and header[0]["in"] == "header", key
    components = schema["components"]["schemas"]
    assert "sha256" in components["RealtyImage"]["properties"]
    assert "addition" in components["RealtyImage"]["properties"]["sha256"]["description"]
    assert components["SaveImagesRequest"]["examples"]
    assert components["ErrorBody"]["examples"]
    page = api.call("GET", "/docs", auth=False)
    assert page.status_code == 200
    assert f"{BASE}/docs-assets/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    assert api.call("GET", "/docs-assets/swagger-ui-bundle.js", auth=False).status_code == 200


def test_repeated_grant_and_delete_are_replayed(api: Api) -> None:
    rid = str(uuid.uuid4())
    first = api.call("GET", "/uploadGrants?type=image/png", rid=rid)
    again = api.call("GET", "/uploadGrants?type=image/png", rid=rid)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    error_of(api.call("GET", "/uploadGrants?type=image/jpeg", rid=rid), 409, "STATUS_CONFLICT")
    realty = api.realty()
    image = api.save(realty, [api.upload()]).json()["realtyImages"][0]
    rid = str(uuid.uuid4())
    assert api.call("DELETE", f"/realty/{realty}/images/{image['id']}", rid=rid).status_code == 200
    replay = api.call("DELETE", f"/realty/{realty}/images/{image['id']}", rid=rid)
    assert (replay.status_code, replay.headers.get("Idempotent-Replayed")) == (200, "true")
    error_of(api.call("DELETE", f"/realty/{realty}/images/{image['id']}"), 404, "NOT_FOUND")


def test_racing_duplicate_grants_record_one_ticket_and_answer_alike(api: Api) -> None:
    """Grants keep their Request-ID record in the ticket's own transaction: a duplicate that races
    waits for it and replays the same answer; only one ticket exists."""
    from sqlalchemy import func, select

    from realtymedia.persistence.models import Ticket

    rid = str(uuid.uuid4())
    barrier = threading.Barrier(8)

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=api.stack.url, timeout=60) as http:
            barrier.wait()
            return http.get(
                BASE + "/uploadGrants?type=image/jpeg",
                headers={"Authorization": f"Bearer {api.token}", "Request-ID": rid},
            )

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(send, range(8)))
    assert [r.status_code for r in responses] == [200] * 8, [r.text for r in responses]
    assert len({r.json()["fields"]["key"] for r in responses}) == 1
    assert sum("Idempotent-Replayed" not in r.headers for r in responses) == 1
    with api.stack.core.unit_of_work(write=False) as uow:
        count = uow.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.user_id == api.user_id))
    assert count == 1
