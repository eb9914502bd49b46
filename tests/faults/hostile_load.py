"""The soak's hostile round: one user's decoder bombs and scripted PDFs beside another user's photos,
against `realtymedia serve` as a subprocess (bench/hostile.py starts it the same way)."""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from bench.api import IS24
from bench.hostile import Service, assign, children, peak_kib, photo, uploaded, warm

from tests import hostile

CLIENTS = 4


def hostile_files() -> list[tuple[str, str, bytes]]:
    files = [
        ("jpeg-3000-scans", "image/jpeg", hostile.scan_bomb_jpeg(8000, 8000, 3000)),
        ("gif-frame-30000", "image/gif", hostile.gif_frame_larger_than_screen(30000)),
        ("gif-600000-frames", "image/gif", hostile.gif_with_frames(600_000)),
        ("apng-600000-frames", "image/png", hostile.apng_with_frames(600_000)),
    ]
    return files + [(f"pdf-{name}", "application/pdf", data) for name, data in hostile.HOSTILE_PDFS.items()]


def hostile_round(work: Path, seconds: float) -> dict[str, Any]:
    service = Service(work, {})
    files = hostile_files()
    stop = threading.Event()
    lock = threading.Lock()
    statuses: dict[int, int] = {}
    accepted: list[str] = []
    latencies: list[float] = []
    other = {"assigns": 0, "refused": 0}
    try:
        mallory, m_project, _ = service.user("mallory")
        carol, c_project, _ = service.user("carol")
        m_is24, c_is24 = IS24(service.server.url, mallory), IS24(service.server.url, carol)
        warm(service, c_is24, c_project)  # the checkers start on first use: not part of the round

        def attack(index: int) -> None:
            with httpx.Client(base_url=service.server.url, timeout=120) as client:
                turn = index
                while not stop.is_set():
                    name, declared, content = files[turn % len(files)]
                    turn += 1
                    response = assign(client, m_is24, m_project, uploaded(client, m_is24, m_project, content,
                                                                          declared), declared)  # fmt: skip
                    with lock:
                        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                        if response.status_code < 400:
                            accepted.append(name)

        threads = [threading.Thread(target=attack, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + seconds
        with httpx.Client(base_url=service.server.url, timeout=120) as client:
            index = 0
            while time.monotonic() < deadline:
                attachment_id = uploaded(client, c_is24, c_project, photo(index, (1600, 1200)), "image/jpeg")
                start = time.perf_counter()
                response = assign(client, c_is24, c_project, attachment_id, "image/jpeg")
                latencies.append(time.perf_counter() - start)
                other["assigns"] += 1
                other["refused"] += response.status_code != 201
                index += 1
        stop.set()
        for thread in threads:
            thread.join()
        checkers = children(service.server.pid)
        return {
            "seconds": seconds,
            "hostile_answers": statuses,
            "hostile_accepted": len(accepted),
            "server_errors": sum(n for status, n in statuses.items() if status >= 500),
            "other_user": {
                **other,
                "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
                "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
            },
            "server_peak_mib": round(peak_kib(service.server.pid) / 1024, 1),
            "checker_peak_mib": round(max((peak_kib(p) for p in checkers), default=0) / 1024, 1),
        }
    finally:
        stop.set()
        service.server.stop()
