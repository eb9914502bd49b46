"""The ASGI application: storage endpoint, both API dialects and the web page over one core."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from realtymedia.api.common import SecurityHeaders
from realtymedia.persistence import repository as repo
from realtymedia.services.core import Core
from realtymedia.storage.endpoint import make_router


def create_app(core: Core | None = None) -> FastAPI:
    core = core or Core.from_settings()
    app = FastAPI(title="realtymedia", docs_url=None, redoc_url=None, openapi_url=None)
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
    from realtymedia.web import mount as mount_web

    mount_web(app)  # last: the page's mount at / would shadow anything added after it
    app.add_middleware(SecurityHeaders)
    return app
