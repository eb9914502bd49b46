"""How our plain-ASGI layers add headers to an answer: one `send` wrapper, no per-request task."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import Message, Send

Headers = list[tuple[bytes, bytes]]


class AddingHeaders:
    """An ASGI `send` that adds headers to the response's start: `more` gets the headers the
    response has and gives those to add. Knows whether the response has started (`started`).

    The one way our plain-ASGI wrappers (Date, security headers, IS24's request reference, the
    Realty Image Request-ID echo) touch a response: no per-request task, unlike a Starlette
    middleware."""

    def __init__(self, send: Send, more: Callable[[Headers], Headers]) -> None:
        self._send = send
        self._more = more
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            headers = list(message.get("headers", []))
            message["headers"] = headers + self._more(headers)
        await self._send(message)
