"""The Realty Image API 2.0 dialect (mounted at the configured base path)."""

from __future__ import annotations

from fastapi import FastAPI

from realtymedia.services.core import Core


def create_app(core: Core) -> FastAPI:
    app = FastAPI(title="Realty Image API", version="2.0")
    app.state.core = core
    return app
