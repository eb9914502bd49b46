"""The local storage POST endpoint under 8 concurrent 50 MiB uploads, against the disk's own write
bandwidth (dd with fdatasync) in the same run, with the service's memory sampled throughout.

The uploads are sent by curl processes (C, reading from the page cache), so the client is not
what limits the figure; each file is fsynced by the service before it answers, as dd's is.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import psutil

MiB = 1024 * 1024


def dd_bandwidth(directory: Path, total_mib: int) -> float:
    """MB/s (10^6 bytes) of `dd ... conv=fdatasync` writing total_mib MiB into `directory`."""
    target = directory / "dd.bin"
    done = subprocess.run(
        ["dd", "if=/dev/zero", f"of={target}", "bs=1M", f"count={total_mib}", "conv=fdatasync"],
        capture_output=True,
        text=True,
        check=True,
    )
    target.unlink()
    seconds = float(re.search(r"copied, ([0-9.]+) s", done.stderr).group(1))  # type: ignore[union-attr]
    return total_mib * MiB / seconds / 1e6


class MemorySampler:
    """Peak RSS of a process, sampled every few milliseconds in a thread."""

    def __init__(self, pid: int, interval: float = 0.005) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.baseline = self.process.memory_info().rss
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


def curl_upload(url: str, fields: dict[str, str], path: Path, content_type: str) -> subprocess.Popen[str]:
    argv = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "--max-time", "300"]
    for name, value in fields.items():
        argv += ["--form-string", f"{name}={value}"]
    argv += ["-F", f"file=@{path};type={content_type}", url]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def upload_benchmark(
    forms: list[tuple[str, dict[str, str], str]], server_pid: int, scratch: Path, size_mib: int = 50
) -> dict[str, Any]:
    """Send one file of size_mib MiB per form, all at once; figures of the whole batch."""
    source = scratch / f"upload-{size_mib}MiB.bin"
    if not source.exists() or source.stat().st_size != size_mib * MiB:
        with source.open("wb") as f:
            for _ in range(size_mib):
                f.write(os.urandom(MiB))
    source.read_bytes()  # in the page cache: the client reads from memory
    # The service settles after the previous phase before its baseline is taken.
    time.sleep(1)
    with MemorySampler(server_pid) as memory:
        started = time.perf_counter()
        processes = [curl_upload(url, fields, source, "image/jpeg") for url, fields, _ in forms]
        outputs = [p.communicate() for p in processes]
        elapsed = time.perf_counter() - started
    statuses = [out.split()[0] if out else f"curl failed: {err}" for out, err in outputs]
    total = len(forms) * size_mib * MiB
    return {
        "uploads": len(forms),
        "size_mib": size_mib,
        "statuses": statuses,
        "seconds": elapsed,
        "mb_per_s": total / elapsed / 1e6,
        "rss_baseline_mib": memory.baseline / MiB,
        "rss_peak_mib": memory.peak / MiB,
        "rss_growth_mib": memory.growth / MiB,
    }
