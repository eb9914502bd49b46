"""`realty_image_save_20` in the unit of a save's work: checked images per second, against a bare
decode-and-hash of the same images on one core, in alternating rounds of the same run (issue 12).

A save's work is its byte checks (domain.media.inspect in the checker processes: the image decoded
at 1/8 scale, which still reads every byte, and its SHA-256). The bare side calls those library
primitives alone (Pillow's open/draft/load, hashlib) on the same bytes, in a process of its own
pinned to one core: `python -m bench.saves <images file> <seconds>` prints images per second.
The ratio is (20 x saves per second) / that rate; target 0.5: the bookkeeping of a save (grants,
copies, metadata stripping, the transaction, the answer, and the background warm-up of its
renditions, which runs in production too) may cost no more than the checks themselves.
"""

from __future__ import annotations

import hashlib
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from PIL import Image

IMAGES_PER_SAVE = 20


def decode_and_hash(data: bytes) -> str:
    """What the byte check does with the bytes, by the libraries alone (see domain.media.inspect)."""
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    if image.format == "JPEG":
        image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
    image.load()
    return hashlib.sha256(data).hexdigest()


def _pack(images: list[bytes]) -> bytes:
    return b"".join(len(data).to_bytes(4, "big") + data for data in images)


def _unpack(packed: bytes) -> list[bytes]:
    images, offset = [], 0
    while offset < len(packed):
        size = int.from_bytes(packed[offset : offset + 4], "big")
        images.append(packed[offset + 4 : offset + 4 + size])
        offset += 4 + size
    return images


def bare_rate(path: Path, seconds: float) -> float:
    """Images per second of `decode_and_hash` in a process of its own on one core."""
    done = subprocess.run([sys.executable, "-m", "bench.saves", str(path), str(seconds)],
                          capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent)  # fmt: skip
    return float(done.stdout.strip().splitlines()[-1])


def measure(run: Any, requests: list[Any], duration: int) -> None:
    """Service rounds (wrk, as Run.measure) alternating with bare rounds; figures under the scenario."""
    from bench import run as harness

    scenario = "realty_image_save_20"
    rounds = run.args.rounds
    # A save of 20 can take a second or more under 64 connections: a round much shorter than that
    # would count the backlog of the round before (the server goes on after wrk stops).
    per_round = max(4, round(duration / rounds))
    images = [harness.photo(i) for i in range(min(len(requests) * IMAGES_PER_SAVE, 400))]
    path = run.workdir / "save-images.bin"
    path.write_bytes(_pack(images))
    load_before = os.getloadavg()[0]
    chunks = [requests[i::rounds] for i in range(rounds)]
    services, bares = [], []
    for chunk in chunks:
        raw = [r.raw(run.is24.host) for r in chunk]
        services.append(harness.wrk(run.server.url, raw, "once", per_round, run.workdir))
        bares.append(bare_rate(path, per_round))
    service = harness.combined(services)
    # Only answered saves count (wrk's errors are refusals, timeouts, or requests past the pool).
    saves_per_s = [(s["requests"] - s["errors"]) / (s["duration_us"] / 1e6) for s in services]
    checked = [IMAGES_PER_SAVE * s for s in saves_per_s]
    ratios = [c / b for c, b in zip(checked, bares, strict=True)]
    answered = (service["requests"] - service["errors"]) / (service["duration_us"] / 1e6)
    service_images = dict(service, rps=IMAGES_PER_SAVE * answered)
    ceiling = {"rps": statistics.median(bares), "rounds": bares}
    exhausted = any(s["requests"] > len(c) for s, c in zip(services, chunks, strict=True))
    result = run.figures[scenario] = {
        "unit": "checked images/s (ceiling: bare decode-and-hash, one core)",
        "service": service_images,
        "saves": service,
        "ceiling": ceiling,
        "checked_images_per_s_rounds": checked,
        "bare_images_per_s_rounds": bares,
        "response_bytes": None,
        "load_average_1min": [load_before, os.getloadavg()[0]],
        "ratio_rounds": ratios,
        "ratio": statistics.median(ratios),
        "p99_over_p50": service["p99_us"] / max(service["p50_us"], 1),
        "target_ratio": harness.TARGETS[scenario],
        "valid": service["errors"] == 0 and not exhausted,
    }
    result["meets_ratio"] = result["ratio"] >= result["target_ratio"]
    result["meets_tail"] = result["p99_over_p50"] <= harness.P99_OVER_P50_MAX
    spread = " ".join(f"{r:.3f}" for r in ratios)
    print(f"  {scenario:32s} {service_images['rps']:8.1f} checked images/s ({answered:.1f} saves/s)  ratio "
          f"{result['ratio']:.3f} ({spread})  p50 {service['p50_ms']:.1f} ms  p99 {service['p99_ms']:.1f} ms  errors "
          f"{service['errors']}  (bare decode-and-hash {ceiling['rps']:.0f} images/s, one core)"
          f"{'' if result['valid'] else '  INVALID'}", flush=True)  # fmt: skip
    path.unlink()
    if run.args.profile:
        from bench import profile

        more = [r.raw(run.is24.host) for r in run.profile_requests(scenario)]
        result["profile"] = profile.record(
            run.server.pid, lambda: harness.wrk(run.server.url, more, "once", 6, run.workdir),
            harness.RESULTS / f"profile-{run.name}-{scenario}.txt",
        )  # fmt: skip


def _main(path: str, seconds: float) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    images = _unpack(Path(path).read_bytes())
    for data in images[:20]:
        decode_and_hash(data)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        decode_and_hash(images[count % len(images)])
        count += 1
    print(count / (time.perf_counter() - start))


if __name__ == "__main__":
    _main(sys.argv[1], float(sys.argv[2]))
