"""A py-spy profile of the running service while load runs, summarised as its top entries."""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.processes import BIN


def record(pid: int, load: Callable[[], Any], out: Path, seconds: int = 5) -> dict[str, Any]:
    """Sample `pid` for `seconds` (GIL-holding and idle-excluded stacks) while `load` runs."""
    spy = subprocess.Popen(
        [
            str(BIN / "py-spy"),
            "record",
            "-p",
            str(pid),
            "-d",
            str(seconds),
            "-r",
            "200",
            "--gil",
            "-f",
            "raw",
            "-o",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    time.sleep(0.3)
    load()
    spy.wait(60)
    return summarise(out)


def summarise(path: Path, top: int = 15) -> dict[str, Any]:
    """Own (self) and total (inclusive) samples per function from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    if not path.exists():
        return {"samples": 0, "own": [], "total": []}
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = [f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0].rsplit("/", 1)[-1] + ")"
                  if " (" in f else f for f in stack.split(";")]  # fmt: skip
        samples += count
        if frames:
            own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count

    def share(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / samples, 1)) for name, n in counter.most_common(top)]

    return {"samples": samples, "file": str(path), "own": share(own), "total": share(total)}
