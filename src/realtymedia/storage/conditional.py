"""Conditional reads of stored files (RFC 9110 13.1.2)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# What a 304 keeps of the 200 it stands for (RFC 9110 15.4.5).
KEPT_BY_304 = ("cache-control", "content-location", "etag", "expires", "last-modified", "vary")


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether If-None-Match names `etag` (weak comparison, as GET and HEAD use) or is `*`."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in if_none_match.split(","))


def not_modified(request_headers: Mapping[str, str], etag: str, last_modified: datetime | None) -> bool:
    """Whether a GET or HEAD is answered 304: If-None-Match when the request has one (it wins over
    If-Modified-Since, RFC 9110 13.2.2), else If-Modified-Since against `last_modified` in whole
    seconds. A date that is not an HTTP-date, or later than now, is ignored (RFC 9110 13.1.3)."""
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        return etag_matches(if_none_match, etag)
    since = request_headers.get("if-modified-since")
    if not since or last_modified is None:
        return False
    try:
        moment = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment > datetime.now(UTC):
        return False
    return last_modified.replace(microsecond=0) <= moment
