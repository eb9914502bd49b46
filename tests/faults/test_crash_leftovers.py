"""A crash in the middle of a save or a copy leaves objects that no row names (the checked copies of
the uploads, the copied images: made before the commit). `realtymedia cleanup` must find and
remove them, without listing the whole bucket. `realtymedia serve` as a subprocess, killed -9 while
such objects exist and before the commit, on SQLite with local storage and PostgreSQL with S3."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy
from bench import processes
from bench.api import RealtyImage, User

from realtymedia.persistence.models import Media
from realtymedia.persistence.models import User as UserRow
from realtymedia.services import accounts, realties, tickets
from realtymedia.services.core import Core
from realtymedia.settings import Settings
from tests.faults.killing import photo
from tests.support import make_settings

IMAGES = 120


@pytest.fixture(params=["sqlite-local", "postgresql-s3"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    db_kind, storage = request.param.split("-")
    if db_kind == "postgresql":
        database_url: str = request.getfixturevalue("postgres_url")
    else:
        database_url = f"sqlite:///{tmp_path / 'realtymedia.sqlite3'}"
    endpoint = request.getfixturevalue("moto_endpoint") if storage == "s3" else ""
    made = make_settings(tmp_path, database_url, storage, endpoint)
    if storage == "s3":
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="eu-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        try:
            s3.create_bucket(Bucket=made.s3_bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
    return made


def server_for(settings: Settings) -> processes.Server:
    # The settings the tests chose (storage, S3 and STS endpoints, no rate limits), as the environment.
    values = {
        name: str(getattr(settings, name)) for name in settings.model_fields_set - {"data_dir", "database_url"}
    }
    return processes.service(settings.data_dir, settings.database_url, settings.data_dir / "server.log", **values)


class Scope:
    """The test's own objects: its user's uploads and its realties' copies. The database and the
    bucket are shared with the rest of the session's tests (on PostgreSQL and moto), whose rows and
    objects are none of this test's business."""

    def __init__(self, settings: Settings, username: str) -> None:
        self.settings = settings
        engine = sqlalchemy.create_engine(settings.resolved_database_url)
        try:
            with engine.connect() as connection:
                user_id = connection.execute(sqlalchemy.select(UserRow.id).where(UserRow.username == username)).scalar()
        finally:
            engine.dispose()
        self.prefixes = [f"media/user-{user_id}/"]

    def add_realty(self, realty_id: str) -> str:
        self.prefixes.append(f"realties/{realty_id}/")
        return realty_id

    def named_keys(self) -> set[str]:
        engine = sqlalchemy.create_engine(self.settings.resolved_database_url)
        try:
            with engine.connect() as connection:
                keys = {key for (key,) in connection.execute(sqlalchemy.select(Media.key)) if key}
        finally:
            engine.dispose()
        return {key for key in keys if key.startswith(tuple(self.prefixes))}

    def stored_keys(self, core: Core) -> set[str]:
        return {key for prefix in self.prefixes for key in core.storage.list_keys(prefix)}


def upload(server: processes.Server, user: User, count: int, seed: int) -> list[str]:
    def one(i: int) -> str:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            response = RealtyImage(server.url, user).upload_grant("image/jpeg").send(client)
            grant = response.json()
            posted = client.post(
                grant["url"], data=grant["fields"], files={"file": ("p.jpg", photo(seed + i), "image/jpeg")}
            )
            assert posted.status_code in (200, 201, 204), posted.text
            return str(grant["fields"]["key"])

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def kill_while(server: processes.Server, send: Callable[[], httpx.Response], leftovers: Callable[[], int]) -> bool:
    """Send the request and kill -9 the server as soon as objects of it exist; True when the kill
    came before the request was answered (its commit), so that the objects are a crash's."""
    answered = threading.Event()

    def run() -> None:
        try:
            send()
        except httpx.HTTPError:
            pass
        answered.set()

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 120
    while not answered.is_set() and time.monotonic() < deadline:
        if leftovers() > 0:
            break
        time.sleep(0.02)
    landed = not answered.is_set()
    server.kill9()
    thread.join(60)
    return landed


def test_cleanup_removes_what_a_crash_in_a_save_or_a_copy_left(settings: Settings) -> None:
    core = Core.from_settings(settings)
    core.db.upgrade()
    server = server_for(settings)
    try:
        user = User.from_new_user(accounts.create_user(core, f"crash{uuid.uuid4().hex[:8]}", "pw"))
        scope = Scope(settings, user.username)
        source, saved_into, copied_into = (
            scope.add_realty(str(realties.create_for(core, user.username).id)) for _ in range(3)
        )
        api = RealtyImage(server.url, user)
        server.start()
        with httpx.Client(base_url=server.url, timeout=300) as client:
            keys = upload(server, user, IMAGES, 0)
            assert api.save(source, keys).send(client).status_code == 200
        before = scope.stored_keys(core)
        crashes = 0
        for attempt in range(3):  # the kill must land between the first object and the commit
            keys = upload(server, user, IMAGES, 1000 * (attempt + 1))
            with httpx.Client(base_url=server.url, timeout=300) as client:
                crashes += kill_while(
                    server,
                    lambda: api.save(saved_into, keys).send(client),  # noqa: B023
                    lambda: len(set(core.storage.list_keys(scope.prefixes[0])) - before),
                )
            server.start()
            if crashes:
                break
        with httpx.Client(base_url=server.url, timeout=300) as client:
            for _ in range(3):
                copied = kill_while(
                    server,
                    lambda: api.copy(copied_into, source).send(client),  # noqa: B023
                    lambda: len(core.storage.list_keys(f"realties/{copied_into}/")),  # noqa: B023
                )
                server.start()
                if copied:
                    crashes += 1
                    break
                # Answered before the kill: start over on a fresh target.
                copied_into = scope.add_realty(str(realties.create_for(core, user.username).id))
        assert crashes == 2, "the kills did not land in the middle of a save and of a copy"
        left = scope.stored_keys(core) - scope.named_keys()
        assert left, "the crashes left nothing to clean up"

        # A later cleanup run (as if the tickets' lifetime and the grace period had passed).
        later = Core.from_settings(
            settings.model_copy(update={"cleanup_grace_seconds": -2 * settings.ticket_lifetime_seconds})
        )
        try:
            tickets.cleanup(later)
        finally:
            later.close()
        assert scope.stored_keys(core) - scope.named_keys() == set()
        # What rows name is all still there.
        assert scope.named_keys() <= scope.stored_keys(core)
    finally:
        server.stop()
        core.close()
