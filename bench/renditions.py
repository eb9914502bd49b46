"""Rendition scenarios of `make bench`, each a ratio measured in the same run:

- `rendition_engine_*`: renditions per second on one core, our engine (realtymedia.images) against
  Pillow called bare on the same 12-megapixel JPEG, in alternating rounds (target >= 0.8);
- `rendition_stored`: a stored rendition served by the service against the bare ASGI app serving as
  many bytes, with wrk (Run.measure; target >= 0.5);
- `rendition_memory`: how much the service's resident memory grows while 16 first renditions of
  12-megapixel photos are asked for at once (target < 256 MiB).
"""

from __future__ import annotations

import io
import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from PIL import Image, ImageFilter, ImageOps

from realtymedia.images import FORMATS, Mode, Spec, make_engine

TARGETS = {"rendition_engine_webp_400x300": 0.8, "rendition_engine_jpeg_1000x1000": 0.8, "rendition_stored": 0.5}
MEMORY_TARGET_MIB = 256
QUALITY = 82


def twelve_megapixels(seed: int = 0) -> bytes:
    """A 4000x3000 JPEG with a photo's texture (smooth areas and fine noise), about 2 MB."""
    base = Image.effect_noise((250, 188), 90 + seed % 7).convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
    photo = Image.blend(
        base.filter(ImageFilter.GaussianBlur(1)), Image.effect_noise((4000, 3000), 20).convert("RGB"), 0.04
    )
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def bare_webp_400x300(data: bytes) -> bytes:
    """What one would write with Pillow alone for a centre-cropped 400x300 WebP."""
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (533, 400))
    image = ImageOps.fit(image.convert("RGB"), (400, 300), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "WEBP", quality=QUALITY, method=4)
    return out.getvalue()


def bare_jpeg_1000x1000(data: bytes) -> bytes:
    """...and for a 1000x1000 box, progressive JPEG."""
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (1000, 1000))
    image = image.convert("RGB")
    image.thumbnail((1000, 1000), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY, progressive=True, optimize=True)
    return out.getvalue()


def _rate(work: Callable[[], Any], seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        work()
        count += 1
    return count / (time.perf_counter() - start)


def engine_ratios(rounds: int = 3, seconds: float = 3.0) -> dict[str, Any]:
    """Our engine against bare Pillow on one core, alternating within each round."""
    engine = make_engine(QUALITY)
    data = twelve_megapixels()
    cases = {
        "rendition_engine_webp_400x300": (Spec(Mode.SCALE_AND_CROP, 400, 300, FORMATS["webp"]), bare_webp_400x300),
        "rendition_engine_jpeg_1000x1000": (Spec(Mode.SCALE, 1000, 1000, FORMATS["jpg"]), bare_jpeg_1000x1000),
    }
    pinned = hasattr(os, "sched_setaffinity")
    before = os.sched_getaffinity(0) if pinned else None
    if pinned:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    figures: dict[str, Any] = {}
    try:
        for name, (spec, bare) in cases.items():
            ours_rates, bare_rates = [], []
            engine.render(io.BytesIO(data), spec)
            bare(data)
            for _ in range(rounds):
                ours_rates.append(_rate(lambda spec=spec: engine.render(io.BytesIO(data), spec), seconds))  # type: ignore[misc]
                bare_rates.append(_rate(lambda bare=bare: bare(data), seconds))  # type: ignore[misc]
            ratios = [o / b for o, b in zip(ours_rates, bare_rates, strict=True)]
            figures[name] = {
                "ours_per_s": ours_rates,
                "bare_per_s": bare_rates,
                "ratio_rounds": ratios,
                "ratio": statistics.median(ratios),
                "target_ratio": TARGETS[name],
                "meets_ratio": statistics.median(ratios) >= TARGETS[name],
                "source_bytes": len(data),
            }
            ours, plain = statistics.median(ours_rates), statistics.median(bare_rates)
            spread = " ".join(f"{r:.3f}" for r in ratios)
            ratio = figures[name]["ratio"]
            print(f"  {name:32s} ours {ours:5.2f}/s  bare {plain:5.2f}/s  ratio {ratio:.3f} ({spread})",
                  flush=True)  # fmt: skip
    finally:
        if before is not None:
            os.sched_setaffinity(0, before)
    return figures


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def upload_images(client: httpx.Client, base: str, realty_id: str, photos: list[bytes]) -> list[dict[str, Any]]:
    """Save `photos` on the realty through the Realty Image API; returns the saved images."""
    keys = []
    for photo in photos:
        grant = client.get(f"{base}/uploadGrants?type=image/jpeg", headers={"Request-ID": str(uuid.uuid4())}).json()
        files = {"file": ("photo.jpg", photo, "image/jpeg")}
        posted = httpx.post(grant["url"], data=grant["fields"], files=files, timeout=60)
        posted.raise_for_status()
        keys.append(grant["fields"]["key"])
    saved = client.post(
        f"{base}/realty/{realty_id}/images",
        json={"uploadedImages": [{"key": key} for key in keys]},
        headers={"Request-ID": str(uuid.uuid4())},
    )
    saved.raise_for_status()
    images: list[dict[str, Any]] = saved.json()["realtyImages"]
    return images


def first_renditions_memory(client: httpx.Client, pid: int, images: list[dict[str, Any]]) -> dict[str, Any]:
    """Resident memory of the service while every image's first 1000x1000 JPEG is asked for at once."""
    urls = [i["renditions"]["SCALE"].replace("%WIDTH%", "1000").replace("%HEIGHT%", "1000") for i in images]
    time.sleep(1.0)
    before = _rss_mib(pid)
    peak = before
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss_mib(pid))
            time.sleep(0.005)

    statuses: list[int] = []
    barrier = threading.Barrier(len(urls))

    def fetch(url: str) -> None:
        barrier.wait()
        statuses.append(httpx.get(url, timeout=120).status_code)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.perf_counter()
    threads = [threading.Thread(target=fetch, args=(u,)) for u in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    done.set()
    watcher.join()
    growth = peak - before
    print(f"  {'rendition_memory':32s} +{growth:.0f} MiB ({before:.0f} -> {peak:.0f} MiB) for {len(urls)} first "
          f"renditions at once, {elapsed:.1f} s, statuses {sorted(set(statuses))}", flush=True)  # fmt: skip
    return {
        "rss_before_mib": before,
        "rss_peak_mib": peak,
        "growth_mib": growth,
        "target_mib": MEMORY_TARGET_MIB,
        "meets": growth < MEMORY_TARGET_MIB and statuses == [200] * len(urls),
        "seconds": elapsed,
        "statuses": statuses,
    }


if __name__ == "__main__":  # the engine half alone: python -m bench.renditions
    engine_ratios()
