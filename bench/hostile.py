"""What hostile uploads cost the service, and what an ordinary save costs: `python -m bench.hostile`.

Against `realtymedia serve` (one worker, as in production), started from whatever `realtymedia`
PYTHONPATH names, so that old and new code can be measured in alternation:

- per hostile file (tests/hostile.py): the assign's time, and the peak memory of the server
  process and of its checker processes (VmHWM);
- another user's one-photo assign while four hostile files are being checked (its latency);
- saves of 20 ordinary JPEGs, one after another (milliseconds per save, the median).

Figures go to stdout as JSON; docs/reliability.md has them, with the commands.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from tests import hostile

from bench import processes
from bench.api import IS24, RealtyImage, User, post_form, ticket_form


def photo(index: int, size: tuple[int, int]) -> bytes:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.putpixel((index % size[0], 0), (index % 256, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *children(int(child))]
    return found


class Service:
    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self.server = processes.service(work, f"sqlite:///{work / 'db.sqlite3'}", work / "service.log", **env)
        processes.cli(self.server.env, "db", "upgrade")
        self.server.start()

    def user(self, name: str) -> tuple[User, int, str]:
        created = json.loads(processes.cli(self.server.env, "users", "create", name, "--password", "pw"))
        oauth = created["oauth"]
        user = User(name, oauth["consumer_key"], oauth["consumer_secret"], oauth["access_token"],
                    oauth["access_token_secret"], created["bearer_token"])  # fmt: skip
        project = json.loads(
            processes.cli(
                self.server.env, "projects", "create", "--owner", name, "--product", "PROFESSIONAL", "--name", "Bench"
            )  # fmt: skip
        )
        realty = json.loads(processes.cli(self.server.env, "realties", "create", "--owner", name))
        return user, int(project["id"]), str(realty["id"])


def uploaded(client: httpx.Client, is24: IS24, project: int, content: bytes, declared: str) -> str:
    attachment_id, url, fields = ticket_form(is24.upload_ticket(project, declared).send(client))
    post_form(client, url, fields, content, declared)
    return attachment_id


def assign(client: httpx.Client, is24: IS24, project: int, attachment_id: str, declared: str) -> httpx.Response:
    kind = "PDFDocument" if declared == "application/pdf" else "Picture"
    attachment: dict[str, Any] = {"@xsi.type": f"realestateproject:{kind}", "@id": attachment_id}
    attachment.update({"pdfDocumentType": "BROCHURE"} if kind == "PDFDocument" else {"pictureType": "IMAGE",
                                                                                    "title": "Photo"})  # fmt: skip
    return is24.assign(project, attachment).send(client)


def per_file(service: Service, files: dict[str, tuple[str, bytes]]) -> dict[str, Any]:
    user, project, _ = service.user("perfile")
    is24 = IS24(service.server.url, user)
    warm(service, is24, project)
    out: dict[str, Any] = {}
    with httpx.Client(base_url=service.server.url, timeout=600) as client:
        for name, (declared, content) in files.items():
            attachment_id = uploaded(client, is24, project, content, declared)
            start = time.perf_counter()
            response = assign(client, is24, project, attachment_id, declared)
            seconds = time.perf_counter() - start
            checkers = children(service.server.pid)
            out[name] = {
                "bytes": len(content),
                "status": response.status_code,
                "seconds": round(seconds, 3),
                "server_peak_mib": round(peak_kib(service.server.pid) / 1024, 1),
                "checker_peak_mib": round(max((peak_kib(p) for p in checkers), default=0) / 1024, 1),
                "answer": response.text[-160:],
            }
            print(name, out[name], flush=True)
    return out


def warm(service: Service, is24: IS24, project: int) -> None:
    """A few photos checked at once first: a worker starts its checker processes on first use."""

    def one(index: int) -> None:
        with httpx.Client(base_url=service.server.url, timeout=120) as client:
            assign(client, is24, project, uploaded(client, is24, project, photo(index, (64, 64)), "image/jpeg"),
                   "image/jpeg")  # fmt: skip

    threads = [threading.Thread(target=one, args=(i,)) for i in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def other_users_latency(service: Service, bomb: bytes, declared: str) -> dict[str, Any]:
    """Four hostile assigns of one user in flight, then another user's photo: its latency."""
    (mallory, m_project, _), (carol, c_project, _) = service.user("mallory"), service.user("carol")
    m_is24, c_is24 = IS24(service.server.url, mallory), IS24(service.server.url, carol)
    hostile_seconds: list[float] = []
    with httpx.Client(base_url=service.server.url, timeout=900) as client:
        ids = [uploaded(client, m_is24, m_project, bomb, declared) for _ in range(4)]
        photo_id = uploaded(client, c_is24, c_project, photo(0, (1600, 1200)), "image/jpeg")
        warm(service, c_is24, c_project)

        def attack(attachment_id: str) -> None:
            with httpx.Client(base_url=service.server.url, timeout=900) as own:
                start = time.perf_counter()
                assign(own, m_is24, m_project, attachment_id, declared)
                hostile_seconds.append(time.perf_counter() - start)

        threads = [threading.Thread(target=attack, args=(i,)) for i in ids]
        for thread in threads:
            thread.start()
        time.sleep(1)
        start = time.perf_counter()
        response = assign(client, c_is24, c_project, photo_id, "image/jpeg")
        latency = time.perf_counter() - start
        for thread in threads:
            thread.join()
    return {"other_user_seconds": round(latency, 3), "other_user_status": response.status_code,
            "hostile_seconds": sorted(round(s, 2) for s in hostile_seconds)}  # fmt: skip


