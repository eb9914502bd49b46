"""Request logs over real HTTP: one line per request with its reference, user, dialect, route
template, status and duration; nothing secret in any line after both dialects were driven (OAuth
3-legged included, and the web page's login); an error's trace logged once, with the reference of
its request. On both stacks in-process (captured records, formatted as `serve` formats them), and
through `realtymedia serve` itself (its stderr)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from bench import processes
from bench.api import IS24, RealtyImage, User
from requests_oauthlib import OAuth1Session
from sqlalchemy import text

from realtymedia.app import create_app
from realtymedia.auth import bearer
from realtymedia.operations.logs import RequestContext, json_formatter
from realtymedia.services import accounts, projects
from realtymedia.services.core import Core
from tests.faults.conftest import Actor
from tests.support import ThreadedServer, free_port, make_settings, postgres_database

CALLBACK = "https://client.example/callback"


def formatted(caplog: pytest.LogCaptureFixture, references: Iterable[str] = ()) -> list[str]:
    """The records so far, as `realtymedia serve` writes them (one JSON object a line). A request's
    line is written just after its answer: wait for the lines of the given references."""
    formatter = json_formatter()
    deadline = time.monotonic() + 10
    while True:
        seen = {getattr(r, "request_ref", None) for r in caplog.records if r.name == "realtymedia.requests"}
        if set(references) <= seen or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return [formatter.format(record) for record in caplog.records]


@pytest.fixture(autouse=True)
def request_context(caplog: pytest.LogCaptureFixture) -> None:
    """The filter `serve` puts on its handler, on the capturing one: it runs as each record is written."""
    caplog.handler.addFilter(RequestContext())


def drive_both_dialects(carol: Actor) -> tuple[set[str], dict[str, str]]:
    """Everything a client does, and every secret it sent or was given; and reference -> route seen."""
    client, stack = carol.client, carol.stack
    secrets = {carol.user.consumer_secret, carol.user.access_secret, carol.user.bearer, carol.user.access_token}
    references: dict[str, str] = {}

    def note(response: httpx.Response) -> httpx.Response:
        for header in ("l-is24-requestrefnum", "request-id"):
            if header in response.headers:
                references[response.headers[header]] = f"{response.request.method} {response.status_code}"
        authorization = response.request.headers.get("authorization", "")
        secrets.update(re.findall(r'oauth_signature="([^"]+)"', authorization))
        return response

    ticket = note(carol.is24.upload_ticket(carol.project_id).send(client))
    secrets.update(re.findall(r'"@value": "([^"]{40,})"', ticket.text))  # policy and signature of the form
    carol.picture(2)
    note(carol.is24.attachments(carol.project_id).send(client))
    grant = note(carol.ri.upload_grant().send(client))
    fields = grant.json()["fields"]
    secrets.update({fields["Policy"], fields["X-Amz-Signature"]})
    ids = carol.images(2)
    note(carol.ri.images(carol.realty_id).send(client))
    note(carol.ri.update(carol.realty_id, [{"id": i, "description": "d"} for i in reversed(ids)]).send(client))
    note(carol.ri.delete(carol.realty_id, ids[0]).send(client))
    note(client.get(f"/restapi/api/offer/v1.0/user/me/realestateproject/{carol.project_id}/attachment"))  # 401

    # The web page's login, and OAuth 1.0a 3-legged: request token, the user's consent, access token.
    password = f"pw-{uuid.uuid4().hex}"
    made = accounts.create_user(stack.core, f"l{uuid.uuid4().hex[:10]}", password)
    oauth = made.oauth
    secrets |= {password, oauth.consumer_secret, oauth.access_token_secret, made.bearer_token}
    login = client.post("/web/login", json={"username": made.username, "password": password})
    assert login.status_code == 200, login.text
    secrets |= {login.cookies["rm_session"], login.json()["csrfToken"]}
    consumer = OAuth1Session(oauth.consumer_key, oauth.consumer_secret, callback_uri=CALLBACK)
    request_token = consumer.fetch_request_token(f"{stack.url}/restapi/security/oauth/request_token")
    secrets |= {request_token["oauth_token"], request_token["oauth_token_secret"]}
    with httpx.Client(base_url=stack.url, timeout=30) as browser:
        page = browser.get(
            "/restapi/security/oauth/confirm_access", params={"oauth_token": request_token["oauth_token"]}
        )  # noqa: E501
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        allowed = browser.post(
            "/restapi/security/oauth/confirm_access",
            data={"oauth_token": request_token["oauth_token"], "csrf_token": csrf, "username": made.username,
                  "password": password, "decision": "allow"},
        )  # fmt: skip
    assert allowed.status_code == 303, allowed.text
    location = allowed.headers["location"]
    secrets |= set(parse_qs(urlsplit(location).query)["oauth_verifier"])
    consumer.parse_authorization_response(location)
    access = consumer.fetch_access_token(f"{stack.url}/restapi/security/oauth/access_token")
    secrets |= {access["oauth_token"], access["oauth_token_secret"]}
    time.sleep(0.2)  # the access token's line is written just after its answer
    note(carol.ri.images(carol.realty_id).send(client))  # the last: wait for its line
    return {s for s in secrets if len(s) >= 8}, references


def test_one_line_per_request_and_nothing_secret(carol: Actor, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="realtymedia")
    secrets, references = drive_both_dialects(carol)
    lines = formatted(caplog, references)
    records = [json.loads(line) for line in lines]
    requests = [r for r in records if r["logger"] == "realtymedia.requests"]
    for record in requests:
        assert set(record) >= {"request_ref", "user_id", "dialect", "route", "method", "status", "duration_ms"}
        assert record["level"] == "INFO" and "?" not in record["route"]
    by_ref = {r["request_ref"]: r for r in requests}
    for reference, seen in references.items():
        assert f"{by_ref[reference]['method']} {by_ref[reference]['status']}" == seen, reference
    users = {r["dialect"]: r["user_id"] for r in requests if r["user_id"] is not None}
    principal = bearer.authenticate_bearer(carol.stack.core, carol.user.bearer)
    assert principal is not None and users["is24"] == users["realty_image"] == principal.user_id
    assert {r["route"] for r in requests} >= {
        "/restapi/api/offer/v1.0/user/{username}/realestateproject/{project_id}/attachment",
        "/realty-image/v2/realty/{realtyId}/images/{realtyImageId}",
        "/restapi/security/oauth/access_token",
        "/web/login",
    }
    text = "\n".join(lines)
    leaked = sorted(s for s in secrets if s in text)
    assert leaked == [], f"secrets in the logs: {leaked}"


def test_health_checks_are_logged_at_debug(carol: Actor, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="realtymedia")
    for path in ("/healthz", "/readyz"):
        assert carol.client.get(path).status_code == 200
    time.sleep(0.3)
    routes = {r.route: r.levelno for r in caplog.records if r.name == "realtymedia.requests"}  # type: ignore[attr-defined]
    assert routes == {"/healthz": logging.DEBUG, "/readyz": logging.DEBUG}


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of this test alone (it breaks it)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'own.sqlite3'}"
        return
    request.getfixturevalue("postgres_url")  # skips, or fails under CI, when PostgreSQL is unreachable
    made = postgres_database()
    assert made is not None
    url, drop = made
    yield url
    drop()


def test_an_error_logs_its_trace_once_with_the_reference(
    own_database: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Two real faults: the storage is gone (nothing listens at its address) when IS24 confirms an
    upload, and the table of Request-ID records is gone when the Realty Image dialect grants one."""
    caplog.set_level(logging.INFO, logger="realtymedia")
    settings = make_settings(tmp_path, own_database, "s3", f"http://127.0.0.1:{free_port()}", s3_form_sessions=False)
    core = Core.from_settings(settings)
    core.db.upgrade()
    made = accounts.create_user(core, f"e{uuid.uuid4().hex[:10]}", "pw")
    user = User.from_new_user(made)
    project_id = projects.create(core, user.username, "PROFESSIONAL", "Errors").id
    try:
        with ThreadedServer(create_app(core)) as server, httpx.Client(base_url=server.url, timeout=60) as client:
            is24, ri = IS24(server.url, user), RealtyImage(server.url, user)
            ticket = is24.upload_ticket(project_id).send(client)
            attachment_id = ticket.json()["realestateproject.uploadTicket"]["attachmentId"]
            failed_is24 = is24.assign_picture(project_id, attachment_id).send(client)
            with core.unit_of_work() as uow:
                uow.execute(text("DROP TABLE idempotent_responses"))
                uow.commit()
            failed_ri = ri.upload_grant().send(client)
            references = [failed_is24.headers["l-is24-requestrefnum"], failed_ri.headers["request-id"]]
            lines = [json.loads(line) for line in formatted(caplog, references)]
    finally:
        core.close()
    assert failed_is24.status_code == 500 and "ERROR_COMMON_INTERNAL_SERVER_ERROR" in failed_is24.text
    assert failed_ri.status_code == 500 and failed_ri.json()["errorCode"] == "TECHNICAL_ERROR"
    # The grant's cause is the dropped table (or, since S3 form sessions, a grant without session token).
    for reference, cause in zip(references, ["StorageError", ""], strict=True):
        of_request = [line for line in lines if line.get("request_ref") == reference]
        traces = [line for line in of_request if "exc_info" in line]
        assert len(traces) == 1, of_request
        assert "Traceback" in traces[0]["exc_info"] and cause in traces[0]["exc_info"]
        (request_line,) = [line for line in of_request if line["logger"] == "realtymedia.requests"]
        assert request_line["status"] == 500 and "exc_info" not in request_line
    assert sum("exc_info" in line for line in lines) == 2


