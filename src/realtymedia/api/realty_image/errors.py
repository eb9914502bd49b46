"""The vendor's error body, made in this one place from domain errors, FastAPI's errors and crashes.

{"errorCode": "...", "message": "...", "errors": [{"target": "...", "errorCode": "...", "message": "..."}]}
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from realtymedia.domain import codes
from realtymedia.domain.errors import (
    AccessDenied,
    Conflict,
    DomainError,
    Invalid,
    NotAuthenticated,
    NotFound,
    Overloaded,
    Path,
    Throttled,
    Violation,
)
from realtymedia.server.headers import AddingHeaders

log = logging.getLogger(__name__)

BAD_REQUEST_PARAMETERS = "BAD_REQUEST_PARAMETERS"
BAD_REQUEST_BODY = "BAD_REQUEST_BODY"
VALUE_REQUIRED = "VALUE_REQUIRED"
INVALID_TYPE = "INVALID_TYPE"
UNAUTHORIZED = "UNAUTHORIZED"
NOT_FOUND = "NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
STATUS_CONFLICT = "STATUS_CONFLICT"
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
TECHNICAL_ERROR = "TECHNICAL_ERROR"

STATUS_CODES = {
    400: BAD_REQUEST_BODY,
    401: UNAUTHORIZED,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    409: STATUS_CONFLICT,
    413: PAYLOAD_TOO_LARGE,
    415: UNSUPPORTED_MEDIA_TYPE,
    429: TOO_MANY_REQUESTS,
    500: TECHNICAL_ERROR,
}
# Inputs that travel outside the body: their errors are BAD_REQUEST_PARAMETERS.
PARAMETERS = {"type", "Request-ID", "realtyId", "realtyImageId"}
# Rule codes of the domain that have a vendor code of their own; the rest are reported as the
# top-level code (BAD_REQUEST_BODY or BAD_REQUEST_PARAMETERS).
RULE_CODES = {
    codes.MANDATORY_FIELD_EMPTY: VALUE_REQUIRED,
    codes.CONTENT_MISMATCH: INVALID_TYPE,
}


class ApiError(Exception):
    """An error the dialect itself raises (authentication, headers, media type)."""

    def __init__(self, status: int, message: str, target: str | None = None, item_code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.target = target
        self.item_code = item_code


def body(error_code: str, message: str, errors: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    return {"errorCode": error_code, "message": message, "errors": list(errors)}


def respond(status: int, error_code: str, message: str, errors: Sequence[dict[str, str]] = ()) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="realty-image"'} if status == 401 else None
    return JSONResponse(body(error_code, message, errors), status_code=status, headers=headers)


def too_large(scope: Scope, limit: int) -> JSONResponse:
    """The answer to a body over the bound (server.bodies.BodyLimit)."""
    return respond(413, PAYLOAD_TOO_LARGE, f"The request body is larger than {limit} bytes.")


def too_many(scope: Scope, seconds: int) -> JSONResponse:
    """The answer to a request over a rate limit (operations.limits; it adds Retry-After)."""
    return respond(429, TOO_MANY_REQUESTS, f"Too many requests: retry after {seconds} seconds.")


def from_api_error(error: ApiError) -> JSONResponse:
    code = STATUS_CODES.get(error.status, BAD_REQUEST_BODY)
    items = (
        [{"target": error.target, "errorCode": error.item_code or code, "message": error.message}]
        if error.target
        else []
    )
    return respond(error.status, code, error.message, items)


# The vendor's names of the domain's fields, where they are not the names in camel case.
_NAMES = {"uploads": "uploadedImages", "images": "realtyImages", "source": "sourceRealtyId", "content_type": "type"}


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def word(path: Path) -> str:
    """A field's path in the vendor's words: ("uploads", 3, "key") is `uploadedImages[3].key`."""
    return _target([_NAMES.get(part, _camel(part)) if isinstance(part, str) else part for part in path])


def _violation_item(violation: Violation, top: str) -> dict[str, str]:
    target = word(violation.parts)
    return {
        "target": target,
        "errorCode": RULE_CODES.get(violation.code, top),
        "message": violation.sentence(word) or f"{target}: {violation.code}",
    }


def from_domain(error: DomainError) -> JSONResponse:
    """The one mapping of domain errors to the vendor's statuses and codes."""
    if isinstance(error, Invalid):
        in_parameters = all(word(v.parts) in PARAMETERS for v in error.violations)
        top = BAD_REQUEST_PARAMETERS if in_parameters else BAD_REQUEST_BODY
        message = "Invalid request parameters." if in_parameters else "Invalid request body."
        return respond(400, top, message, [_violation_item(v, top) for v in error.violations])
    if isinstance(error, NotFound | AccessDenied):
        # Others' realties do not exist for the caller: never reveal them with a 403.
        message = str(error) if isinstance(error, NotFound) else "Resource was not found."
        return respond(404, NOT_FOUND, message)
    if isinstance(error, Conflict):
        return respond(409, STATUS_CONFLICT, str(error))
    if isinstance(error, NotAuthenticated):
        return respond(401, UNAUTHORIZED, "Authentication required: send a bearer token.")
    if isinstance(error, Throttled | Overloaded):
        status, code = (429, TOO_MANY_REQUESTS) if isinstance(error, Throttled) else (503, TECHNICAL_ERROR)
        response = respond(status, code, str(error))
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    return respond(500, TECHNICAL_ERROR, "Technical error.")


