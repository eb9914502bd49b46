"""The root's fast path to the dialects (app.Dispatch) answers as the root app's Mounts do: behind
a root_path the server sets, for paths a Mount's pattern misses, and with OpenTelemetry on (when
requests go through the root app, whose telemetry observes them)."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx
import pytest

from realtymedia.app import create_app
from realtymedia.persistence.db import upgrade
from realtymedia.services.core import Core
from realtymedia.settings import Settings


def _answers(opentelemetry: bool, tmp_path: Path, root_path: str, paths: list[str]) -> list[httpx.Response]:
    settings = Settings(data_dir=tmp_path, opentelemetry=opentelemetry)
    upgrade(settings.resolved_database_url)
    core = Core.from_settings(settings)

    async def main() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(core), root_path=root_path)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return [await client.get(root_path + path, headers={"Accept": "application/json"}) for path in paths]

    try:
        return anyio.run(main)
    finally:
        core.close()


@pytest.mark.parametrize("opentelemetry", [False, True])
@pytest.mark.parametrize("root_path", ["", "/svc"])
def test_dialects_answer_behind_a_root_path(tmp_path: Path, root_path: str, opentelemetry: bool) -> None:
    paths = ["/restapi/api/offer/v1.0/user/me/realestateproject", "/realty-image/v2/uploadGrants?type=image/png"]
    is24, grants, health = _answers(opentelemetry, tmp_path, root_path, [*paths, "/healthz"])
    assert is24.status_code == 401 and "common.messages" in is24.json()  # IS24's form
    assert grants.status_code == 401 and grants.json()["errorCode"] == "UNAUTHORIZED"  # the Realty Image form
    assert health.status_code == 200
    for response in (is24, grants, health):
        assert response.headers["x-content-type-options"] == "nosniff"


def test_paths_a_mount_misses_get_their_dialects_404(tmp_path: Path) -> None:
    is24, realty = _answers(False, tmp_path, "", ["/restapi/api/offer%0Aline", "/realty-image/v2/x%0Ay"])
    assert is24.status_code == 404 and "common.messages" in is24.json()
    assert realty.status_code == 404 and realty.json()["errorCode"] == "NOT_FOUND"
