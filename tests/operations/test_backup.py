"""Backup and restore, as docs/operations.md says to do them: pg_dump of the database and a copy
of the data directory (the local objects and the local signing secret), restored into a fresh
database and a fresh directory; the restored service serves every image and attachment, byte
for byte, in both dialects."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bench.api import IS24, RealtyImage
from sqlalchemy import select

from realtymedia.app import create_app
from realtymedia.persistence.models import Media
from realtymedia.services.core import Core
from tests.faults.conftest import Actor, actor, attachment_ids_of, jpeg
from tests.support import Stack, ThreadedServer, make_settings, postgres_database


@pytest.fixture
def databases(postgres_url: str) -> Iterator[tuple[str, str]]:
    """Two new databases: the one backed up, and the empty one it is restored into."""
    made = [postgres_database(), postgres_database()]
    assert all(m is not None for m in made)
    yield made[0][0], made[1][0]  # type: ignore[index]
    for m in made:
        m[1]()  # type: ignore[index]


def serve(data_dir: Path, database_url: str) -> tuple[Core, ThreadedServer]:
    core = Core.from_settings(make_settings(data_dir, database_url, "local"))
    return core, ThreadedServer(create_app(core))


def stored_files(core: Core) -> dict[str, str]:
    """Key -> sha256 (as checked at confirmation) of every file the database names."""
    with core.unit_of_work(write=False) as uow:
        rows = uow.execute(select(Media.key, Media.sha256).where(Media.key.is_not(None))).all()
    return {str(key): str(sha256) for key, sha256 in rows}


def served(client: httpx.Client, files: dict[str, str]) -> dict[str, str]:
    """Key -> sha256 of what the service serves at /files/{key}."""
    found = {}
    for key in files:
        got = client.get(f"/files/{key}")
        assert got.status_code == 200, (key, got.status_code)
        found[key] = hashlib.sha256(got.content).hexdigest()
    return found


def listings(actor: Actor, client: httpx.Client) -> tuple[list[str], list[str]]:
    attachments = attachment_ids_of(actor.is24.attachments(actor.project_id).send(client).json())
    images = [image["id"] for image in actor.ri.images(actor.realty_id).send(client).json()["realtyImages"]]
    return attachments, images


def test_dump_restore_into_a_fresh_database_serves_every_image(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    original_url, restored_url = databases
    data, restored_data = tmp_path / "data", tmp_path / "restored"
    core, server = serve(data, original_url)
    core.db.upgrade()
    with server:
        actors = actor(Stack("backup", core.settings, core, server.url))
        someone = next(actors)
        for n in range(3):
            someone.picture(n)
        someone.images(4)
        files = stored_files(core)
        assert len(files) == 7 and served(someone.client, files) == files
        before = listings(someone, someone.client)
        actors.close()
    core.close()

    # The backup: the database, then the data directory (objects are never changed in place, so a
    # copy taken after the dump holds every object the dump names).
    dump = tmp_path / "realtymedia.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", original_url], check=True)
    shutil.copytree(data, restored_data)
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={restored_url}", str(dump)], check=True)

    core, server = serve(restored_data, restored_url)
    with server, httpx.Client(base_url=server.url, timeout=30) as client:
        restored = Actor(Stack("restored", core.settings, core, server.url), someone.user, client,
                         IS24(server.url, someone.user), RealtyImage(server.url, someone.user),
                         someone.project_id, someone.realty_id)  # fmt: skip
        assert stored_files(core) == files
        assert served(client, files) == files  # every image and attachment, byte for byte
        assert listings(restored, client) == before
        # The restored service works on: a new upload, checked and saved.
        added = restored.ri.save(restored.realty_id, [restored.granted(jpeg(50))]).send(client)
        assert added.status_code == 200, added.text
    core.close()
