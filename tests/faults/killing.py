"""The kill -9 fault: `realtymedia serve` as a subprocess, killed in the middle of 50 concurrent
uploads, assigns, saves and reorders, then restarted on the same data and checked. The same load
with SIGTERM instead (`stop="sigterm"`): the graceful shutdown, whose requests in flight are
answered within the grace period or cut, and which must leave no partial file behind."""

from __future__ import annotations

import io
import json
import random
import signal
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from bench import processes
from bench.api import IS24, RealtyImage, User, ticket_form
from PIL import Image

from realtymedia.services import accounts, projects, realties
from realtymedia.services.core import Core
from realtymedia.settings import Settings
from tests.faults import consistency
from tests.faults.conftest import attachment_ids_of

WORKERS = 50
GRACE = 10  # the SIGTERM rounds' shutdown grace period, in seconds


def photo(seed: int) -> bytes:
    """A distinct JPEG of some 100-300 KB: big enough that uploads are in flight when the kill comes."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (480, 360), rng.randbytes(480 * 360 * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


@dataclass
class Load:
    """What the clients did and were told before the kill."""

    server: processes.Server
    user: User
    project_id: int
    realty_id: str
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: dict[str, bytes] = field(default_factory=dict)
    assigned: list[str] = field(default_factory=list)
    saved: list[str] = field(default_factory=list)
    started: int = 0
    finished: int = 0
    answers: dict[int, int] = field(default_factory=dict)
    refusals: dict[str, int] = field(default_factory=dict)
    signalled: bool = False  # the stop signal was sent
    after_signal: dict[str, int] = field(default_factory=dict)  # how the requests in flight then ended

    def call(self, send: Callable[..., httpx.Response], *args: Any, **kwargs: Any) -> httpx.Response:
        with self.lock:
            self.started += 1
            in_flight_at_signal = not self.signalled
        try:
            response = send(*args, **kwargs)
        except httpx.HTTPError as error:
            with self.lock:
                if self.signalled and in_flight_at_signal:
                    self._after_signal(type(error).__name__)
            raise
        with self.lock:
            self.finished += 1
            if self.signalled and in_flight_at_signal:
                self._after_signal(str(response.status_code))
            self.answers[response.status_code] = self.answers.get(response.status_code, 0) + 1
            if response.status_code >= 400:
                what = f"{response.request.method} {response.status_code} {response.text[:160]}"
                self.refusals[what] = self.refusals.get(what, 0) + 1
        return response

    def _after_signal(self, outcome: str) -> None:
        self.after_signal[outcome] = self.after_signal.get(outcome, 0) + 1

    def upload(self, client: httpx.Client, url: str, fields: dict[str, str], key: str, seed: int) -> bool:
        content = photo(seed)
        with self.lock:
            self.sent[key] = content
        files = {"file": ("photo.jpg", content, "image/jpeg")}
        return self.call(client.post, url, data=fields, files=files).status_code == 204


def worker(load: Load, index: int) -> None:
    is24, ri = IS24(load.server.url, load.user), RealtyImage(load.server.url, load.user)
    rng = random.Random(index)
    seed = index * 10_000
    with httpx.Client(base_url=load.server.url, timeout=30) as client:
        while not load.stop.is_set():
            seed += 1
            try:
                kind = index % 4
                if kind == 0:  # IS24: ticket, upload, assign
                    ticket = load.call(is24.upload_ticket(load.project_id).send, client)
                    attachment_id, url, fields = ticket_form(ticket)
                    if load.upload(client, url, fields, fields["key"], seed):
                        request = is24.assign_picture(load.project_id, attachment_id, f"Room {seed}")
                        if load.call(request.send, client).status_code == 201:
                            with load.lock:
                                load.assigned.append(attachment_id)
                elif kind == 1:  # Realty Image: grants, uploads, one save
                    keys = []
                    for n in range(3):
                        grant = load.call(ri.upload_grant().send, client).json()
                        key = grant["fields"]["key"]
                        if load.upload(client, grant["url"], grant["fields"], key, seed * 10 + n):
                            keys.append(key)
                    answer = load.call(ri.save(load.realty_id, keys).send, client)
                    if answer.status_code == 200:
                        with load.lock:
                            load.saved += [image["id"] for image in answer.json()["realtyImages"]]
                elif kind == 2:  # IS24 reorder: a random few to the front
                    listed = attachment_ids_of(load.call(is24.attachments(load.project_id).send, client).json())
                    if not listed:
                        continue
                    chosen = rng.sample(listed, min(len(listed), 3))
                    load.call(is24.order(load.project_id, chosen).send, client)
                else:  # Realty Image reorder: the full list, shuffled
                    found = load.call(ri.images(load.realty_id).send, client).json()["realtyImages"]
                    if not found:
                        continue
                    rng.shuffle(found)
                    request = ri.update(load.realty_id, [{"id": image["id"]} for image in found])
                    load.call(request.send, client)
            except (httpx.HTTPError, json.JSONDecodeError, KeyError, ValueError):
                if load.stop.is_set():
                    return
                time.sleep(0.05)  # the server is gone: the loop ends at the stop


def kill_round(
    data_dir: Path, database_url: str, seconds: float, rounds: int = 1, stop: str = "kill9"
) -> dict[str, Any]:
    """Load, stop the server at a random moment (kill -9, or SIGTERM with `stop="sigterm"`), restart,
    prove consistency; `rounds` times on the same data."""
    log = data_dir / "server.log"
    server = processes.service(data_dir, database_url, log, shutdown_grace_seconds=str(GRACE))
    processes.cli(server.env, "db", "upgrade")
    settings = Settings(data_dir=data_dir, database_url=database_url)
    core = Core.from_settings(settings)
    try:  # set up in this process, on the same database: quicker than the CLI's own start-up
        created = accounts.create_user(core, f"k{uuid.uuid4().hex[:8]}", "pw")
        user = User.from_new_user(created)
        project_id = projects.create(core, user.username, "PROFESSIONAL", "Kill").id
        realty_id = str(realties.create_for(core, user.username).id)
    finally:
        core.close()
    figures: dict[str, Any] = {"rounds": []}
    sent: dict[str, bytes] = {}
    acknowledged_attachments: list[str] = []
    acknowledged_images: list[str] = []
    for _ in range(rounds):
        server.start()
        load = Load(server, user, project_id, realty_id)
        with ThreadPoolExecutor(WORKERS) as pool:
            futures = [pool.submit(worker, load, i) for i in range(WORKERS)]
            time.sleep(seconds * (0.5 + random.random()))
            # On a busy machine the first acknowledgement may come later than that: the kill waits for
            # one (what it must not lose) and for requests in flight (what it cuts).
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with load.lock:
                    if (load.assigned or load.saved) and load.started > load.finished:
                        break
                time.sleep(0.01)
            with load.lock:
                in_flight = load.started - load.finished
                completed = load.finished
                load.signalled = True
            exit_code: int | None = None
            exited_after: float | None = None
            if stop == "sigterm":
                exit_code, exited_after = server.terminate(GRACE + 30)
            else:
                server.kill9()
            load.stop.set()
            for future in futures:
                future.result(timeout=60)
        sent.update(load.sent)
        acknowledged_attachments += load.assigned
        acknowledged_images += load.saved
        server.start()  # restart on the same database and storage
        core = Core.from_settings(settings)
        try:
            report = consistency.check(core, sent=sent)
        finally:
            core.close()
        with httpx.Client(base_url=server.url, timeout=30) as client:
            listed = attachment_ids_of(IS24(server.url, user).attachments(project_id).send(client).json())
            images = [
                i["id"] for i in RealtyImage(server.url, user).images(realty_id).send(client).json()["realtyImages"]
            ]
        lost = [a for a in acknowledged_attachments if a not in listed] + [
            i for i in acknowledged_images if i not in images
        ]
        incoming = data_dir / "objects" / ".incoming"
        figures["rounds"].append({
            "stop": stop,
            "requests_completed_before_kill": completed,
            "requests_in_flight_at_kill": in_flight,
            **({"in_flight_at_signal_ended": dict(sorted(load.after_signal.items())), "exit_code": exit_code,
                "exited_after_seconds": round(exited_after or 0, 2)} if stop == "sigterm" else {}),
            "answers": dict(sorted(load.answers.items())),
            "refusals": load.refusals,
            "attachments_acknowledged": len(acknowledged_attachments),
            "images_acknowledged": len(acknowledged_images),
            "media_rows": report.media,
            "consumed_tickets": report.consumed_tickets,
            "objects_sent": len(sent),
            "partial_files_left_in_incoming": len(list(incoming.iterdir())) if incoming.exists() else 0,
            "problems": report.problems,
            "lost": lost,
        })  # fmt: skip
        server.stop()
    return figures


def assert_clean(figures: dict[str, Any]) -> None:
    for round_ in figures["rounds"]:
        assert round_["problems"] == [], round_
        assert round_["lost"] == [], round_
        assert round_["requests_in_flight_at_kill"] > 0, round_  # the kill did land mid-load
        assert round_["attachments_acknowledged"] + round_["images_acknowledged"] > 0, round_
        if round_["stop"] == "sigterm":
            # The graceful stop: every upload it cut had its partial file removed at once, and the
            # process was gone within the grace period (uvicorn re-raises the signal once shut down).
            assert round_["partial_files_left_in_incoming"] == 0, round_
            assert round_["exit_code"] in (0, -signal.SIGTERM), round_
            assert round_["exited_after_seconds"] < GRACE + 10, round_
