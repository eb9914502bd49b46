"""`realtymedia-upload` (the SDK's command) as a user runs it: a real subprocess against the real service."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from realtymedia.services import accounts, projects, realties
from realtymedia.services.results import NewUser
from realtymedia_client import IS24Client, RealtyImageClient, sha256_of
from tests.client.conftest import write_images
from tests.support import Stack


@pytest.fixture
def account(stack: Stack) -> NewUser:
    return accounts.create_user(stack.core, f"cli{uuid.uuid4().hex[:10]}", "pw")


def environment(home: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REALTYMEDIA_", "XDG_"))}
    return {**env, "HOME": str(home), "PYTHONUNBUFFERED": "1", "COLUMNS": "200", **values}


# The console script the SDK's distribution installs beside this interpreter.
UPLOAD = [str(Path(sys.executable).with_name("realtymedia-upload"))]
# The same command under the server's `realtymedia`.
ALIAS = [sys.executable, "-m", "realtymedia", "upload"]


def upload(*args: str, env: dict[str, str], command: list[str] = UPLOAD) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=120)


def settled(read: Callable[[], list[Any]], quiet: float = 2.0, deadline: float = 60.0) -> list[Any]:
    """What `read` returns once it has not changed for `quiet` seconds."""
    ends = time.monotonic() + deadline
    last = read()
    while time.monotonic() < ends:
        time.sleep(quiet)
        now = read()
        if len(now) == len(last):
            return now
        last = now
    raise AssertionError(f"still changing after {deadline} s: {len(last)}")


def test_interrupted_upload_resumes_to_exactly_twenty(stack: Stack, account: NewUser, tmp_path: Path) -> None:
    photos = write_images(tmp_path / "photos", 20)
    realty = realties.create(stack.core, account.id, "Twenty").id
    home = tmp_path / "home"
    config = home / ".config" / "realtymedia" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'url = "{stack.url}"\ntoken = "{account.bearer_token}"\nparallel = 1\n')
    env = environment(home)
    command = [*UPLOAD, "--realty", str(realty), str(tmp_path / "photos")]

    # First run: killed (SIGKILL, no chance to tidy up) once five files are reported saved.
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    saved_lines = 0
    for line in process.stderr:
        saved_lines += line.startswith("saved ")
        if saved_lines == 5:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(30)
    assert process.returncode == -signal.SIGKILL

    with RealtyImageClient(stack.url, account.bearer_token) as client:
        # The killed run's last save may still be at work in the service: count once it is done.
        before = settled(lambda: client.images(str(realty)))
        assert 5 <= len(before) < 20

        second = upload("--realty", str(realty), str(tmp_path / "photos"), env=env)
        assert second.returncode == 0, second.stderr
        summary = json.loads(second.stdout)
        assert len(summary["skipped"]) == len(before)
        assert len(summary["uploaded"]) == 20 - len(before)
        assert summary["failed"] == []
        assert "upload summary" in second.stderr

        after = client.images(str(realty))
    assert len(after) == 20
    assert [image.sha256 for image in after] == [sha256_of(p) for p in photos]

    third = upload("--realty", str(realty), str(tmp_path / "photos"), env=env)
    assert third.returncode == 0 and len(json.loads(third.stdout)["skipped"]) == 20


def test_failures_are_reported_with_reasons(stack: Stack, account: NewUser, tmp_path: Path) -> None:
    good = write_images(tmp_path / "in", 2)
    fake = tmp_path / "in" / "zz-fake.jpg"
    fake.write_text("this is not a photo")
    realty = realties.create(stack.core, account.id).id
    # Settings from the environment this time; --from-names describes each image by its file name.
    env = environment(tmp_path, REALTYMEDIA_URL=stack.url, REALTYMEDIA_TOKEN=account.bearer_token)

    result = upload("--realty", str(realty), "--from-names", *map(str, [*good, fake]), env=env)

    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert [Path(f["file"]).name for f in summary["uploaded"]] == [p.name for p in good]
    [failed] = summary["failed"]
    # A sentence naming the file, then the service's code for support.
    assert Path(failed["file"]) == fake and failed["reason"].startswith("zz-fake.jpg is not a picture")
    assert "[service: 400 " in failed["reason"]
    assert f"failed {fake}" in result.stderr
    with RealtyImageClient(stack.url, account.bearer_token) as client:
        assert [i.description for i in client.images(str(realty))] == [p.stem for p in good]

    # A flag beats the environment; and `realtymedia upload` is the same command.
    wrong = upload("--realty", str(realty), "--token", "rm_wrong", str(good[0]), env=env, command=ALIAS)
    assert wrong.returncode == 1
    said = json.loads(wrong.stdout)["failed"][0]["reason"]
    assert said.startswith("The service did not accept your credentials") and "401 UNAUTHORIZED" in said


def test_project_upload_is_resumable_through_its_state_file(
    stack: Stack, account: NewUser, tmp_path: Path
) -> None:
    photos = write_images(tmp_path / "project", 3)
    project = str(projects.create(stack.core, account.username, "PROFESSIONAL", "Riverside").id)
    oauth = account.oauth
    flags = [
        "--project", project, "--type", "IMAGE", "--from-names", "--url", stack.url, "--format", "xml",
        "--consumer-key", oauth.consumer_key, "--consumer-secret", oauth.consumer_secret,
        "--access-token", oauth.access_token, "--access-token-secret", oauth.access_token_secret,
        "--state-file", str(tmp_path / "state.json"),
    ]  # fmt: skip
    env = environment(tmp_path)

    first = upload(*flags, str(tmp_path / "project"), env=env)
    assert first.returncode == 0, first.stderr
    ids = [item["id"] for item in json.loads(first.stdout)["uploaded"]]
    assert len(ids) == 3

    keys = oauth.consumer_key, oauth.consumer_secret, oauth.access_token, oauth.access_token_secret

    with IS24Client(stack.url, *keys) as client:
        client.delete(project, ids[1])
        second = upload(*flags, str(tmp_path / "project"), env=env)
        assert second.returncode == 0, second.stderr
        summary = json.loads(second.stdout)
        assert [Path(s["file"]).name for s in summary["skipped"]] == [photos[0].name, photos[2].name]
        assert [Path(u["file"]).name for u in summary["uploaded"]] == [photos[1].name]
        pictures = client.attachments(project)
    assert sorted(a.title or "" for a in pictures) == sorted(p.stem for p in photos)
