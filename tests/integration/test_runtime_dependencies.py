"""`make run` installs the server's own dependencies and the SDK, not the dev extra: `realtymedia
serve` must migrate, start and answer on what those declare alone (greenlet once came only with
Playwright, and a fresh clone's first `make run` failed)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx

from tests.imports_guard import guarded
from tests.support import free_port


def test_serve_runs_on_the_declared_dependencies(tmp_path: Path) -> None:
    port = free_port()
    body = f"from realtymedia.cli import main\nmain(['serve', '--port', '{port}', '--no-access-log'])\n"
    command = guarded(["realtymedia", "realtymedia-client"], ["realtymedia", "realtymedia_client"], body)
    env = {**os.environ, "REALTYMEDIA_DATA_DIR": str(tmp_path)}
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, server.communicate()[0][-3000:]
            try:
                pages = [httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10) for path in ("/", "/readyz")]
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.5)
        assert [page.status_code for page in pages] == [200, 200]
    finally:
        server.terminate()
        server.wait(30)
