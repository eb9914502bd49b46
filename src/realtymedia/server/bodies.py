"""The bound on request bodies: plain ASGI, in front of each part of the service that reads bodies.

A declared Content-Length over the bound is refused before the application runs, so nothing of
the body is read and no credentials are checked for it. A body without a length (chunked), or one
that lies about it, is cut off as soon as it passes the bound: the application sees the client go
away (`http.disconnect`), whatever it answers to that is dropped, and the refusal is sent instead.
Each refusal closes the connection, so the rest of the body is never read either.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The refusal, in the format of the part of the service the request was for (scope, bound).
Refuse = Callable[[Scope, int], Response]


class BodyLimit:
    """At most `limit` bytes of body per request; paths under `exempt` bound their own bodies."""

    def __init__(self, app: ASGIApp, limit: int, refuse: Refuse, exempt: Callable[[Scope], bool] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.refuse = refuse
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.exempt is not None and self.exempt(scope)):
            await self.app(scope, receive, send)
            return
        limit = self.limit
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send)
            return
        received = 0
        over = started = False

        async def bounded_receive() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:
                return  # the application's answer to a body it saw cut short; the refusal follows
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, guarded_send)
        except Exception:
            if not over:
                raise
            # What the application made of the cut-off body (Starlette's ClientDisconnect, say).
        if over and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.refuse(scope, self.limit)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
