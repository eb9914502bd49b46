"""Conditional reads of stored files (RFC 9110 13.1.2)."""

from __future__ import annotations

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
