"""Ctrl-C in the middle of `realtymedia-upload` on a slow day: a save is on its way to the service
when the user presses it (the proxy holds its answer back), and files already sent to storage wait
for their turn to be saved (four in flight at once)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from realtymedia.services import accounts, realties
from realtymedia_client import RealtyImageClient, sha256_of
from tests.cli.proxy import Proxy, proxy
from tests.cli.test_upload_cli import UPLOAD, environment
from tests.client.conftest import write_images
from tests.support import Stack

SAVE = re.compile(r"^POST /realty-image/v2/realty/[^/]+/images$")
STORAGE_POST = r"^POST /storage/"


@dataclass
class Interrupted:
    photos: list[Path]
    realty: str
    token: str
    command: list[str]
    status: int
    summary: dict[str, Any]
    screen: str
    on_service: dict[str, str]  # sha256 -> image id, after the interrupted run
    proxy: Proxy  # the service's address for the command, as the same URL for a resumed run
    env: dict[str, str]


@pytest.fixture
def interrupted(local_stack: Stack, tmp_path: Path) -> Iterator[Interrupted]:
    account = accounts.create_user(local_stack.core, f"int{uuid.uuid4().hex[:10]}", "pw")
    photos = write_images(tmp_path / "photos", 12)
    realty = str(realties.create(local_stack.core, account.id, "Slow day").id)
    token = account.bearer_token
    command = [
        *UPLOAD, "--realty", realty, "--parallel", "4", "--state-file", str(tmp_path / "state.json"),
        str(tmp_path / "photos"),
    ]  # fmt: skip
    with proxy(local_stack.url, hold=SAVE, hold_seconds=2.0) as slow:
        env = environment(tmp_path, REALTYMEDIA_URL=slow.url, REALTYMEDIA_TOKEN=token)
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert slow.held.wait(60), "no save reached the service"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
        with RealtyImageClient(local_stack.url, token) as client:
            on_service = {str(image.sha256): image.id for image in client.images(realty)}
        assert on_service, "the held save reached the service"
        summary = json.loads(stdout)
        yield Interrupted(photos, realty, token, command, process.returncode, summary, stderr, on_service, slow, env)


def test_the_summary_counts_what_the_service_confirmed(interrupted: Interrupted) -> None:
    assert interrupted.status == 130
    # The save on its way when Ctrl-C came was made: the summary says so.
    reported = {sha256_of(Path(u["file"])): u["id"] for u in interrupted.summary["uploaded"]}
    assert reported == interrupted.on_service
    assert f"interrupted: {len(reported)} saved" in interrupted.screen


def test_the_screen_says_what_was_interrupted(interrupted: Interrupted) -> None:
    not_saved = [p for p in interrupted.photos if sha256_of(p) not in interrupted.on_service]
    assert not_saved
    lines = interrupted.screen.splitlines()
    for photo in not_saved:
        assert any(re.match(rf"interrupted {re.escape(str(photo))}: (sent to storage, not saved|not sent)$", line)
                   for line in lines), interrupted.screen  # fmt: skip
        # and no progress bar is left standing for it (a bar's line starts with the file's name)
        assert not [line for line in lines if line.startswith(photo.name)], interrupted.screen
    assert {Path(i["file"]) for i in interrupted.summary["interrupted"]} == set(not_saved)


def test_a_resumed_run_reuses_what_was_sent(interrupted: Interrupted, local_stack: Stack) -> None:
    sent_not_saved = {Path(i["file"]) for i in interrupted.summary["interrupted"] if i["reason"].startswith("sent")}
    assert sent_not_saved, "with four files in flight, some were in storage, waiting to be saved"
    not_saved = [p for p in interrupted.photos if sha256_of(p) not in interrupted.on_service]

    counting = interrupted.proxy
    counting.hold = None
    posted_first = counting.count(STORAGE_POST)
    second = subprocess.run(interrupted.command, env=interrupted.env, capture_output=True, text=True, timeout=120)
    posted_again = counting.count(STORAGE_POST) - posted_first
    assert second.returncode == 0, second.stderr
    resumed = json.loads(second.stdout)
    # What the first run had sent is saved by its grant, without being sent again.
    assert {Path(u["file"]) for u in resumed["uploaded"] if u.get("reused")} == sent_not_saved
    assert posted_again == len(not_saved) - len(sent_not_saved)
    with RealtyImageClient(local_stack.url, interrupted.token) as client:
        held = [image.sha256 for image in client.images(interrupted.realty)]
    assert held == [sha256_of(p) for p in interrupted.photos]


@pytest.fixture(autouse=True)
def aborted_uploads_are_removed(local_stack: Stack) -> Iterator[None]:
    """An interrupted run aborts storage POSTs mid-body; the endpoint removes their partial files
    once it sees the connection go (asynchronously). Wait for that here, and fail if it never
    happens, so that no partial file outlives this test on the shared stack."""
    import time

    yield
    left: list[Path] = []
    for _ in range(60):
        left = list(local_stack.core.storage.incoming.iterdir())
        if not left:
            return
        time.sleep(0.5)
    assert left == [], "an aborted upload left a partial file behind"
