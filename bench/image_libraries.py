"""Pillow against pyvips on one 12-megapixel JPEG, one core: renditions per second and peak memory.

Not part of `make bench` (pyvips is no dependency). Run it in a venv of its own:
    python -m venv /tmp/libs && /tmp/libs/bin/pip install pillow==13.0.0 pyvips pyvips-binary
    VIPS_CONCURRENCY=1 /tmp/libs/bin/python bench/image_libraries.py pillow|vips 400 300 webp
Each call renders for 6 s, pinned to core 0, after one warm-up rendition.
"""

import io
import os
import resource
import sys
import time

from PIL import Image, ImageFilter


def photo(path):
    if os.path.exists(path):
        return open(path, "rb").read()
    import random

    random.seed(1)
    small = Image.effect_noise((250, 188), 90).convert("RGB")
    big = small.resize((4000, 3000), Image.BICUBIC).filter(ImageFilter.GaussianBlur(1))
    noise = Image.effect_noise((4000, 3000), 20).convert("RGB")
    img = Image.blend(big, noise, 0.04)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    open(path, "wb").write(buf.getvalue())
    return buf.getvalue()


def pillow(data, w, h, fmt):
    im = Image.open(io.BytesIO(data))
    im.draft("RGB", (w, h))
    im = im.convert("RGB")
    im.thumbnail((w, h), Image.LANCZOS, reducing_gap=2.0)
    out = io.BytesIO()
    if fmt == "webp":
        im.save(out, "WEBP", quality=80, method=4)
    else:
        im.save(out, "JPEG", quality=82, progressive=True, optimize=True)
    return out.getvalue()


def vips(data, w, h, fmt):
    import pyvips

    im = pyvips.Image.thumbnail_buffer(data, w, height=h, size="down")
    if fmt == "webp":
        return im.webpsave_buffer(Q=80, strip=True)
    return im.jpegsave_buffer(Q=82, interlace=True, optimize_coding=True, strip=True)


lib, w, h, fmt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
os.sched_setaffinity(0, {0})
data = photo(os.path.join(os.environ.get("TMPDIR", "/tmp"), "photo12.jpg"))  # noqa: S108
fn = pillow if lib == "pillow" else vips
if lib == "vips":
    import pyvips

    pyvips.cache_set_max(0)
    pyvips.concurrency_set(1) if hasattr(pyvips, "concurrency_set") else None
fn(data, w, h, fmt)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
n, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < 6:
    fn(data, w, h, fmt)
    n += 1
el = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{lib} {w}x{h} {fmt}: {n / el:.1f}/s  maxrss {peak / 1024:.0f} MiB (after first: {base / 1024:.0f})")
