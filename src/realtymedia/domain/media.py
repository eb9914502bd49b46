"""What a stored file is: declared content types, and the check of the real bytes against them."""

from __future__ import annotations

import hashlib
import mmap
import re
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image

from realtymedia.domain import codes, image_headers, pdf
from realtymedia.domain.errors import Invalid, Violation
from realtymedia.images.pillow import upright_size
from realtymedia.images.placeholder import placeholder

# Pillow's format name for each image content type; only these decoders are ever used.
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
FORMAT_CONTENT_TYPES = {v: k for k, v in PILLOW_FORMATS.items()}
# Our own pixel limit (a setting) is checked on the header before decoding; Pillow's global one
# would refuse inside Image.open with a message that cannot name the dimensions.
Image.MAX_IMAGE_PIXELS = None

MAGIC = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
]


def sniff(head: bytes) -> str:
    """The content type the first bytes say, or a short description of what they are."""
    for magic, content_type in MAGIC:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.lstrip()[:1] == b"<":
        return "markup (HTML/XML/SVG)"
    if not head:
        return "an empty file"
    return "unknown binary data"


@dataclass(frozen=True)
class MediaInfo:
    """What the bytes of a stored file were found to be, and (once confirmed) where they are kept."""

    content_type: str
    size: int
    sha256: str
    # Upright: after the EXIF orientation, as the picture is shown.
    width: int | None = None
    height: int | None = None
    key: str = ""
    placeholder: str | None = None


@dataclass(frozen=True)
class Limits:
    """What checking one file may cost, told by its structure before a pixel is decoded."""

    # Pixels of every frame together, each decoded at the full canvas.
    max_pixels: int = 100_000_000
    max_frames: int = 1000
    # Scans of a progressive JPEG: each is a pass over every block of the image (ordinary ones have 10 or so).
    max_scans: int = 100


def refusal(declared: str, found: str) -> Invalid:
    """The refusal of a file that is not what its upload declared: `found` says what it is."""
    return Invalid([Violation("file", declared, codes.CONTENT_MISMATCH, f"declared {declared}, found {found}")])


def inspect(stream: BinaryIO, declared: str, limits: Limits) -> MediaInfo:
    """Check that the bytes in `stream` are a sound file of the `declared` type.

    Raises Invalid with a message naming what was declared and what was found. The work is bounded
    by `limits` only: run it where a deadline and a memory limit hold too (realtymedia.checks).
    """
    head = stream.read(64)
    found = sniff(head)
    if found != declared:
        raise refusal(declared, found)
    stream.seek(0)
    preview = None
    if declared == "application/pdf":
        width = height = None
        _check_pdf(stream, declared)
    else:
        width, height, preview = _check_image(stream, declared, limits)
    stream.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    return MediaInfo(declared, size, digest.hexdigest(), width, height, placeholder=preview)


def _too_large(declared: str, width: int, height: int, frames: int, max_pixels: int) -> Invalid:
    if frames > 1:
        found = f"an animation of {frames} frames of {width}x{height} pixels, more than the {max_pixels} pixels allowed"
    else:
        found = f"an image of {width}x{height} pixels, more than the {max_pixels} allowed"
    return refusal(declared, found)


def _declared_shape(stream: BinaryIO, declared: str, limits: Limits) -> image_headers.Shape | None:
    """The work the file's structure declares, refused before any decoder sees it when too much."""
    fmt = PILLOW_FORMATS[declared]
    try:
        data: bytes | mmap.mmap = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except (AttributeError, OSError, ValueError):  # no file behind the stream (or an empty one)
        data = stream.read()
    try:
        found = image_headers.shape(data, fmt, limits.max_frames, limits.max_scans)
    except image_headers.TooCostly as error:
        raise refusal(declared, str(error)) from None
    finally:
        if isinstance(data, mmap.mmap):
            data.close()
        stream.seek(0)
    if found is not None and found.pixels * found.frames > limits.max_pixels:
        raise _too_large(declared, found.width, found.height, found.frames, limits.max_pixels)
    return found


def _check_image(stream: BinaryIO, declared: str, limits: Limits) -> tuple[int, int, str]:
    """The upright size of a sound image, and its placeholder (made from the check's own decode)."""
    fmt = PILLOW_FORMATS[declared]
    _declared_shape(stream, declared, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(stream, formats=[fmt])
            width, height = image.size
            # Refuse before decoding a pixel: the header alone tells the cost.
            if width * height > limits.max_pixels:
                raise _too_large(declared, width, height, 1, limits.max_pixels)
            upright = upright_size(image)  # of the header's size: draft() shrinks image.size
            if fmt == "JPEG":
                # Decoding at 1/8 scale still reads every byte, so truncation shows, at little memory.
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
            preview = placeholder(image)
            # Every frame is decoded at the full canvas: the limit holds for all of them together.
            # A JPEG is checked as readers show it, its first image (an MPO's others are not decoded).
            frames = 1 if fmt == "JPEG" else getattr(image, "n_frames", 1)
            if frames > limits.max_frames:
                raise refusal(declared, f"an animation of more than {limits.max_frames} frames, the most allowed")
            if width * height * frames > limits.max_pixels:
                raise _too_large(declared, width, height, frames, limits.max_pixels)
            for frame in range(1, frames):
                image.seek(frame)
                image.load()
    except (Invalid, MemoryError):
        raise
    except Exception as error:  # Pillow raises many types for broken files
        raise refusal(declared, f"a damaged or truncated {fmt} file ({_detail(error, stream)})") from None
    return upright[0], upright[1], preview


def _detail(error: Exception, stream: BinaryIO) -> str:
    """The library's reason, without anything that names where the file lies on the server."""
    text = str(error).replace(repr(stream), "the file")
    name = getattr(stream, "name", None)
    if isinstance(name, str) and name:
        text = text.replace(name, "the file")
    # Decoders quote file names as 'name' or "name"; keep only the reason around them.
    text = re.sub(r"""['"]?/[^'"\s]*['"]?""", "the file", text)
    return text[:200]


def _check_pdf(stream: BinaryIO, declared: str) -> None:
    from pypdf.errors import PyPdfError

    try:
        pdf.check(stream)
    except pdf.Refused as refused:
        raise refusal(declared, str(refused)) from None
    except MemoryError:
        raise
    except PyPdfError as error:
        raise refusal(declared, f"a damaged PDF ({_detail(error, stream)})") from None
    except Exception as error:
        raise refusal(declared, f"a damaged PDF ({type(error).__name__})") from None