def _target(loc: Sequence[int | str]) -> str:
    target = ""
    for part in loc:
        if isinstance(part, int):
            target += f"[{part}]"
        else:
            target += f".{part}" if target else str(part)
    return target


def _item_code(error_type: str, top: str) -> str:
    if error_type == "missing":
        return VALUE_REQUIRED
    if error_type.endswith("_type") or error_type.endswith("_parsing") or error_type.startswith("uuid"):
        return INVALID_TYPE
    return top


def from_validation(error: RequestValidationError) -> JSONResponse:
    problems = list(error.errors())
    in_body = any(p.get("loc", ("body",))[0] == "body" for p in problems)
    top = BAD_REQUEST_BODY if in_body else BAD_REQUEST_PARAMETERS
    items = []
    for problem in problems:
        loc = tuple(problem.get("loc", ()))
        where = loc[1:] if loc and loc[0] in ("body", "query", "header", "path", "cookie") else loc
        if problem.get("type") == "json_invalid":
            where = ()
        items.append(
            {
                "target": _target(where) or ("body" if in_body else "request"),
                "errorCode": _item_code(str(problem.get("type", "")), top),
                "message": str(problem.get("msg", "invalid")),
            }
        )
    message = "Invalid request body." if in_body else "Invalid request parameters."
    return respond(400, top, message, items)


def from_http(error: HTTPException) -> JSONResponse:
    code = STATUS_CODES.get(error.status_code, BAD_REQUEST_BODY if error.status_code < 500 else TECHNICAL_ERROR)
    messages = {404: "Resource was not found.", 405: "Method not allowed."}
    message = messages.get(error.status_code) or str(error.detail)
    response = respond(error.status_code, code, message)
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    return response


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path answers (Starlette names only the first route's)."""
    from starlette._utils import get_route_path

    path = get_route_path(request.scope)
    methods: set[str] = set()
    pending = list(request.app.router.routes)
    while pending:
        route = pending.pop()
        included = getattr(route, "original_router", None)  # FastAPI's include_router
        if included is not None:
            pending.extend(included.routes)
        elif getattr(route, "path_regex", None) is not None and route.path_regex.match(path):
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install(app: FastAPI) -> None:
    async def domain_handler(request: Request, error: Exception) -> JSONResponse:
        return from_domain(error)  # type: ignore[arg-type]

    async def api_handler(request: Request, error: Exception) -> JSONResponse:
        return from_api_error(error)  # type: ignore[arg-type]

    async def validation_handler(request: Request, error: Exception) -> JSONResponse:
        return from_validation(error)  # type: ignore[arg-type]

    async def http_handler(request: Request, error: Exception) -> JSONResponse:
        response = from_http(error)  # type: ignore[arg-type]
        if response.status_code == 405:
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response

    app.add_exception_handler(DomainError, domain_handler)
    app.add_exception_handler(ApiError, api_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(HTTPException, http_handler)
    app.add_middleware(RequestIdEcho)


def echoed(scope: Scope) -> list[tuple[bytes, bytes]]:
    """The headers every answer of the dialect carries: the request's Request-ID, if any, echoed."""
    for name, value in scope.get("headers", []):
        if name == b"request-id":
            return [(b"request-id", value)] if len(value) <= 200 else []
    return []


class RequestIdEcho:
    """Echo the Request-ID on every answer, and turn a crash into the vendor's 500 body.

    Plain ASGI and inside Starlette's outermost error middleware, so even a crash's answer carries
    the Request-ID and the vendor's body.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        echo = echoed(scope)
        send_with_echo = AddingHeaders(send, lambda _: echo)
        try:
            await self.app(scope, receive, send_with_echo)
        except Exception:
            log.exception("unexpected error in the Realty Image API")
            if send_with_echo.started:
                raise
            response = respond(500, TECHNICAL_ERROR, "Technical error.")
            await response(scope, receive, send_with_echo)
