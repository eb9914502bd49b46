"""Object keys: chosen by the server, checked before any touches the disk."""

from __future__ import annotations

import re

_SAFE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")


def is_safe_key(key: str) -> bool:
    """Keys this service makes: slash-separated segments of letters, digits and ._- with no '..'."""
    return len(key) <= 300 and bool(_SAFE_KEY.fullmatch(key)) and ".." not in key
