"""The IS24 dialect (mounted at /restapi)."""

from __future__ import annotations

from fastapi import FastAPI

from realtymedia.services.core import Core


def create_app(core: Core) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.core = core
    return app
