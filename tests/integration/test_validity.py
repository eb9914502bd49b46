"""The rendition read kept per worker on PostgreSQL (persistence.validity), for real: migration
0007's trigger, and two servers (two Cores, as two worker processes) on one database, each with its
listener started by the app's lifespan, over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest
from alembic import command

from realtymedia.app import create_app
from realtymedia.persistence import validity as validity_module
from realtymedia.persistence.db import SQLiteDatabase, alembic_config, upgrade
from realtymedia.persistence.validity import CHANNEL, Notified, ReadEveryTime
from realtymedia.services import media
from realtymedia.services.core import Core
from tests.api.is24.helpers import new_account, picture_xml
from tests.api.realty_image.conftest import Api, new_api
from tests.support import Stack, ThreadedServer, make_settings, postgres_database
from tests.unit.test_images import phone_jpeg

MOMENT = datetime(2026, 3, 4, 7, 6, 7, tzinfo=UTC)
# A notification reaches the other worker within milliseconds; this is the most a test waits.
NOTIFIED_WITHIN = 2.0


def libpq(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> float:
    """Poll until `condition()` holds; how long it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            pytest.fail(f"not within {seconds} s: {what}")
        time.sleep(0.01)
    return time.monotonic() - start


def validity(stack: Stack) -> Notified:
    found = stack.core.db.validity
    assert isinstance(found, Notified)
    return found


@pytest.fixture(scope="module")
def pair(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Stack]]:
    """Servers A and B on one PostgreSQL database and one storage (local, in one data directory)."""
    data_dir = tmp_path_factory.mktemp("validity")
    settings = make_settings(data_dir, postgres_url, "local")
    cores = [Core.from_settings(settings) for _ in range(2)]
    cores[0].db.upgrade()
    servers = [ThreadedServer(create_app(core), settings, lifespan=True) for core in cores]
    with servers[0] as a, servers[1] as b:
        stacks = (Stack("A", settings, cores[0], a.url), Stack("B", settings, cores[1], b.url))
        for stack in stacks:
            wait_for(lambda s=stack: validity(s).live, 10, f"the listener of {stack.name} is up")  # type: ignore[misc]
        yield stacks
    for core in cores:
        core.close()


@pytest.fixture
def api(pair: tuple[Stack, Stack]) -> Iterator[Api]:
    yield from new_api(pair[0])


def saved_image(api: Api) -> tuple[str, dict[str, Any]]:
    realty = api.realty()
    response = api.save(realty, [api.upload(phone_jpeg(1))])
    assert response.status_code == 200, response.text
    return realty, response.json()["realtyImages"][0]


def url_on(stack: Stack, image: dict[str, Any]) -> str:
    """A stored rendition's URL (a listed size), on `stack`'s address."""
    path = "/realty-image/v2/" + image["renditions"]["SCALE_AND_CROP"].split("/realty-image/v2/", 1)[1]
    return stack.url + path.replace("%WIDTH%", "240").replace("%HEIGHT%", "180")


def status(url: str) -> int:
    return httpx.get(url, timeout=30).status_code


def held_by(stack: Stack, image: dict[str, Any]) -> str:
    """GET the rendition through `stack` until its worker holds the bytes and the row: the second
    GET is the fast path (api.pictures.Ahead), its read answered from memory."""
    url = url_on(stack, image)
    assert status(url) == 200
    assert status(url) == 200
    assert validity(stack).holds(image["id"])
    return url


def delete(api: Api, realty: str, image: dict[str, Any]) -> None:
    assert api.call("DELETE", f"/realty/{realty}/images/{image['id']}").status_code == 200


def test_a_delete_through_a_is_404_through_b_once_notified(pair: tuple[Stack, Stack], api: Api) -> None:
    a, b = pair
    realty, image = saved_image(api)
    url = held_by(b, image)
    delete(api, realty, image)
    took = wait_for(lambda: status(url) == 404, NOTIFIED_WITHIN, "B answers 404 after A's delete")
    assert not validity(b).holds(image["id"])
    assert took < NOTIFIED_WITHIN


