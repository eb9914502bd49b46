"""The web page: static files (plain HTML, JavaScript modules, CSS) and its session endpoints.

Everything else the page does goes through the two public APIs, which accept its session cookie
(with the CSRF token on changes) as an alternative to their own credentials.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from realtymedia.web.session import router

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI) -> None:
    """Add /web/* and the page at /. Call it last: the page's mount at / answers every path left."""
    app.include_router(router)
    app.mount("/", StaticFiles(directory=STATIC, html=True), name="web")
