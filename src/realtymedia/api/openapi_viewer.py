"""Swagger UI over a dialect's OpenAPI document, from assets a pinned package ships (fastapi-offline:
Swagger UI 5, which renders OpenAPI 3.1), served by the service itself: the page needs no CDN."""

from __future__ import annotations

from pathlib import Path

from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles


def assets() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def viewer_routes(title: str, document: str = "openapi.json") -> list[BaseRoute]:
    """`GET docs` (Swagger UI over `document`, a path below the app's root) and its assets."""

    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}/{document}",
            title=title,
            swagger_js_url=f"{root}/docs-assets/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs-assets/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs-assets/favicon.png",
        )

    return [
        Route("/docs", docs, methods=["GET"], include_in_schema=False),
        Mount("/docs-assets", StaticFiles(directory=assets()), name="docs-assets"),
    ]