def test_a_delete_is_404_at_once_on_the_server_that_made_it(
    pair: tuple[Stack, Stack], api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the notification (A's own listener is deaf here): the delete's local forget alone."""
    a, _ = pair
    realty, image = saved_image(api)
    url = held_by(a, image)
    heard: list[str] = []
    monkeypatch.setattr(validity(a), "changed", heard.append)
    delete(api, realty, image)
    assert not validity(a).holds(image["id"])
    assert status(url) == 404  # the very next request, no wait
    wait_for(lambda: image["id"] in heard, NOTIFIED_WITHIN, "A's listener heard its own delete too")


def test_an_is24_attachment_delete_is_404_at_once_on_the_server_that_made_it(
    pair: tuple[Stack, Stack], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other path that deletes pictures (services.attachments.delete) forgets too."""
    a, _ = pair
    account = new_account(a)
    picture = account.upload("image/jpeg", phone_jpeg(2))
    assert account.assign(picture_xml(picture, "IMAGE", "Garten")).status_code == 201
    one = account.request("GET", account.project_url(None, "attachment", picture), "json").json()
    scales = {u["@scale"]: u["@href"] for u in one["realestateproject.attachment"]["urls"][0]["url"]}
    url = scales["SCALE_AND_CROP"].replace("%WIDTH%", "240").replace("%HEIGHT%", "180")
    assert status(url) == 200
    assert status(url) == 200
    assert validity(a).holds(picture)
    monkeypatch.setattr(validity(a), "changed", lambda media_id: None)  # A's listener is deaf here
    assert account.request("DELETE", account.project_url(None, "attachment", picture), "json").status_code == 200
    assert not validity(a).holds(picture)
    assert status(url) == 404  # the very next request, no wait


def test_a_lost_listener_empties_the_memory_and_reads_until_it_is_back(
    pair: tuple[Stack, Stack], api: Api, postgres_url: str
) -> None:
    a, b = pair
    memory = validity(b)
    listener = memory.listener
    assert listener is not None and listener.backend_pid is not None
    realty, gone = saved_image(api)
    _, kept = saved_image(api)
    gone_url, kept_url = held_by(b, gone), url_on(b, kept)
    came_up = listener.connections
    reachable = listener.conninfo
    listener.conninfo = "postgresql://postgres@127.0.0.1:1/nowhere?connect_timeout=1"  # it stays down
    try:
        with psycopg.connect(libpq(postgres_url), autocommit=True) as admin:
            (ended,) = admin.execute("SELECT pg_terminate_backend(%s)", (listener.backend_pid,)).fetchone() or (False,)
        assert ended
        wait_for(lambda: not memory.live, NOTIFIED_WITHIN, "B sees its listener gone")
        assert not memory.holds(gone["id"])
        delete(api, realty, gone)  # B hears nothing of it
        assert status(gone_url) == 404  # read, at once
        assert status(kept_url) == 200 and status(kept_url) == 200
        assert not memory.holds(kept["id"])  # nothing kept while nobody listens
    finally:
        listener.conninfo = reachable
    wait_for(lambda: memory.live and listener.connections > came_up, 30, "B's listener is back")
    assert status(kept_url) == 200 and status(kept_url) == 200
    assert memory.holds(kept["id"])  # kept again


def _add(conninfo: str, media_id: str) -> None:
    row = media.row(
        media_id=media_id, owner_kind="realty", owner_id="validity-owner", position=0, kind="Image",
        moment=MOMENT, title="a title", key=f"v/{media_id}", content_type="image/jpeg", size=4024, width=320,
        height=240, sha256="ab" * 32,
    )  # fmt: skip
    columns = ", ".join(row)
    values = ", ".join(f"%({name})s" for name in row)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f"INSERT INTO media ({columns}) VALUES ({values})", row)  # noqa: S608 (our columns)


@pytest.fixture
def own_database(postgres_url: str) -> Iterator[str]:
    """A database of this test's own (it truncates and downgrades), migrated; libpq's URL."""
    made = postgres_database()
    assert made is not None  # postgres_url was reachable
    url, drop = made
    upgrade("postgresql+psycopg://" + url.split("://", 1)[1])
    yield url
    drop()


def test_the_trigger_notifies_deletes_and_changes_of_what_a_rendition_reads(own_database: str) -> None:
    conninfo = own_database
    ident = f"v-{uuid.uuid4().hex[:8]}"
    _add(conninfo, ident)
    with psycopg.connect(conninfo, autocommit=True) as listening, psycopg.connect(conninfo) as writer:
        listening.execute(f"LISTEN {CHANNEL}")

        def heard() -> list[str]:
            return [n.payload for n in listening.notifies(timeout=0.3)]

        def change(sql: str, *, commit: bool = True) -> list[str]:
            writer.execute(sql.replace("ID", f"'{ident}'"))
            if commit:
                writer.commit()
            else:
                writer.rollback()
            return heard()

        assert heard() == []  # an insert: nothing (a miss is never kept)
        for quiet in (
            "UPDATE media SET title = 'another title' WHERE id = ID",
            "UPDATE media SET position = 7 WHERE id = ID",
            "UPDATE media SET published = true, updated_at = now() WHERE id = ID",
            "UPDATE media SET placeholder = 'data:,', subtype = 'x' WHERE id = ID",
            "UPDATE media SET sha256 = sha256, key = key WHERE id = ID",  # named, not changed
        ):
            assert change(quiet) == [], quiet
        for loud in (
            "UPDATE media SET sha256 = repeat('cd', 32) WHERE id = ID",
            "UPDATE media SET key = 'v/elsewhere' WHERE id = ID",
            "UPDATE media SET content_type = 'image/png' WHERE id = ID",
            "UPDATE media SET size = 1, width = 2, height = 3 WHERE id = ID",
            "UPDATE media SET key = NULL WHERE id = ID",
        ):
            assert change(loud) == [ident], loud
        assert change("UPDATE media SET sha256 = repeat('ef', 32) WHERE id = ID", commit=False) == []
        assert change("DELETE FROM media WHERE id = ID", commit=False) == []  # rolled back: nothing
        assert change("DELETE FROM media WHERE id = ID") == [ident]
        _add(conninfo, ident)
        assert change("TRUNCATE media") == [""]  # no row trigger fires: every row
        _add(conninfo, ident)
        command.downgrade(alembic_config("postgresql+psycopg://" + conninfo.split("://", 1)[1]), "0006")
        assert change("DELETE FROM media WHERE id = ID") == []  # the downgrade dropped the triggers


def test_a_change_of_the_version_forgets_the_row_and_a_description_does_not(
    pair: tuple[Stack, Stack], api: Api, postgres_url: str
) -> None:
    _, b = pair
    _, image = saved_image(api)
    url = held_by(b, image)
    with psycopg.connect(libpq(postgres_url), autocommit=True) as connection:
        connection.execute("UPDATE media SET title = 'described', position = 3 WHERE id = %s", (image["id"],))
        time.sleep(0.3)
        assert validity(b).holds(image["id"])  # nothing a rendition reads changed
        connection.execute("UPDATE media SET sha256 = repeat('cd', 32) WHERE id = %s", (image["id"],))
    wait_for(lambda: status(url) == 404, NOTIFIED_WITHIN, "B answers 404 for the old version")
    kept = validity(b).read(image["id"], lambda: pytest.fail("the row as it is now is kept"))
    assert kept is not None and kept.sha256 == "cd" * 32  # type: ignore[attr-defined]


def test_sqlite_reads_on_every_request(tmp_path: Path) -> None:
    db = SQLiteDatabase(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        assert isinstance(db.validity, ReadEveryTime)
    finally:
        db.dispose()


class Freezable:
    """A TCP relay to PostgreSQL that can go silent (`frozen`: no byte passes either way, and a
    new connection hangs), as a connection lost without an error does."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.frozen = False
        self.port = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def _thawed(self) -> None:
        while self.frozen:
            await asyncio.sleep(0.02)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await source.read(65536):
                await self._thawed()
                sink.write(data)
                await sink.drain()
        sink.close()

    async def _relay(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        try:
            await self._thawed()
            server, to_server = await asyncio.open_connection(*self.target)
        except asyncio.CancelledError:  # the relay closed while frozen
            to_client.close()
            return
        for pipe in (self._pipe(client, to_server), self._pipe(server, to_client)):
            task = asyncio.ensure_future(pipe)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def start(self) -> asyncio.Server:
        server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        return server

    async def close(self, server: asyncio.Server) -> None:
        server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def test_a_silent_listener_stops_serving_kept_rows_when_the_heartbeat_is_late(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept rows are served no longer than HEARTBEAT_SECONDS + HEARTBEAT_TIMEOUT_SECONDS after
    the listener's connection went silent (docs/renditions.md), not for psycopg's cancellation of
    the late query as well (a cancel request, then a wait: 10 s more)."""
    monkeypatch.setattr(validity_module, "HEARTBEAT_SECONDS", 0.3)
    monkeypatch.setattr(validity_module, "HEARTBEAT_TIMEOUT_SECONDS", 0.3)
    where = urlsplit(libpq(postgres_url))

    async def scenario() -> tuple[float, bool, float, list[str]]:
        relay = Freezable(where.hostname or "127.0.0.1", where.port or 5432)
        server = await relay.start()
        memory = Notified(where._replace(netloc=f"{where.username}@127.0.0.1:{relay.port}").geturl())
        await memory.start()
        try:
            deadline = time.monotonic() + 10
            while not memory.live and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            assert memory.live
            memory.read("kept", lambda: "row")
            assert memory.holds("kept")
            await asyncio.sleep(0.1)
            relay.frozen = True
            silent = time.monotonic()
            while memory.live and time.monotonic() - silent < 15:
                await asyncio.sleep(0.01)
            took, held = time.monotonic() - silent, memory.holds("kept")
            await asyncio.sleep(0.05)  # psycopg is cancelling the late heartbeat: closing ends that too
            closing = time.monotonic()
            await memory.close()
            closed = time.monotonic() - closing
            await asyncio.sleep(0)
            left = [repr(t.get_coro()) for t in asyncio.all_tasks() if "AsyncConnection" in repr(t.get_coro())]
            return took, held, closed, left
        finally:
            relay.frozen = False
            await memory.close()
            await relay.close(server)

    took, held, closed, left = asyncio.run(scenario())
    assert not held
    assert closed < 1.0, f"closing the listener took {closed:.1f} s"
    assert left == []
    assert took < 0.3 + 0.3 + 0.5, f"kept rows were served {took:.1f} s after the connection went silent"
