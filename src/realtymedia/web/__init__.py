"""The web page: static files (plain HTML, JavaScript modules, CSS) and its session endpoints.

Everything else the page does goes through the two public APIs, which accept its session cookie
(with the CSRF token on changes) as an alternative to their own credentials.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from realtymedia.web import rules, session

STATIC = Path(__file__).parent / "static"
# Only the page's own scripts and styles run. Images and the direct uploads may live on another
# origin (an S3 bucket), so those two are open to any http(s) address.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' http: https: data: blob:; "
    "connect-src 'self' http: https:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class Page(StaticFiles):
    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        # Revalidate on each load, so a new release's scripts are never mixed with old ones.
        response.headers["Cache-Control"] = "no-cache"
        return response


# The page's own files: "/" and every file of STATIC, by their paths.
PAGE_PATHS = frozenset({"/", *("/" + path.name for path in STATIC.iterdir() if path.is_file())})


def is_page_file(method: str, path: str) -> bool:
    """Whether a request reads one of the page's own files. The rate limits spare these: a load of
    the page asks for a dozen of them at once (revalidated each time, see Page), so a per-address
    limit would break the page of people who share an address (an office's NAT) before it ever
    counted a request that costs the service anything."""
    return method in ("GET", "HEAD") and path in PAGE_PATHS


def mount(app: FastAPI) -> None:
    """Add /web/* and the page at /. Call it last: the page's mount at / answers every path left."""
    app.include_router(session.router)
    app.include_router(rules.router)
    app.mount("/", Page(directory=STATIC, html=True), name="web")
