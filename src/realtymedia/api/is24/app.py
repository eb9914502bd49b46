"""The IS24 dialect (mounted at /restapi): real estate project attachments, and OAuth 1.0a.

See protocol.py for representation, authentication and caching; errors.py for the one mapping of
refusals to `common.messages`; routes.py for the resources; security.py for the OAuth steps.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Scope

from realtymedia.api.is24 import openapi, routes, security
from realtymedia.api.is24.errors import BAD_REQUEST, RESOURCE_NOT_FOUND, TOO_MANY_REQUESTS, Refusal
from realtymedia.api.is24.protocol import MAX_BODY, Envelope, Representation, error_response, negotiate
from realtymedia.api.openapi_viewer import viewer_routes
from realtymedia.server.bodies import BodyLimit
from realtymedia.services.core import Core


def create_app(core: Core) -> Starlette:
    # Starlette, not FastAPI: the dialect does its own parsing, negotiation and errors, so FastAPI's
    # parameter solving and route contexts would only add to every request (docs/benchmarks.md).
    # `/openapi.json`: the Envelope takes the dialect's `.json` suffix off the path before routing.
    documentation = [Route("/openapi", _document, methods=["GET"]), *viewer_routes("IS24 API (realtymedia)")]
    app = Starlette(routes=[*routes.routes, *security.routes, *documentation])
    app.router.redirect_slashes = False
    app.state.core = core

    async def unknown(request: Request, error: Exception) -> Response:
        # Unknown paths and methods answer in IS24's form too.
        if not isinstance(error, StarletteHTTPException):  # registered for HTTPException alone
            raise error
        try:
            representation = negotiate(request)
        except Refusal:
            representation = Representation()
        if error.status_code == 404:
            refusal = Refusal(404, RESOURCE_NOT_FOUND, f"The resource [{request.url.path}] was not found.")
        else:
            refusal = Refusal(
                error.status_code,
                BAD_REQUEST,
                f"{request.method} is not supported by this resource.",
                dict(error.headers or {}),
            )
        return error_response(refusal, representation)

    app.add_exception_handler(StarletteHTTPException, unknown)
    # Every body of the dialect (resources, OAuth token requests, the confirm_access form) is
    # bounded here, inside the Envelope so that the 413 carries the request reference too.
    app.add_middleware(BodyLimit, limit=MAX_BODY, refuse=too_large)
    app.add_middleware(Envelope)
    return app


async def _document(request: Request) -> Response:
    return JSONResponse(openapi.document())


def too_large(scope: Scope, limit: int) -> Response:
    refusal = Refusal(413, BAD_REQUEST, f"The request body is larger than {limit} bytes.")
    return error_response(refusal, _representation(scope))


def too_many(scope: Scope, seconds: int) -> Response:
    """The answer to a request over a rate limit (operations.limits; it adds Retry-After)."""
    refusal = Refusal(429, TOO_MANY_REQUESTS, f"Too many requests: retry after {seconds} seconds.")
    return error_response(refusal, _representation(scope))


def _representation(scope: Scope) -> Representation:
    try:
        return negotiate(Request(scope))
    except Refusal:
        return Representation()
