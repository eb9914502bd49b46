"""/healthz and /readyz over real HTTP: ready on both stacks, and a 503 naming the part that
failed or did not answer in time (a database that refuses, one that never answers, a storage that
is not there)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from realtymedia.app import create_app
from realtymedia.services.core import Core
from tests.support import Stack, ThreadedServer, free_port, make_settings


def test_both_answer_on_a_running_stack(stack: Stack) -> None:
    with stack.client() as client:
        health = client.get("/healthz")
        ready = client.get("/readyz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "failed": [], "database": "ok", "storage": "ok"}


@contextmanager
def served(tmp_path: Path, **settings: Any) -> Iterator[str]:
    """The service on settings whose database or storage may be broken (no migrations run)."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "storage": "local",
        "readiness_timeout_seconds": 1.0,
    }
    values.update(settings)
    core = Core.from_settings(make_settings(tmp_path, **values))
    try:
        with ThreadedServer(create_app(core)) as server:
            yield server.url
    finally:
        core.close()


@contextmanager
def silent_listener() -> Iterator[int]:
    """A port that accepts connections and never says a word (a hung database or storage)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield int(listener.getsockname()[1])


def test_database_that_refuses_is_named(tmp_path: Path) -> None:
    closed = free_port()
    with served(tmp_path, database_url=f"postgresql://postgres@127.0.0.1:{closed}/none") as url:
        health = httpx.get(f"{url}/healthz")
        ready = httpx.get(f"{url}/readyz", timeout=10)
    assert health.status_code == 200  # the process answers: no I/O behind it
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable" and body["failed"] == ["database"]
    assert body["database"] == "failed: OperationalError" and body["storage"] == "ok"
    assert str(closed) not in ready.text  # no connection details leak


def test_database_that_never_answers_times_out(tmp_path: Path) -> None:
    with silent_listener() as port, served(tmp_path, database_url=f"postgresql://postgres@127.0.0.1:{port}/x") as url:
        started = time.monotonic()
        ready = httpx.get(f"{url}/readyz", timeout=10)
        took = time.monotonic() - started
    assert ready.status_code == 503
    assert ready.json()["failed"] == ["database"]
    assert ready.json()["database"] == "no answer within 1 s"
    assert took < 5, took  # the timeout, not the driver's own


def test_storage_that_is_not_there_is_named(tmp_path: Path) -> None:
    with silent_listener() as port:
        s3 = {
            "storage": "s3",
            "s3_endpoint_url": f"http://127.0.0.1:{port}",
            "s3_access_key_id": "testing",
            "s3_secret_access_key": "testing",
            "s3_form_sessions": False,  # no STS to ask for a session either
        }
        with served(tmp_path, **s3) as url:
            ready = httpx.get(f"{url}/readyz", timeout=10)
    assert ready.status_code == 503
    assert ready.json()["failed"] == ["storage"]
    assert ready.json()["storage"] == "no answer within 1 s" and ready.json()["database"] == "ok"
