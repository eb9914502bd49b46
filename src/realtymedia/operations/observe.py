"""Every request seen from outside: its metrics, one log line, and its failure's trace once.

`Observe` wraps the whole application (plain ASGI, no task per request). It puts a `Record` in
the scope; every copy of the scope made further in (mounts, the dialects' dispatch) shares it, and
the code that knows more notes it there: `label_routes` the route template and dialect,
authentication the user (`note_user`), IS24's envelope its request reference (`note_reference`).
When the answer is complete the record becomes the request metrics and one line of the
`realtymedia.requests` logger. Logs written while the request runs carry its reference too
(operations.logs adds it from `current()`), so an error's trace and its request line match.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar, Token
from dataclasses import dataclass

from fastapi import FastAPI
from prometheus_client import Counter, Histogram
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from realtymedia.operations import metrics

RECORD = "realtymedia.record"
UNMATCHED = "(unmatched)"
# Asked every few seconds by load balancers and Prometheus: their lines are logged at debug.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})

requests_log = logging.getLogger("realtymedia.requests")
log = logging.getLogger(__name__)
_CURRENT: ContextVar[Record | None] = ContextVar("realtymedia_request", default=None)


@dataclass(slots=True)
class Record:
    """What is known of one request: filled in as it goes through the application."""

    dialect: str
    route: str = UNMATCHED
    user_id: int | None = None
    # L-IS24-RequestRefnum (IS24), the client's Request-ID (Realty Image), or one made here.
    reference: str | None = None

    def ref(self) -> str:
        if self.reference is None:
            self.reference = uuid.uuid4().hex
        return self.reference


def current() -> Record | None:
    """The record of the request this code runs for (threads and greenlets of it included)."""
    return _CURRENT.get()


def note_user(scope: Scope, user_id: int) -> None:
    record: Record | None = scope.get(RECORD)
    if record is not None:
        record.user_id = user_id


def note_reference(scope: Scope, reference: str) -> None:
    record: Record | None = scope.get(RECORD)
    if record is not None:
        record.reference = reference


class _Labelled:
    """A plain route's app that notes the route's template and dialect on the request's record."""

    def __init__(self, app: ASGIApp, dialect: str, route: str) -> None:
        self.app, self.dialect, self.route = app, dialect, route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        record: Record | None = scope.get(RECORD)
        if record is not None:
            record.dialect, record.route = self.dialect, self.route
        await self.app(scope, receive, send)


class _RouteOf:
    """A FastAPI app's layer that notes the template of the route its router chose. FastAPI names
    the route in the scope, which its router updates in place; a route's own app is not what
    FastAPI calls for a route included from an APIRouter, so it cannot be wrapped."""

    def __init__(self, app: ASGIApp, dialect: Callable[[str], str | None], prefix: str) -> None:
        self.app, self.dialect, self.prefix = app, dialect, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            record: Record | None = scope.get(RECORD)
            path: str | None = getattr(scope.get("route"), "path", None)
            # Labelled already: by an app mounted inside this one, which knows its own prefix.
            if record is not None and path is not None and record.route == UNMATCHED:
                dialect = self.dialect(path)
                if dialect is not None:
                    record.dialect, record.route = dialect, self.prefix + path


# The request series of each (dialect, route template, status) seen so far: as bounded as the series
# themselves, and labels() costs more than the increment it leads to, on every request.
_SERIES: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}


def _series(dialect: str, route: str, status: int) -> tuple[Counter, Histogram]:
    key = (dialect, route, status)
    series = _SERIES.get(key)
    if series is None:
        series = _SERIES[key] = (
            metrics.REQUESTS.labels(dialect, route, str(status)),
            metrics.LATENCY.labels(dialect, route),
        )
    return series


def label_routes(app: Starlette, dialect: str | Callable[[str], str | None], prefix: str = "") -> None:
    """Label the app's routes by template, after `prefix` (where the app is mounted), and by dialect
    (or by what `dialect(path)` says; None leaves a route alone). Call it once the routes are
    complete, before serving. A mount is labelled as a whole (`/{path}` below it)."""
    dialect_of: Callable[[str], str | None] = dialect if callable(dialect) else lambda _path: dialect
    for route in app.routes:
        path: str | None = getattr(route, "path", None)
        name = dialect_of(path) if path is not None else None
        if name is not None and isinstance(route, Route | Mount) and not isinstance(route.app, _Labelled):
            template = f"{prefix}{path}/{{path}}" if isinstance(route, Mount) else f"{prefix}{path}"
            route.app = _Labelled(route.app, name, template)
    if isinstance(app, FastAPI):
        app.add_middleware(_RouteOf, dialect=dialect_of, prefix=prefix)


class Observe:
    """The outermost layer: records, measures and logs every HTTP request.

    `prefixes` name the dialect of paths no route matched (their 404s still count)."""

    def __init__(self, app: ASGIApp, prefixes: Iterable[tuple[str, str]]) -> None:
        self.app = app
        self.prefixes = tuple((prefix.rstrip("/") + "/", dialect) for prefix, dialect in prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        path: str = scope["path"]
        dialect = "service"
        for prefix, name in self.prefixes:
            if path.startswith(prefix):
                dialect = name
                break
        record = Record(dialect)
        for name, value in scope["headers"]:
            if name == b"request-id":
                record.reference = value.decode("latin-1")[:200]
                break
        scope[RECORD] = record
        token = _CURRENT.set(record)
        status = 500
        started = False

        async def observed_send(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = message["status"]
                started = True
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        except Exception:
            # The one trace of a failure nothing further in answered (the dialects answer and log
            # their own); not raised on, or the server would log it a second time.
            log.exception("request failed")
            status = 500
            if not started:
                await PlainTextResponse("Internal Server Error", 500)(scope, receive, observed_send)
        finally:
            _CURRENT.reset(token)
            self._finish(scope, record, status, time.perf_counter() - start)

    @staticmethod
    def _finish(scope: Scope, record: Record, status: int, seconds: float) -> None:
        finish(scope, record, status, seconds)


def enter(scope: Scope, record: Record) -> Token[Record | None]:
    """`record` as the request's, for code answering ahead of `Observe` (api.pictures); `leave` after."""
    scope[RECORD] = record
    return _CURRENT.set(record)


def leave(token: Token[Record | None]) -> None:
    _CURRENT.reset(token)


def finish(scope: Scope, record: Record, status: int, seconds: float) -> None:
    """The request's metrics and its log line, as `Observe` makes them once the answer is complete."""
    requests, latency = _series(record.dialect, record.route, status)
    requests.inc()
    latency.observe(seconds)
    level = logging.DEBUG if record.route in QUIET_ROUTES else logging.INFO
    if requests_log.isEnabledFor(level):
        client = scope.get("client")
        requests_log.log(
            level,
            "request",
            extra={
                "request_ref": record.ref(),
                "user_id": record.user_id,
                "dialect": record.dialect,
                "route": record.route,
                "method": scope["method"],
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "client": client[0] if client else None,
            },
        )
