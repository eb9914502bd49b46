"""The ASGI application: storage endpoint, both API dialects and the web page over one core."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from realtymedia.api.common import SecurityHeaders, telemetry
from realtymedia.persistence import repository as repo
from realtymedia.services.core import Core
from realtymedia.storage.endpoint import make_router


def create_app(core: Core | None = None) -> FastAPI:
    core = core or Core.from_settings()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Blocking work (database, storage, byte checks) runs in anyio's worker threads. They share
        # one GIL: more of them than the work can use only adds hand-offs between them.
        anyio.to_thread.current_default_thread_limiter().total_tokens = core.settings.worker_threads
        # Everything built so far (modules, routes, models, the SQLAlchemy registry) lives as long
        # as the process: out of the collector's sight, full collections stop walking it. They
        # had paused the loop for up to ~200 ms (p99 of a 404 at 64 connections: 68-212 ms
        # before, 21-28 ms after, same machine and hour).
        gc.collect()
        gc.freeze()
        yield

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
        with core.db.read() as session:
            return repo.content_type_of_key(session, key)

    app.include_router(make_router(core.storage, core.settings.max_upload_bytes, content_type_of))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        with core.db.read() as session:
            session.execute(repo.select_one())
        return JSONResponse({"status": "ok", "storage": core.storage.name})

    from realtymedia.api.is24.app import create_app as create_is24
    from realtymedia.api.realty_image.app import create_app as create_realty_image

    app.mount("/restapi", create_is24(core))
    app.mount(core.settings.realty_image_base_path, create_realty_image(core))
    _answer_unrouted_in_dialect(app, core.settings.realty_image_base_path)
    from realtymedia.web import mount as mount_web

    mount_web(app)  # last: the page's mount at / would shadow anything added after it
    app.add_middleware(SecurityHeaders)
    return app


def _answer_unrouted_in_dialect(app: FastAPI, realty_image_base: str) -> None:
    """Paths no mount matches (a mount's pattern stops at a line break, say) still get their
    dialect's error body when they name a dialect's prefix."""
    from realtymedia.api.is24.errors import RESOURCE_NOT_FOUND, Refusal
    from realtymedia.api.is24.protocol import Representation, error_response
    from realtymedia.api.realty_image import errors as realty_image_errors

    @app.exception_handler(HTTPException)
    async def unrouted(request: Request, error: HTTPException) -> Response:
        path = request.url.path
        if path.startswith(realty_image_base + "/"):
            return realty_image_errors.respond(404, "NOT_FOUND", "No such resource.")
        if path.startswith("/restapi/"):
            return error_response(Refusal(404, RESOURCE_NOT_FOUND, "The resource was not found."), Representation())
        return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)
