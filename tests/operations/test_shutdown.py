"""Graceful shutdown: SIGTERM to `realtymedia serve` in the middle of 8 uploads of 50 MiB to the
local storage endpoint. Four send a fifth of their bytes, wait for the signal, then send the rest
at once (so all eight are in flight when it comes, however busy the machine); four are sent so
slowly that the grace period runs out first. Every upload answered 204 is complete, byte for byte; every other
one (answered 500 as the grace period ran out, or cut off) left no file under its key, nor a
part file, and the server is gone soon after the grace period."""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from bench import processes
from bench.api import RealtyImage, User

MiB = 1024 * 1024
SIZE = 50 * MiB
CHUNK = MiB
GRACE = 8
HELD_AT = 10  # chunks the quick uploads send before the signal


@dataclass
class Upload:
    index: int
    url: str
    fields: dict[str, str]
    pause: float  # between chunks
    base: bytes
    release: threading.Event | None = None  # the quick ones hold at HELD_AT chunks until it is set
    sent: int = 0
    status: int | None = None
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def content_head(self) -> bytes:
        return self.index.to_bytes(4, "big") * 4  # the first 16 bytes: each file its own

    def sha256(self) -> str:
        digest = hashlib.sha256(self.content_head)
        digest.update(memoryview(self.base)[16:])
        return digest.hexdigest()

    def body(self, boundary: str) -> tuple[bytes, bytes]:
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in self.fields.items()
        )
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        return head, f"\r\n--{boundary}--\r\n".encode()

    def chunks(self, head: bytes, tail: bytes) -> Iterator[bytes]:
        yield head
        view = memoryview(self.base)
        for start in range(0, SIZE, CHUNK):
            piece = bytes(view[start : start + CHUNK])
            if start == 0:
                piece = self.content_head + piece[16:]
            yield piece
            self.sent += len(piece)
            if self.release is not None and self.sent == HELD_AT * CHUNK:
                self.release.wait(120)
            time.sleep(self.pause)
        yield tail

    def send(self) -> None:
        boundary = uuid.uuid4().hex
        head, tail = self.body(boundary)
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(head) + SIZE + len(tail)),
        }
        try:
            with httpx.Client(timeout=120) as client:
                self.status = client.post(self.url, content=self.chunks(head, tail), headers=headers).status_code
        except httpx.HTTPError as error:
            self.error = type(error).__name__
        finally:
            self.done.set()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'realtymedia.sqlite3'}"
        return
    request.getfixturevalue("postgres_url")  # skips, or fails under CI, when PostgreSQL is unreachable
    with processes.postgres_database("realtymedia_shutdown") as url:
        yield url


def test_sigterm_in_the_middle_of_eight_50_mib_uploads(tmp_path: Path, database_url: str) -> None:
    server = processes.service(tmp_path, database_url, tmp_path / "serve.log", shutdown_grace_seconds=str(GRACE))
    processes.cli(server.env, "db", "upgrade")
    user = User.from_cli(processes.cli(server.env, "users", "create", "uma"))
    server.start()
    base = os.urandom(SIZE)
    signal_sent = threading.Event()
    uploads = []
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for index in range(8):
            grant = RealtyImage(server.url, user).upload_grant().send(client)
            assert grant.status_code == 200, grant.text
            # Four send their last 40 chunks in well under a second once the signal is sent; four
            # would take 50 s, far past the grace.
            quick = index % 2 == 0
            fields = grant.json()["fields"]
            release = signal_sent if quick else None
            uploads.append(Upload(index, grant.json()["url"], fields, 0.01 if quick else 1.0, base, release))
    threads = [threading.Thread(target=upload.send) for upload in uploads]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while not all(u.sent >= 2 * CHUNK for u in uploads) or not all(u.sent >= HELD_AT * CHUNK for u in uploads[::2]):
        assert time.monotonic() < deadline, [u.sent for u in uploads]
        time.sleep(0.01)
    in_flight = [u.index for u in uploads if not u.done.is_set()]
    signalled = time.monotonic()
    assert server.process is not None
    server.process.send_signal(signal.SIGTERM)
    signal_sent.set()
    exit_code = server.process.wait(GRACE + 20)
    exited_after = time.monotonic() - signalled
    for thread in threads:
        thread.join(30)

    objects = tmp_path / "objects"
    answered = [u for u in uploads if u.status == 204]
    others = [u for u in uploads if u.status != 204]
    assert in_flight == list(range(8))  # all eight were in the middle when the signal came
    assert {u.index for u in answered} >= {0, 2, 4, 6}, [(u.index, u.status, u.error, u.sent) for u in uploads]
    assert others, "the grace period ran out for none: the slow uploads must still be in flight"
    for upload in answered:
        stored = objects / "realtymedia" / upload.fields["key"]
        assert stored.stat().st_size == SIZE
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == upload.sha256()
    for upload in others:
        # Answered 500 by uvicorn as it cancels the request, or cut off: never complete.
        assert (upload.status == 500 or upload.error is not None) and upload.sent < SIZE
        assert not (objects / "realtymedia" / upload.fields["key"]).exists()
    assert list((objects / ".incoming").iterdir()) == []  # cut uploads' part files removed at once
    assert exit_code in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once it has shut down
    assert GRACE - 1 < exited_after < GRACE + 10, exited_after
