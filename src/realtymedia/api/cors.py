"""Cross-origin access (CORS) to both dialects and the file URLs, for the origins the settings allow.

A CRM on its own origin calls the APIs from the browser (Uppy and every direct-to-S3 uploader work
so): it needs preflights answered and the headers it reads exposed. Starlette's CORSMiddleware does
the protocol; this only chooses the paths it covers. The storage endpoint is not among them: a
signed POST form authorises itself, so it answers any origin, as an S3 bucket's CORS rule would.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

# What browser clients read from our answers.
EXPOSED = ["Request-ID", "Idempotent-Replayed", "ETag", "Location", "L-IS24-RequestRefnum", "Last-Modified"]
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE"]
PREFLIGHT_CACHE_SECONDS = 600


class CrossOrigin:
    """CORS for requests under `prefixes`; everything else passes untouched."""

    def __init__(self, app: ASGIApp, origins: list[str], prefixes: list[str]) -> None:
        self.app = app
        self.prefixes = tuple(prefix.rstrip("/") + "/" for prefix in prefixes)
        self.cors = (
            CORSMiddleware(
                app,
                allow_origins=origins,
                allow_methods=METHODS,
                allow_headers=["*"],  # Authorization, Request-ID, Content-Type, If-None-Match, ...
                allow_credentials=False,  # the page's cookie session stays on its own origin
                expose_headers=EXPOSED,
                max_age=PREFLIGHT_CACHE_SECONDS,
            )
            if origins
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.cors is not None and scope["type"] == "http" and self.covers(scope):
            await self.cors(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def covers(self, scope: Scope) -> bool:
        """Whether CORS answers this request (origins are configured and the path is under a
        prefix): then even an answer to a request without Origin carries `Vary: Origin`."""
        if self.cors is None:
            return False
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :]
        return (path + "/").startswith(self.prefixes)
