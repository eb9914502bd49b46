"""The tiny preview a gallery draws before a picture arrives: a WebP data URI of a few hundred bytes.

A data URI rather than a BlurHash: an <img> or CSS background shows it as it is (no decoder on the
page or in an app), and the browser's smoothing of 16 pixels over a card is the blur.
"""

from __future__ import annotations

import base64
import io

from PIL import Image

from realtymedia.images.pillow import orientation_of, upright

SIDE = 16
QUALITY = 40


def placeholder(image: Image.Image) -> str:
    """From an already decoded picture (the byte check's, at whatever scale it decoded), upright."""
    frame = image.copy()
    frame.thumbnail((SIDE * 4, SIDE * 4), Image.Resampling.BOX)  # cheap first step, for large decodes
    frame = upright(frame, orientation_of(image))
    if frame.mode != "RGB":
        rgba = frame.convert("RGBA")
        frame = Image.new("RGB", rgba.size, (255, 255, 255))
        frame.paste(rgba, (0, 0), rgba)
    frame.thumbnail((SIDE, SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    frame.save(buffer, "WEBP", quality=QUALITY, method=6, exif=b"", xmp=b"")
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode()
