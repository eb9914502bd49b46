"""Renditions over HTTP, as an image CDN's origin serves them.

Every answer names bytes that never change (a new picture gets a new id, key and version), so it
carries a strong ETag, Last-Modified and `Cache-Control: immutable`, and answers HEAD,
If-None-Match / If-Modified-Since with 304, and a single byte Range with 206. (Originals are
served by their storage backend, Storage.serve.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from realtymedia.storage import conditional

IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Delivery:
    """What an answer is about: its size, type and validators, and how to read a part of it."""

    size: int
    content_type: str
    etag: str
    last_modified: datetime
    read: Callable[[int, int], Iterator[bytes]] | bytes


def deliver(request: Request, item: Delivery, headers: dict[str, str] | None = None) -> Response:
    """200, 206, 304 or 416 for GET and HEAD of an immutable object."""
    return respond(request.method, request.headers, item, headers)


def respond(
    method: str, request_headers: Mapping[str, str], item: Delivery, headers: dict[str, str] | None = None
) -> Response:
    """deliver's answer from the request's method and headers alone (for plain ASGI callers)."""
    sent = {
        "Cache-Control": IMMUTABLE,
        "ETag": item.etag,
        "Last-Modified": format_datetime(item.last_modified.replace(microsecond=0), usegmt=True),
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        **(headers or {}),
    }
    if not_modified(request_headers, item):
        return Response(status_code=304, headers=sent)
    start, end = 0, item.size
    status = 200
    wanted = _range(request_headers, item)
    if wanted is UNSATISFIABLE:
        return Response(status_code=416, headers={**sent, "Content-Range": f"bytes */{item.size}"})
    if wanted is not None:
        start, end = wanted
        status = 206
        sent["Content-Range"] = f"bytes {start}-{end - 1}/{item.size}"
    sent["Content-Length"] = str(end - start)
    if method == "HEAD":
        return Response(status_code=status, headers=sent, media_type=item.content_type)
    if isinstance(item.read, bytes):
        return Response(item.read[start:end], status, sent, media_type=item.content_type)
    return StreamingResponse(item.read(start, end), status, sent, media_type=item.content_type)


def not_modified(request_headers: Mapping[str, str], item: Delivery) -> bool:
    return conditional.not_modified(request_headers, item.etag, item.last_modified)


UNSATISFIABLE = (-1, -1)


def _range(request_headers: Mapping[str, str], item: Delivery) -> tuple[int, int] | None:
    """The one byte range asked for, as (start, end exclusive); None for the whole object."""
    header = request_headers.get("range")
    if not header or not header.startswith("bytes=") or "," in header:
        return None  # no range, another unit, or several ranges: the whole object is a valid answer
    if_range = request_headers.get("if-range")
    if if_range is not None and if_range != item.etag:
        return None
    first, _, last = header[6:].strip().partition("-")
    try:
        if first == "":  # the last N bytes
            count = int(last)
            if count <= 0:
                return UNSATISFIABLE
            return max(0, item.size - count), item.size
        start = int(first)
        end = min(int(last) + 1, item.size) if last else item.size
    except ValueError:
        return None
    if start >= item.size or end <= start:
        return UNSATISFIABLE
    return start, end
