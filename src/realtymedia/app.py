"""The ASGI application: storage endpoint, both API dialects and the web page over one core."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from realtymedia.api.common import SecurityHeaders, route_path, telemetry
from realtymedia.api.cors import CrossOrigin
from realtymedia.api.pictures import Stamp, StoredRenditions
from realtymedia.operations import health, limits, metrics
from realtymedia.operations.observe import Observe, label_routes
from realtymedia.server.bodies import BodyLimit
from realtymedia.server.dates import Dated
from realtymedia.services.core import Core
from realtymedia.storage.endpoint import make_router, slow_down
from realtymedia.web import is_page_file
from realtymedia.web.session import too_large
from realtymedia.web.session import too_many as web_too_many

ROOT_MAX_BODY = 64 * 1024


def create_app(core: Core | None = None) -> ASGIApp:
    core = core or Core.from_settings()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Blocking work (database, storage, byte checks) runs in anyio's worker threads. They share
        # one GIL: more of them than the work can use only adds hand-offs between them.
        anyio.to_thread.current_default_thread_limiter().total_tokens = core.settings.worker_threads
        # Everything built so far (modules, routes, models, the SQLAlchemy registry) lives as long
        # as the process: out of the collector's sight, full collections stop walking it. They
        # had paused the loop long enough to set the tail latency (docs/benchmarks.md).
        gc.collect()
        gc.freeze()
        # On PostgreSQL: the listener of media changes, on this worker's loop (persistence.validity).
        await core.db.start_loop()
        yield
        await core.db.close_loop_pool()

    app = FastAPI(
        title="realtymedia",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        telemetry=telemetry(core),
    )
    app.state.core = core

    def content_type_of(key: str) -> str | None:
        with core.unit_of_work(write=False) as uow:
            return uow.media.content_type_of_key(key)

    app.include_router(make_router(core.storage, content_type_of))
    app.router.routes.extend(health.routes(core))
    app.add_route("/metrics", metrics.endpoint(core.settings.metrics_token), methods=["GET"], include_in_schema=False)
    for name, engine in core.db.pools().items():
        metrics.watch_pool(engine, name)

    from realtymedia.api.is24.app import create_app as create_is24
    from realtymedia.api.is24.app import too_many as is24_too_many
    from realtymedia.api.is24.protocol import referenced as is24_referenced
    from realtymedia.api.realty_image.app import create_app as create_realty_image
    from realtymedia.api.realty_image.errors import echoed as realty_image_echoed
    from realtymedia.api.realty_image.errors import too_many as realty_image_too_many
    from realtymedia.web import mount as mount_web

    is24, realty_image = create_is24(core), create_realty_image(core)
    # One count for the whole application: a credential or an address is limited across the dialects.
    limiter = limits.Limiter(core.settings)
    limits.install(is24, limiter, is24_too_many)
    limits.install(realty_image, limiter, realty_image_too_many)
    dialects: list[tuple[str, ASGIApp]] = [("/restapi", is24), (core.settings.realty_image_base_path, realty_image)]
    for prefix, dialect in dialects:
        app.mount(prefix, dialect)
    mount_web(app)  # last: the page's mount at / would shadow anything added after it
    # Of the root's own routes only the page's login reads a body (a name and a password); the
    # dialects and the storage endpoint (S3's EntityTooLarge) bound theirs in their own format.
    own_bounds = ["/storage/", *(prefix.rstrip("/") + "/" for prefix, _ in dialects)]

    def bounds_its_own(scope: Scope) -> bool:
        path = route_path(scope["path"], scope.get("root_path", "")) + "/"
        return any(path.startswith(prefix) for prefix in own_bounds)

    app.add_middleware(BodyLimit, limit=ROOT_MAX_BODY, refuse=too_large, exempt=bounds_its_own)
    dialect_prefixes = tuple(prefix.rstrip("/") + "/" for prefix, _ in dialects)

    def counted_elsewhere(scope: Scope) -> bool:
        """The dialects count their own requests; probes, scrapes and the page's own files are never limited."""
        path = route_path(scope["path"], scope.get("root_path", ""))
        return (
            path in health.PATHS
            or path == "/metrics"
            or (path + "/").startswith(dialect_prefixes)
            or is_page_file(scope["method"], path)
        )

    def too_many(scope: Scope, seconds: int) -> Response:
        path = route_path(scope["path"], scope.get("root_path", ""))
        return slow_down(scope, seconds) if path.startswith("/storage/") else web_too_many(scope, seconds)

    limits.install(app, limiter, too_many, exempt=counted_elsewhere)
    _label(app, dialects)
    # Paths no route matches still count, under the dialect whose prefix they carry.
    prefixes = [(prefix, name) for (prefix, _), name in zip(dialects, DIALECTS, strict=True)]
    prefixes += [("/storage", "storage"), ("/files", "storage")]
    # The root app's telemetry observes every request (the IS24 app, plain Starlette, has none).
    inner: ASGIApp = app if core.settings.opentelemetry else Dispatch(app, dialects)
    stamps: tuple[Stamp, ...] = (is24_referenced, realty_image_echoed)  # in the order of DIALECTS
    held = [(prefix, name, stamp) for (prefix, name), stamp in zip(prefixes, stamps, strict=False)]
    stored = StoredRenditions(inner, core, held)
    cross_origin = CrossOrigin(stored, core.settings.cors_origins, [prefix for prefix, _ in dialects] + ["/files"])
    # A held rendition's plain GET is answered ahead of them all, their work done inside it.
    return stored.ahead(Dated(Observe(SecurityHeaders(cross_origin), prefixes)), cross_origin.covers)


# Names of the dialects, in the order create_app mounts them (metric and log labels).
DIALECTS = ("is24", "realty_image")


def _label(app: FastAPI, dialects: list[tuple[str, ASGIApp]]) -> None:
    """Route templates and dialects for metrics and logs (operations.observe)."""
    for (prefix, dialect_app), name in zip(dialects, DIALECTS, strict=True):
        label_routes(dialect_app, name, prefix)  # type: ignore[arg-type]
    mounted = tuple(prefix for prefix, _ in dialects)

    def root_dialect(path: str) -> str | None:
        if path.startswith(mounted):
            return None  # labelled inside, above
        if path.startswith(("/storage/", "/files/")):
            return "storage"
        return "operations" if path in ("/healthz", "/readyz", "/metrics") else "web"

    label_routes(app, root_dialect)


class Dispatch:
    """A fast path past the root app (plain ASGI): a request under a dialect's prefix goes straight
    to that dialect's app, which answers everything under it (unknown paths too) in its own format;
    any other request, and the lifespan, go to the root app (whose Mounts lead to the same apps).

    The root app reached its Mounts only after its middleware and a walk of every route ahead of
    them: a fifth of what a request the Realty Image dialect answers 404 cost (docs/benchmarks.md).
    The dialect gets the scope a Mount would give it: the path as it came, the
    prefix added to root_path, matched as Starlette matches (after a root_path the server set).
    """

    def __init__(self, root: ASGIApp, dialects: list[tuple[str, ASGIApp]]) -> None:
        self.root = root
        self.dialects = [(prefix.rstrip("/"), app) for prefix, app in dialects]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            root_path: str = scope.get("root_path", "")
            path = route_path(scope["path"], root_path)
            for prefix, app in self.dialects:
                if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
                    app_root_path = scope.get("app_root_path", root_path)
                    await app({**scope, "root_path": root_path + prefix, "app_root_path": app_root_path}, receive, send)
                    return
        await self.root(scope, receive, send)