def test_serve_writes_json_lines(tmp_path: Path) -> None:
    """`realtymedia serve` itself: every line on stderr is a JSON object; requests at info, health at debug."""
    log = tmp_path / "serve.log"
    server = processes.service(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", log)
    server.argv.remove("--no-access-log")
    server.start()
    try:
        user = User.from_cli(processes.cli(server.env, "users", "create", "jay", "--password", "jays-password-1"))
        realty = json.loads(processes.cli(server.env, "realties", "create", "--owner", "jay"))["id"]
        with httpx.Client(base_url=server.url, timeout=30) as client:
            listed = RealtyImage(server.url, user).images(realty).send(client)
            assert listed.status_code == 200
            assert client.get("/readyz").status_code == 200
            refused = client.get("/restapi/api/offer/v1.0/user/me/realestateproject")
            assert refused.status_code == 401
        time.sleep(0.5)
    finally:
        server.stop()
    records = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    requests = [r for r in records if r["logger"] == "realtymedia.requests"]
    assert [(r["dialect"], r["route"], r["status"]) for r in requests if r["route"] != "/healthz"] == [
        ("realty_image", "/realty-image/v2/realty/{realtyId}/images", 200),
        ("is24", "/restapi/api/offer/v1.0/user/{username}/realestateproject", 401),
    ]
    assert requests[-1]["request_ref"] == refused.headers["l-is24-requestrefnum"]
    assert all(r["pid"] == server.pid for r in requests)
    assert user.bearer not in log.read_text() and "jays-password-1" not in log.read_text()
