"""50 MiB uploads stream to disk: the server's memory stays flat. The server runs as its own
process (`realtymedia serve`), so its resident memory can be watched while the files go in."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
import pytest

from realtymedia.services import accounts, projects, tickets
from realtymedia.services.core import Core
from tests.support import free_port, make_settings

MiB = 1024 * 1024
CONCURRENT = 4


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    database_url = (
        request.getfixturevalue("postgres_url")
        if request.param == "postgresql"
        else f"sqlite:///{tmp_path / 'realtymedia.sqlite3'}"
    )
    port = free_port()
    env = {**os.environ, "REALTYMEDIA_DATA_DIR": str(tmp_path), "REALTYMEDIA_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "realtymedia", "serve", "--port", str(port), "--no-access-log"],
        env=env,
        cwd="/",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError(f"server did not start: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        time.sleep(0.1)
    core = Core.from_settings(make_settings(tmp_path, database_url, "local"))
    yield url, process, core
    process.terminate()
    process.wait(10)
    core.close()


def test_fifty_mib_uploads_keep_memory_flat(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, process, core = server
    user = accounts.create_user(core, f"m{uuid.uuid4().hex[:10]}", "pw")
    project = projects.create(core, user.username, "BASIC", "P")
    big = tmp_path / "big.pdf"
    with big.open("wb") as f:
        f.write(b"%PDF-1.4\n")
        for _ in range(50):
            f.write(os.urandom(MiB))
        f.truncate(50 * MiB)

    def upload() -> int:
        with core.unit_of_work() as uow:
            issued = tickets.issue(
                core,
                uow,
                user_id=user.id,
                owner_kind=tickets.PROJECT,  # type: ignore[call-overload]
                owner_id=str(project.id),
                content_type="application/pdf",
                allowed=("application/pdf",),
                base_url=url,
            )
            uow.commit()
        with big.open("rb") as f:
            response = httpx.post(
                issued.form.url, data=issued.form.fields, files={"file": ("big.pdf", f, "application/pdf")}, timeout=120
            )
        assert core.storage.head(issued.key) is not None
        return response.status_code

    assert upload() == 204  # warm up: imports, pools, buffers
    watched = psutil.Process(process.pid)
    baseline = watched.memory_info().rss
    peak = baseline
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, watched.memory_info().rss)
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(CONCURRENT) as pool:
            statuses = list(pool.map(lambda _: upload(), range(CONCURRENT)))
    finally:
        done.set()
        watcher.join()
    assert statuses == [204] * CONCURRENT
    growth = (peak - baseline) / MiB
    print(f"baseline {baseline / MiB:.1f} MiB, peak {peak / MiB:.1f} MiB, growth {growth:.1f} MiB")
    assert growth < 4 * CONCURRENT, f"memory grew by {growth:.1f} MiB for {CONCURRENT} concurrent 50 MiB uploads"
