"""The page's rules resources: the limits and a project's free slots, for the logged-in user only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from tests.support import Stack, image_bytes

from realtymedia.services import accounts, projects
from realtymedia.services.results import NewUser
from realtymedia_client import IS24Client


def _user(stack: Stack) -> NewUser:
    return accounts.create_user(stack.core, f"rules{uuid.uuid4().hex[:8]}", "pw")


@contextmanager
def _logged_in(stack: Stack, user: NewUser) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url) as http:
        assert http.post("/web/login", json={"username": user.username, "password": "pw"}).status_code == 200
        yield http


def test_the_limits_come_from_the_settings_and_the_rules(local_stack: Stack) -> None:
    assert httpx.get(local_stack.url + "/web/rules").status_code == 401
    with _logged_in(local_stack, _user(local_stack)) as http:
        answer = http.get("/web/rules")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.json() == {
        "maxUploadBytes": local_stack.settings.max_upload_bytes,
        "realtyImages": {
            "contentTypes": ["image/jpeg", "image/png", "image/webp"],
            "maxImages": 200,
            "descriptionMaxLength": 2000,
        },
    }


def test_a_projects_slots_follow_its_contract_and_its_attachments(local_stack: Stack, tmp_path: Path) -> None:
    user, other = _user(local_stack), _user(local_stack)
    pro = projects.create(local_stack.core, user.username, "PROFESSIONAL", "Pro")
    basic = projects.create(local_stack.core, user.username, "BASIC", "Basic")
    theirs = projects.create(local_stack.core, other.username, "PROFESSIONAL", "Theirs")

    def slots(http: httpx.Client, project_id: object) -> dict[str, tuple[bool, object]]:
        answer = http.get(f"/web/projects/{project_id}/rules")
        assert answer.status_code == 200
        return {s["type"]: (s["free"], s["refusal"]) for s in answer.json()["slots"]}

    with _logged_in(local_stack, user) as http:
        assert slots(http, basic.id)["COMPANY_LOGO"] == (False, "deniedForProduct")
        assert slots(http, basic.id)["IMAGE"] == (True, None)
        assert slots(http, pro.id)["COMPANY_LOGO"] == (True, None)

        keys = user.oauth
        signed = (keys.consumer_key, keys.consumer_secret, keys.access_token, keys.access_token_secret)
        with IS24Client(local_stack.url, *signed) as is24:
            logo = tmp_path / "logo.png"
            logo.write_bytes(image_bytes("PNG", (40, 20)))
            is24.upload_picture(pro.id, logo, "COMPANY_LOGO")
        after = slots(http, pro.id)
        assert after["COMPANY_LOGO"] == (False, "numberOfItemsExceeded")
        assert after["PROJECT_LOGO"] == (True, None) and after["IMAGE"] == (True, None)

        # Another user's project, or none, is simply not found (nothing is revealed).
        assert http.get(f"/web/projects/{theirs.id}/rules").status_code == 404
        assert http.get("/web/projects/99999999/rules").status_code == 404
        assert http.get("/web/projects/x%00/rules").status_code == 404
