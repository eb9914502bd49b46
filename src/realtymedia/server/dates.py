"""The Date of every answer, taken by the application when the answer starts (RFC 9110 6.6.1).

uvicorn's own Date is refreshed once a second by its main loop, which a busy loop delays: it can
name a second earlier than the one in which the application built its answer, and a Last-Modified
clamped to the application's clock would then be later than Date (RFC 9110 8.8.2.1 forbids it).
So the server sends no Date of its own (server.config) and this layer, outermost, adds the clock's
at http.response.start: never earlier than anything the answer was computed from.
"""

from __future__ import annotations

import time
from email.utils import formatdate

from starlette.types import ASGIApp, Receive, Scope, Send

from realtymedia.server.headers import AddingHeaders, Headers

_last: tuple[int, bytes] = (0, b"")


def http_date() -> bytes:
    """Now as an HTTP-date (formatted once per second)."""
    global _last
    second = int(time.time())
    if _last[0] != second:
        _last = (second, formatdate(second, usegmt=True).encode())
    return _last[1]


class Dated:
    """Adds `Date` to every HTTP answer that has none."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        await self.app(scope, receive, AddingHeaders(send, _missing_date))


def _missing_date(present: Headers) -> Headers:
    return [] if any(name.lower() == b"date" for name, _ in present) else [(b"date", http_date())]
