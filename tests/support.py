"""Test support: real servers (uvicorn, moto's S3), real databases, and sample files."""

from __future__ import annotations

import io
import os
import socket
import struct
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from PIL import Image

from realtymedia.persistence.db import Database, open_database, upgrade
from realtymedia.server import config
from realtymedia.settings import Settings

PG_SERVER_URL = os.environ.get("REALTYMEDIA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThreadedServer:
    """A real uvicorn server on a loopback port, in a thread of the test process."""

    def __init__(self, app: Any, settings: Settings | None = None, *, lifespan: bool = False) -> None:
        """With `settings`, uvicorn is configured as `realtymedia serve` configures it (its protocol
        and limits); without, uvicorn's defaults (a bare application). `lifespan`: the app's
        lifespan runs, as when served (on PostgreSQL it starts the listener of media changes)."""
        self.port = free_port()
        options: dict[str, Any] = {"loop": "asyncio"} if settings is None else config.in_process(settings)
        options["lifespan"] = "on" if lifespan else "off"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", **options)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def postgres_database() -> tuple[str, Any] | None:
    """A new empty PostgreSQL database for this test session, and how to drop it; None if unreachable."""
    import psycopg

    try:
        admin = psycopg.connect(PG_SERVER_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        return None
    name = f"realtymedia_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_SERVER_URL.rsplit("/", 1)[0]

    def drop() -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return f"{base}/{name}", drop


@dataclass
class Stack:
    """One running service: its settings, core and HTTP address."""

    name: str
    settings: Settings
    core: Any
    url: str
    extra: dict[str, Any] = field(default_factory=dict)

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **kwargs)


def migrated_database(kind: str, request: Any, tmp_path: Path) -> Database:
    """A migrated database of its own for a test: SQLite in tmp_path, or the session's PostgreSQL
    (`postgres_url`), with small pools."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    else:
        url = "postgresql+psycopg://" + request.getfixturevalue("postgres_url").split("://", 1)[1]
    upgrade(url)
    return open_database(url, pool_size=2, max_overflow=2)


def make_settings(data_dir: Path, database_url: str, storage: str, s3_endpoint: str = "", **kwargs: Any) -> Settings:
    # No rate limits unless a test asks for them: the suite sends hundreds of requests a second from
    # one address, and tests/operations/test_rate_limits.py tests the limits themselves.
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "storage": storage,
        "rate_limit_per_credential": "",
        "rate_limit_per_address": "",
    }
    if storage == "s3":
        values.update(
            s3_endpoint_url=s3_endpoint,
            s3_sts_endpoint_url=s3_endpoint,
            s3_bucket="realtymedia-test",
            s3_region="eu-west-1",
            s3_access_key_id="testing",
            s3_secret_access_key="testing",
        )
    values.update(kwargs)
    return Settings(**values)


# -- sample files ---------------------------------------------------------------------------


def image_bytes(
    fmt: str = "JPEG", size: tuple[int, int] = (64, 48), color: tuple[int, int, int] = (200, 80, 30)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def pixel_bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A small PNG whose header claims width x height pixels."""
    png = bytearray(image_bytes("PNG", (1, 1)))
    ihdr = png.index(b"IHDR")
    png[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(png[ihdr : ihdr + 17])) & 0xFFFFFFFF
    png[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(png)


def pdf_bytes(encrypted: bool = False, javascript: bool = False) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if javascript:
        from pypdf.actions import JavaScript

        writer.add_open_action(JavaScript("app.alert('hello');"))
    if encrypted:
        writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def post_form(
    url: str,
    fields: dict[str, str],
    content: bytes,
    filename: str = "file.bin",
    content_type: str = "application/octet-stream",
    client: httpx.Client | None = None,
) -> httpx.Response:
    """A browser-style POST: every field in order, then the file last, as `curl -F` sends it."""
    files = {"file": (filename, content, content_type)}
    if client is not None:
        return client.post(url, data=fields, files=files)
    return httpx.post(url, data=fields, files=files, timeout=60)
