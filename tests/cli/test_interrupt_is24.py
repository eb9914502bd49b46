"""Ctrl-C in the middle of `realtymedia-upload --project` (IS24), then the same command again: the
pictures an interrupted run had sent to storage but not assigned are assigned from that upload,
without being sent again, and the project ends with every picture once, in the files' order.
(tests/cli/test_interrupt.py does the same for a realty's images.)"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import uuid
from pathlib import Path

from realtymedia.services import accounts, projects
from realtymedia_client import IS24Client
from tests.cli.proxy import proxy
from tests.cli.test_interrupt import STORAGE_POST, aborted_uploads_are_removed  # noqa: F401  # its fixture
from tests.cli.test_upload_cli import UPLOAD, environment
from tests.client.conftest import write_images
from tests.support import Stack

ASSIGN = re.compile(r"^POST /restapi/api/offer/v1\.0/user/[^/]+/realestateproject/\d+/attachment$")


def test_a_resumed_project_upload_assigns_what_was_sent(local_stack: Stack, tmp_path: Path) -> None:
    account = accounts.create_user(local_stack.core, f"int{uuid.uuid4().hex[:10]}", "pw")
    photos = write_images(tmp_path / "photos", 10, prefix="view")
    project = str(projects.create(local_stack.core, account.username, "PROFESSIONAL", "Slow day").id)
    oauth = account.oauth
    command = [
        *UPLOAD, "--project", project, "--type", "IMAGE", "--from-names", "--parallel", "4",
        "--state-file", str(tmp_path / "state.json"), str(tmp_path / "photos"),
    ]  # fmt: skip
    with proxy(local_stack.url, hold=ASSIGN, hold_seconds=2.0) as slow:
        env = environment(
            tmp_path,
            REALTYMEDIA_URL=slow.url,
            REALTYMEDIA_CONSUMER_KEY=oauth.consumer_key,
            REALTYMEDIA_CONSUMER_SECRET=oauth.consumer_secret,
            REALTYMEDIA_ACCESS_TOKEN=oauth.access_token,
            REALTYMEDIA_ACCESS_TOKEN_SECRET=oauth.access_token_secret,
        )
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert slow.held.wait(60), "no assignment reached the service"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 130, stderr
        first = json.loads(stdout)
        assigned_first = {Path(u["file"]) for u in first["uploaded"]}
        assert assigned_first, "the held assignment was made, and counted"
        sent_not_assigned = {Path(i["file"]) for i in first["interrupted"] if i["reason"].startswith("sent")}
        assert sent_not_assigned, "with four files in flight, some were in storage, waiting to be assigned"

        slow.hold = None
        posted_first = slow.count(STORAGE_POST)
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        posted_again = slow.count(STORAGE_POST) - posted_first
    assert second.returncode == 0, second.stderr
    resumed = json.loads(second.stdout)
    assert {Path(s["file"]) for s in resumed["skipped"]} == assigned_first
    # What the first run had sent is assigned by its ticket's attachment id, without being sent again.
    assert {Path(u["file"]) for u in resumed["uploaded"] if u.get("reused")} == sent_not_assigned
    assert posted_again == len(photos) - len(assigned_first) - len(sent_not_assigned)
    keys = oauth.consumer_key, oauth.consumer_secret, oauth.access_token, oauth.access_token_secret
    with IS24Client(local_stack.url, *keys) as client:
        titles = [a.title for a in client.attachments(project)]
    assert titles == [p.stem for p in photos]
