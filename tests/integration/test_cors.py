"""CORS over real HTTP: both dialects and the file URLs answer the origins REALTYMEDIA_CORS_ORIGINS
allows, preflights included, and expose the headers browser clients read; nothing else changes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from realtymedia.api.cors import EXPOSED
from realtymedia.services import accounts
from tests.conftest import STACKS, start_stack
from tests.support import Stack, image_bytes, post_form

CRM = "https://crm.example"
RI = "/realty-image/v2"
IS24 = "/restapi/api/offer/v1.0/user/me/realestateproject/1/attachment"


@pytest.fixture(scope="module", params=STACKS)
def cors_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from start_stack(request.param, request, tmp_path_factory, cors_origins=[CRM])


@pytest.fixture(scope="module")
def any_origin_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from start_stack("sqlite-local", request, tmp_path_factory, cors_origins=["*"])


def saved_image(stack: Stack, http: httpx.Client, token: str) -> tuple[str, str]:
    """A realty with one saved image: (realty id, the image's file URL)."""
    auth = {"Authorization": f"Bearer {token}"}
    grant = http.get(f"{RI}/uploadGrants?type=image/jpeg", headers={**auth, "Request-ID": str(uuid.uuid4())}).json()
    assert post_form(grant["url"], grant["fields"], image_bytes(), "p.jpg", "image/jpeg").status_code in (200, 201, 204)
    made = http.post(f"{RI}/realty", json={"name": "R"}, headers={**auth, "Request-ID": str(uuid.uuid4())})
    assert made.status_code == 201, made.text
    realty = made.json()
    body = {"uploadedImages": [{"key": grant["fields"]["key"]}]}
    saved = http.post(
        f"{RI}/realty/{realty['id']}/images", json=body, headers={**auth, "Request-ID": str(uuid.uuid4())}
    )
    assert saved.status_code == 200, saved.text
    return str(realty["id"]), str(saved.json()["realtyImages"][0]["url"])


def user_token(stack: Stack) -> str:
    return str(accounts.create_user(stack.core, f"c{uuid.uuid4().hex[:10]}", "pw").bearer_token)


def test_preflights_of_both_dialects(cors_stack: Stack) -> None:
    with cors_stack.client() as http:
        for path, method in ((f"{RI}/uploadGrants?type=image%2Fjpeg", "GET"), (f"{RI}/realty", "POST"), (IS24, "POST")):
            answer = http.options(
                path,
                headers={
                    "Origin": CRM,
                    "Access-Control-Request-Method": method,
                    "Access-Control-Request-Headers": "authorization, request-id, content-type",
                },
            )
            assert answer.status_code == 200, (path, answer.status_code, answer.text)
            assert answer.headers["access-control-allow-origin"] == CRM
            assert method in answer.headers["access-control-allow-methods"]
            allowed = answer.headers["access-control-allow-headers"].lower()
            assert {"authorization", "request-id", "content-type"} <= {h.strip() for h in allowed.split(",")}
            assert "access-control-allow-credentials" not in answer.headers


def test_answers_expose_what_clients_read_and_files_are_readable(cors_stack: Stack) -> None:
    token = user_token(cors_stack)
    with cors_stack.client() as http:
        realty, url = saved_image(cors_stack, http, token)
        answer = http.get(f"{RI}/realty/{realty}/images", headers={"Authorization": f"Bearer {token}", "Origin": CRM})
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == CRM
        exposed = {h.strip().lower() for h in answer.headers["access-control-expose-headers"].split(",")}
        assert exposed == {h.lower() for h in EXPOSED}
        assert "access-control-allow-credentials" not in answer.headers
        # An error is readable cross-origin too (the CRM shows the vendor's message).
        refused = http.get(f"{RI}/realty/{realty}/images", headers={"Origin": CRM})
        assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == CRM
        is24 = http.get(IS24, headers={"Origin": CRM})
        assert is24.status_code == 401 and is24.headers["access-control-allow-origin"] == CRM
    file = httpx.get(url, headers={"Origin": CRM})
    assert file.status_code in (200, 302)
    assert file.headers["access-control-allow-origin"] == CRM


def test_other_origins_get_no_cors(cors_stack: Stack) -> None:
    with cors_stack.client() as http:
        preflight = http.options(
            f"{RI}/uploadGrants?type=image%2Fjpeg",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
        assert "access-control-allow-origin" not in preflight.headers
        plain = http.get(f"{RI}/realty", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in plain.headers
        # The web page is not cross-origin content.
        page = http.get("/", headers={"Origin": CRM})
        assert "access-control-allow-origin" not in page.headers


def test_any_origin_sends_no_credentials(any_origin_stack: Stack) -> None:
    with any_origin_stack.client() as http:
        answer = http.get(f"{RI}/realty", headers={"Origin": "https://anyone.example"})
        assert answer.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in answer.headers
        preflight = http.options(
            f"{RI}/realty", headers={"Origin": "https://anyone.example", "Access-Control-Request-Method": "POST"}
        )
        assert preflight.status_code == 200
        assert "access-control-allow-credentials" not in preflight.headers


def test_without_the_setting_nothing_is_cross_origin(stack: Stack) -> None:
    with stack.client() as http:
        answer = http.get(f"{RI}/realty", headers={"Origin": CRM})
        assert "access-control-allow-origin" not in answer.headers


def test_the_setting_reads_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from realtymedia.settings import Settings

    monkeypatch.setenv("REALTYMEDIA_CORS_ORIGINS", "https://a.example, https://b.example/")
    assert Settings().cors_origins == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("REALTYMEDIA_CORS_ORIGINS", '["https://c.example"]')
    assert Settings().cors_origins == ["https://c.example"]