def saves(service: Service, count: int, size: tuple[int, int]) -> dict[str, Any]:
    user, _, realty = service.user(f"saver{size[0]}")
    ri = RealtyImage(service.server.url, user)
    times: list[float] = []
    with httpx.Client(base_url=service.server.url, timeout=120) as client:
        for round_ in range(count):
            keys = []
            for index in range(20):
                grant = ri.upload_grant("image/jpeg").send(client).json()
                post_form(client, grant["url"], grant["fields"], photo(round_ * 20 + index, size), "image/jpeg")
                keys.append(grant["fields"]["key"])
            if round_ and round_ % 9 == 0:  # a realty holds 200 images
                realty = json.loads(processes.cli(service.server.env, "realties", "create", "--owner", user.username))[
                    "id"
                ]
            start = time.perf_counter()
            response = ri.save(realty, keys).send(client)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.text
    return {"saves": count, "photo": f"{size[0]}x{size[1]}", "median_ms": round(statistics.median(times) * 1000, 1),
            "all_ms": [round(t * 1000, 1) for t in times]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=["files", "latency", "latency-unbounded", "saves"], required=True)
    parser.add_argument("--saves", type=int, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="realtymedia-hostile-"))
    # latency-unbounded: structural limits lifted, so that the bombs run to the checker's deadline.
    env = {"max_jpeg_scans": "1000000"} if args.part == "latency-unbounded" else {}
    service = Service(work, env)
    try:
        if args.part == "files":
            files = {
                "jpeg 8000x8000, 3000 scans": ("image/jpeg", hostile.scan_bomb_jpeg(8000, 8000, 3000)),
                "gif 1x1 screen, 30000x30000 frame": ("image/gif", hostile.gif_frame_larger_than_screen(30000)),
                "gif 600000 frames": ("image/gif", hostile.gif_with_frames(600_000)),
                "apng 600000 frames": ("image/png", hostile.apng_with_frames(600_000)),
                **{f"pdf: {name}": ("application/pdf", data) for name, data in hostile.HOSTILE_PDFS.items()},
                "ordinary photo 1600x1200": ("image/jpeg", photo(1, (1600, 1200))),
            }
            result: Any = per_file(service, files)
        elif args.part.startswith("latency"):
            result = other_users_latency(service, hostile.scan_bomb_jpeg(8000, 8000, 1000), "image/jpeg")
        else:
            result = {
                "small": saves(service, args.saves, (320, 240)),
                "photos": saves(service, args.saves, (1600, 1200)),
            }
        print(json.dumps({"part": args.part, "result": result}, indent=1))
    finally:
        service.server.stop()


if __name__ == "__main__":
    main()
