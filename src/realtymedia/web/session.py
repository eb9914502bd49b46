"""Log in, log out, and tell the page who it is: the only endpoints the page has of its own.

The session is a cookie (HttpOnly, SameSite=Strict) naming a session the server keeps (logout and
a password change end it for every worker), so scripts cannot read it and other sites cannot send
it; changes also need the CSRF token, which the page gets from these answers.
Login takes JSON only, which a cross-site form cannot send.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.types import Scope

from realtymedia.api.common import client_address, core_of
from realtymedia.auth import web_sessions
from realtymedia.domain.errors import Overloaded, Throttled

router = APIRouter(prefix="/web", include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


def refused(status: int, code: str, message: str, retry_after: int | None = None) -> JSONResponse:
    headers = NO_STORE if retry_after is None else {**NO_STORE, "Retry-After": str(retry_after)}
    return JSONResponse({"errorCode": code, "message": message}, status_code=status, headers=headers)


def too_large(scope: Scope, limit: int) -> JSONResponse:
    """The answer to a body over the root app's bound (server.bodies.BodyLimit, app.py)."""
    return refused(413, "PAYLOAD_TOO_LARGE", f"The request body is larger than {limit} bytes.")


def too_many(scope: Scope, seconds: int) -> JSONResponse:
    """The answer to a request of the root app (page, login, files) over a rate limit (operations.limits)."""
    return refused(429, "TOO_MANY_REQUESTS", f"Too many requests: retry after {seconds} seconds.", seconds)


def _answer(request: Request, username: str, csrf: str) -> dict[str, str]:
    # The page learns where the Realty Image API is mounted (a setting) from the service itself.
    base = core_of(request).settings.realty_image_base_path
    return {"username": username, "csrfToken": csrf, "realtyImageBase": base}


@router.post("/login")
async def login(request: Request) -> Response:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return refused(415, "UNSUPPORTED_MEDIA_TYPE", "Send the login as application/json.")
    try:
        body = await request.json()
        username, password = str(body["username"]), str(body["password"])
        # A lone surrogate (`"\ud800"`) parses as JSON but is no text: it cannot be looked up or hashed.
        username.encode(), password.encode()
    except (ValueError, KeyError, TypeError):  # UnicodeEncodeError is a ValueError
        return refused(400, "BAD_REQUEST_BODY", "username and password are required.")
    core = core_of(request)
    try:
        # argon2 is deliberately slow: in the password checks' own pool, never the shared threads.
        made = await core.passwords.run(web_sessions.login, core, username, password, client_address(request))
    except Overloaded as busy:
        return refused(503, "SERVICE_UNAVAILABLE", str(busy), busy.retry_after)
    except Throttled as throttled:
        return refused(429, "TOO_MANY_REQUESTS", str(throttled), throttled.retry_after)
    if made is None:
        return refused(401, "UNAUTHORIZED", "Wrong username or password.")
    response = JSONResponse(_answer(request, made.principal.username, made.csrf_token), headers=NO_STORE)
    response.set_cookie(
        web_sessions.COOKIE,
        made.cookie,
        max_age=web_sessions.LIFETIME_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/session")
def session(request: Request) -> Response:
    """Who the cookie says the page is, and its CSRF token (after a reload the page has only the cookie)."""
    found = web_sessions.read(core_of(request), request.cookies.get(web_sessions.COOKIE))
    if found is None:
        return refused(401, "UNAUTHORIZED", "Not logged in.")
    return JSONResponse(_answer(request, found.principal.username, found.csrf_token), headers=NO_STORE)


@router.post("/logout")
def logout(request: Request) -> Response:
    cookie, csrf = request.cookies.get(web_sessions.COOKIE), request.headers.get(web_sessions.CSRF_HEADER)
    if not web_sessions.logout(core_of(request), cookie, csrf):
        return refused(403, "FORBIDDEN", "Not logged in, or the CSRF token is missing.")
    response = Response(status_code=204, headers=NO_STORE)
    response.delete_cookie(web_sessions.COOKIE, path="/", httponly=True, samesite="strict")
    return response
