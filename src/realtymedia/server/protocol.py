"""uvicorn's httptools protocol with the limits its parser does not have.

httptools sets no bound on a request's head: it buffers a header until its end arrives (a 200 MB
header grew the process by 260 MB) and waits for it as long as the client likes. This protocol
counts the bytes of a head as they arrive and refuses, before the application sees anything:

- a head (request line and headers) over `max_head_bytes`, or with more than `max_headers`
  headers: 431 Request Header Fields Too Large;
- a request line over `max_request_line`: 414 URI Too Long;
- a head not complete within `head_timeout` of its first byte (or of the connection's opening):
  408 Request Timeout;
- a body that stops arriving (no byte for `body_idle_timeout`) or is not complete within
  `body_timeout`: 408 when no answer was started, else the connection is closed; the application
  sees the client go away.

Each refusal closes the connection. Timers are armed only while a head or a body is incomplete
after a read, so a request that arrives in one piece costs none.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from realtymedia.server.dates import http_date

if TYPE_CHECKING:
    from realtymedia.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    max_head_bytes: int
    max_headers: int
    max_request_line: int
    head_timeout: float
    body_idle_timeout: float
    body_timeout: float

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            max_head_bytes=settings.max_request_head_bytes,
            max_headers=settings.max_request_headers,
            max_request_line=settings.max_request_line_bytes,
            head_timeout=settings.request_head_timeout_seconds,
            body_idle_timeout=settings.request_body_idle_seconds,
            body_timeout=settings.request_body_timeout_seconds,
        )


class _Refused(Exception):
    """Raised in a parser callback to stop the parser once the refusal has been sent."""


class LimitedHttpTools(HttpToolsProtocol):
    """The protocol `realtymedia serve` gives uvicorn (by name, so that every worker imports it).

    `limits` None means: from the environment's Settings, read once per process, as the
    application's factory reads them; `protocol_for` binds other settings (servers in tests).
    """

    limits: ClassVar[Limits | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cls = type(self)
        if cls.limits is None:
            from realtymedia.settings import Settings

            cls.limits = Limits.of(Settings())
        self._limits: Limits = cls.limits
        self._awaiting_head = True
        self._head_bytes = 0
        self._body_pending = False
        self._body_started = 0.0
        self._body_seen = 0.0
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._refused = False

    # -- connection ---------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # A connection that never sends a head is closed too.
        self._head_timer = self.loop.call_later(self._limits.head_timeout, self._head_expired)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._awaiting_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._refused or self.transport.is_closing():
            return
        if self._awaiting_head:
            if self._head_bytes > self._limits.max_head_bytes:
                self._refuse(431, "Request header fields too large.")
            elif self._head_timer is None and self._head_bytes:  # part of a head, the rest to come
                self._head_timer = self.loop.call_later(self._limits.head_timeout, self._head_expired)
        elif self._body_pending:
            self._body_seen = self.loop.time()
            if self._body_timer is None:
                self._body_started = self._body_seen
                self._body_timer = self.loop.call_later(self._limits.body_idle_timeout, self._body_check)

    def send_400_response(self, msg: str) -> None:
        if not self._refused:  # a parser error of our own making: the refusal has been sent
            self._refuse(400, msg)  # as uvicorn would, with the Date it no longer adds

    # -- parser callbacks ---------------------------------------------------------------------

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self._limits.max_request_line:
            self._refuse(414, "Request line too long.")
            raise _Refused

    def on_headers_complete(self) -> None:
        self._awaiting_head = False
        self._head_bytes = 0
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        headers = self.headers
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in headers)
        if len(headers) > self._limits.max_headers or size > self._limits.max_head_bytes:
            self._refuse(431, "Request header fields too large.")
            raise _Refused
        self._body_pending = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._body_pending = False
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        self._awaiting_head = True
        self._head_bytes = 0

    # -- deadlines ----------------------------------------------------------------------------

    def _head_expired(self) -> None:
        self._head_timer = None
        if self._awaiting_head and not self.transport.is_closing():
            self._refuse(408, "The request head did not arrive in time.")

    def _body_check(self) -> None:
        self._body_timer = None
        if not self._body_pending or self.transport.is_closing():
            return
        now = self.loop.time()
        idle_until = self._body_seen + self._limits.body_idle_timeout
        whole_until = self._body_started + self._limits.body_timeout
        if now >= idle_until or now >= whole_until:
            self._refuse(408, "The request body did not arrive in time.")
            return
        self._body_timer = self.loop.call_at(min(idle_until, whole_until), self._body_check)

    # -- refusals -----------------------------------------------------------------------------

    def _refuse(self, status: int, message: str) -> None:
        """Answer `status` (unless the application's answer has started), then close."""
        self._refused = True
        self._cancel_timers()
        cycle = self.cycle
        answered = cycle is not None and not cycle.response_complete and cycle.response_started
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # whatever the application sends from now on is dropped
            cycle.message_event.set()  # and a receive() it waits in returns http.disconnect
        if not answered:
            log.debug("refused %s from %s: %s", status, self.client, message)
            body = message.encode()
            head = [STATUS_LINE[status], b"date: " + http_date() + b"\r\n"]
            head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
            head += [
                b"content-type: text/plain; charset=utf-8\r\n",
                b"content-length: " + str(len(body)).encode() + b"\r\n",
                b"x-content-type-options: nosniff\r\n",
                b"connection: close\r\n\r\n",
            ]
            self.transport.write(b"".join(head) + body)
        self.transport.close()

    def _cancel_timers(self) -> None:
        for timer in (self._head_timer, self._body_timer):
            if timer is not None:
                timer.cancel()
        self._head_timer = self._body_timer = None


def protocol_for(settings: Settings) -> type[LimitedHttpTools]:
    """The protocol bound to `settings` (for a server in this process; serve names the class)."""
    return type("LimitedHttpTools", (LimitedHttpTools,), {"limits": Limits.of(settings)})
