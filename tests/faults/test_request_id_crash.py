"""A Request-ID claimed by a worker that crashed does not block the retry (issue 15, item 10).

Over real HTTP: `realtymedia serve` is killed with -9 in the middle of a save of many images, while
the Request-ID's record says "in progress"; after the restart the retry with the same Request-ID
executes (200, not a replay, not a 409), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import io
import random
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bench import processes
from bench.api import RealtyImage, User
from PIL import Image
from sqlalchemy import select

from realtymedia.persistence.models import IdempotentResponse
from realtymedia.services import accounts, realties
from realtymedia.services.core import Core
from realtymedia.settings import Settings

IMAGES = 120
BASE = "/realty-image/v2"


def _photo(seed: int) -> bytes:
    """A distinct JPEG large enough that checking many of them takes a while (the kill's window)."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (200, 150), rng.randbytes(200 * 150 * 3)).resize((1600, 1200))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'realtymedia.sqlite3'}"
        return
    yield request.getfixturevalue("postgres_url")


def _record_status(core: Core, user_id: int, request_id: str) -> int | None:
    with core.unit_of_work(write=False) as uow:
        return uow.session.scalar(
            select(IdempotentResponse.status).where(
                IdempotentResponse.user_id == user_id, IdempotentResponse.request_id == request_id
            )
        )


def _post_in_background(
    url: str, body: object, headers: dict[str, str]
) -> tuple[threading.Thread, list[httpx.Response | Exception]]:
    answered: list[httpx.Response | Exception] = []

    def post() -> None:
        try:
            answered.append(httpx.post(url, json=body, headers=headers, timeout=120))
        except httpx.HTTPError as error:
            answered.append(error)

    sender = threading.Thread(target=post)
    sender.start()
    return sender, answered


def _image_count(core: Core, realty_id: str) -> int:
    with core.unit_of_work(write=False) as uow:
        return uow.media.count("realty", realty_id)


def test_a_retry_after_a_crash_mid_save_executes(tmp_path: Path, database_url: str) -> None:
    server = processes.service(tmp_path, database_url, tmp_path / "server.log")
    processes.cli(server.env, "db", "upgrade")
    core = Core.from_settings(Settings(data_dir=tmp_path, database_url=database_url))
    try:
        created = accounts.create_user(core, f"c{uuid.uuid4().hex[:8]}", "pw")
        user = User.from_new_user(created)
        user_id = created.id
        server.start()
        ri = RealtyImage(server.url, user)
        bearer = {"Authorization": f"Bearer {user.bearer}"}
        for attempt in range(3):  # until the kill lands while the save's bytes are checked
            with httpx.Client(base_url=server.url, timeout=60) as client:
                keys = []
                for n in range(IMAGES):
                    grant = ri.upload_grant().send(client).json()
                    files = {"file": ("p.jpg", _photo(attempt * IMAGES + n), "image/jpeg")}
                    assert client.post(grant["url"], data=grant["fields"], files=files).status_code == 204
                    keys.append(grant["fields"]["key"])
            body = {"uploadedImages": [{"key": key} for key in keys]}
            realty_id = str(realties.create_for(core, user.username).id)
            request_id = str(uuid.uuid4())
            headers = {**bearer, "Request-ID": request_id}
            url = f"{server.url}{BASE}/realty/{realty_id}/images"
            sender, answered = _post_in_background(url, body, headers)
            deadline = time.monotonic() + 60
            while _record_status(core, user_id, request_id) is None and time.monotonic() < deadline:
                time.sleep(0.002)
            server.kill9()
            sender.join(60)
            claimed = _record_status(core, user_id, request_id) == 0
            if claimed and isinstance(answered[0], Exception) and _image_count(core, realty_id) == 0:
                break  # killed mid-save: the claim says "in progress", nothing was saved or answered
            server.start()
        else:
            pytest.fail("every save finished before its kill")

        server.start()
        retry = httpx.post(url, json=body, headers=headers, timeout=120)
        assert retry.status_code == 200, retry.text
        assert "Idempotent-Replayed" not in retry.headers
        assert len(retry.json()["realtyImages"]) == IMAGES
        replay = httpx.post(url, json=body, headers=headers, timeout=120)
        assert (replay.status_code, replay.headers.get("Idempotent-Replayed")) == (200, "true")
        assert replay.content == retry.content
        listed = httpx.get(f"{server.url}{BASE}/realty/{realty_id}/images", headers=bearer, timeout=60)
        assert len(listed.json()["realtyImages"]) == IMAGES
    finally:
        server.stop()
        core.close()
