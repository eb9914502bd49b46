"""Conditional reads for both dialects: kept renderings, ETag, Last-Modified and 304 (RFC 9110 13).

A read whose answer depends only on a version it names (a project's attachments, a realty's
images) is rendered once per worker and version and kept (`kept`): the request still
authenticates and reads the version, so a change made through any worker shows on the next read.
Its ETag is a hash of the body; If-None-Match, else If-Modified-Since (a date in the future is
ignored), answers 304, by the one evaluation of RFC 9110's conditions that stored files and
renditions use too (storage.conditional.not_modified).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from starlette.responses import Response

from realtymedia.services.core import Memo
from realtymedia.storage.conditional import not_modified


def etag_of(body: bytes) -> str:
    return '"' + base64.urlsafe_b64encode(hashlib.sha256(body).digest()[:18]).decode() + '"'


@dataclass(frozen=True)
class Rendered:
    """A representation's bytes and their ETag."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> Rendered:
        return cls(body, etag_of(body))


def kept(renderings: Memo, key: Hashable, render: Callable[[], bytes]) -> Rendered:
    """The rendering of `render()`, kept per worker under `key`.

    `key` must name everything the body is made from: a version read before the data (the body
    then shows that version or a later one, never an earlier one), and whatever else the bytes
    depend on (representation, URL prefix). Never shared between users unless the version was
    read with the owner checked."""
    rendered: Rendered = renderings.get_or_make(key, lambda: Rendered.of(render()))
    return rendered


def already_kept(renderings: Memo, key: Hashable) -> Rendered | None:
    """The kept rendering under `key`, if this worker has one (no rendering: cheap on the event loop)."""
    found: Rendered | None = renderings.get(key)
    return found


def answer(
    request_headers: Mapping[str, str],
    rendered: Rendered,
    media_type: str,
    *,
    last_modified: datetime | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """200 with the body and its validators, or 304 when the client has it (same validators, no body)."""
    validators = {**(headers or {}), "ETag": rendered.etag}
    if last_modified is not None:
        # Never later than the answer's Date (RFC 9110 8.8.2.1, server.dates): a project's change
        # may stand up to a second ahead of the clock (services.projects.next_second).
        validators["Last-Modified"] = format_datetime(min(last_modified, datetime.now(UTC)), usegmt=True)
    validators["Vary"] = "Accept"
    if not_modified(request_headers, rendered.etag, last_modified):
        return Response(status_code=304, headers=validators)
    validators["Cache-Control"] = "private, no-cache"
    return Response(rendered.body, 200, validators, media_type=media_type)
