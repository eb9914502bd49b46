"""What a stored file is: declared content types, and the check of the real bytes against them."""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image

from realtymedia.domain import codes
from realtymedia.domain.errors import Invalid, Violation

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
    width: int | None = None
    height: int | None = None
    key: str = ""


def _mismatch(declared: str, found: str) -> Invalid:
    return Invalid([Violation("file", declared, codes.CONTENT_MISMATCH, f"declared {declared}, found {found}")])


def inspect(stream: BinaryIO, declared: str, max_pixels: int) -> MediaInfo:
    """Check that the bytes in `stream` are a sound file of the `declared` type.

    Raises Invalid with a message naming what was declared and what was found.
    """
    head = stream.read(64)
    found = sniff(head)
    if found != declared:
        raise _mismatch(declared, found)
    stream.seek(0)
    if declared == "application/pdf":
        width = height = None
        _check_pdf(stream, declared)
    else:
        width, height = _check_image(stream, declared, max_pixels)
    stream.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    return MediaInfo(declared, size, digest.hexdigest(), width, height)


def _check_image(stream: BinaryIO, declared: str, max_pixels: int) -> tuple[int, int]:
    fmt = PILLOW_FORMATS[declared]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(stream, formats=[fmt])
            width, height = image.size
            # Refuse before decoding a pixel: the header alone tells the cost.
            if width * height > max_pixels:
                raise Invalid(
                    [
                        Violation(
                            "file",
                            declared,
                            codes.CONTENT_MISMATCH,
                            f"declared {declared}, found an image of {width}x{height} pixels, "
                            f"more than the {max_pixels} allowed",
                        )
                    ]
                )
            if fmt == "JPEG":
                # Decoding at 1/8 scale still reads every byte, so truncation shows, at little memory.
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
            # Every frame is decoded at the full canvas: the limit holds for all of them together.
            frames = getattr(image, "n_frames", 1)
            if width * height * frames > max_pixels:
                raise Invalid(
                    [
                        Violation(
                            "file",
                            declared,
                            codes.CONTENT_MISMATCH,
                            f"declared {declared}, found an animation of {frames} frames of "
                            f"{width}x{height} pixels, more than the {max_pixels} pixels allowed",
                        )
                    ]
                )
            for frame in range(1, frames):
                image.seek(frame)
                image.load()
    except Invalid:
        raise
    except Exception as error:  # Pillow raises many types for broken files
        raise _mismatch(declared, f"a damaged or truncated {fmt} file ({_detail(error, stream)})") from None
    return width, height


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
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(stream, strict=False)
        encrypted = reader.is_encrypted
        if not encrypted:
            scripted = _pdf_has_javascript(reader)
    except PyPdfError as error:
        raise _mismatch(declared, f"a damaged PDF ({_detail(error, stream)})") from None
    except Exception as error:
        raise _mismatch(declared, f"a damaged PDF ({type(error).__name__})") from None
    if encrypted:
        raise _mismatch(declared, "an encrypted (password-protected) PDF")
    stream.seek(0)
    if scripted or _mentions_javascript(stream):
        raise _mismatch(declared, "a PDF with embedded JavaScript")


_JS_TOKEN = re.compile(rb"/(JavaScript|JS)(?![A-Za-z0-9])")


def _mentions_javascript(stream: BinaryIO) -> bool:
    """A raw scan as well as the structural one: scripts hide in places a parser may skip."""
    tail = b""
    while chunk := stream.read(1024 * 1024):
        if _JS_TOKEN.search(tail + chunk):
            return True
        tail = chunk[-16:]
    return False


def _pdf_has_javascript(reader: object) -> bool:
    root = reader.trailer["/Root"]  # type: ignore[attr-defined]
    if "/OpenAction" in root:
        action = root["/OpenAction"]
        if hasattr(action, "get_object"):
            action = action.get_object()
        if isinstance(action, dict) and action.get("/S") == "/JavaScript":
            return True
    names = root.get("/Names")
    if names is not None and "/JavaScript" in names.get_object():
        return True
    return False
