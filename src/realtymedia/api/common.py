"""Small pieces every HTTP front door uses."""

from __future__ import annotations

from fastapi.telemetry import TelemetryConfig
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from realtymedia.server.headers import AddingHeaders, Headers
from realtymedia.services.core import Core

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"cross-origin"),
]


def telemetry(core: Core) -> TelemetryConfig:
    """FastAPI's OpenTelemetry instrumentation, on only when settings.opentelemetry asks for it.

    Left on, FastAPI asks OpenTelemetry on every request whether a provider is configured
    (environment lookups), a measurable part of a small request, for nothing when none is
    (docs/benchmarks.md, "Figures behind choices in the code")."""
    on = core.settings.opentelemetry
    return TelemetryConfig(tracing=on, metrics=on, logs=on)


def route_path(path: str, root_path: str) -> str:
    """The path below root_path, as Starlette's routing sees it."""
    if root_path and path.startswith(root_path) and (len(path) == len(root_path) or path[len(root_path)] == "/"):
        return path[len(root_path) :]
    return path


def core_of(request: Request) -> Core:
    core: Core = request.app.state.core
    return core


def client_address(request: Request) -> str:
    """The client's address, as the server saw it (behind a trusted proxy, the one it forwarded)."""
    return request.client.host if request.client else ""


def base_url(request: Request) -> str:
    """The public base URL: the configured one, or what the request was addressed to."""
    configured = core_of(request).settings.public_base_url
    if configured:
        return configured.rstrip("/")
    root = request.scope.get("root_path", "")
    base = str(request.base_url).rstrip("/")
    return base[: -len(root)] if root and base.endswith(root) else base


class SecurityHeaders:
    """Adds the security headers to every response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, AddingHeaders(send, _missing_security_headers))


def _missing_security_headers(present: Headers) -> Headers:
    names = {name for name, _ in present}
    return [(n, v) for n, v in SECURITY_HEADERS if n not in names]
