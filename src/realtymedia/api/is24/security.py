"""OAuth 1.0a's three steps: request_token, the confirm_access page (log in, allow), access_token.

The page is a plain HTML form. Its CSRF defence is a double-submit token: a random value in an
HttpOnly, SameSite=Strict cookie and in a hidden field, which must agree on POST; a cross-site
page can neither read nor set the cookie. The page may not be framed (X-Frame-Options: DENY).
"""

from __future__ import annotations

import hmac
import secrets
from html import escape
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from realtymedia.api.common import base_url, client_address, core_of
from realtymedia.api.is24.errors import Refusal
from realtymedia.api.is24.protocol import Representation, error_response, full_url, read_body
from realtymedia.auth import oauth1 as oauth
from realtymedia.domain.errors import Overloaded, Throttled
from realtymedia.services import logins

CSRF_COOKIE = "rm_oauth_csrf"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Allow access</title></head>
<body>
<h1>Allow access to your real estate projects?</h1>
<p><strong>{consumer}</strong> asks to read and change the attachments of your real estate projects.</p>
{notice}
<form method="post" action="{action}">
  <input type="hidden" name="oauth_token" value="{token}">
  <input type="hidden" name="csrf_token" value="{csrf}">
  <p><label>Username <input name="username" autocomplete="username" required></label></p>
  <p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
  <p><button name="decision" value="allow">Allow</button> <button name="decision" value="deny">Deny</button></p>
</form>
</body></html>
"""


def _token_response(result: tuple[dict[str, str], str | None, int]) -> Response:
    headers, body, status = result
    return Response(body or "", status, headers)


async def request_token(request: Request) -> Response:
    try:
        body = (await read_body(request)).decode("utf-8", "replace")
    except Refusal as refusal:
        return error_response(refusal, Representation())
    core = core_of(request)
    return _token_response(
        await core.run(oauth.request_token, full_url(request), request.method, body, request.headers)
    )


async def access_token(request: Request) -> Response:
    try:
        body = (await read_body(request)).decode("utf-8", "replace")
    except Refusal as refusal:
        return error_response(refusal, Representation())
    core = core_of(request)
    return _token_response(await core.run(oauth.access_token, full_url(request), request.method, body, request.headers))


def _page(request: Request, token: str, consumer: str, status: int = 200, notice: str = "") -> HTMLResponse:
    csrf = secrets.token_urlsafe(24)
    action = request.scope.get("root_path", "") + "/security/oauth/confirm_access"
    html = PAGE.format(
        consumer=escape(consumer),
        notice=f"<p role='alert'>{escape(notice)}</p>" if notice else "",
        action=escape(action),
        token=escape(token),
        csrf=escape(csrf),
    )
    response = HTMLResponse(html, status, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="strict",
        secure=base_url(request).startswith("https://"),
        path=action,
    )
    return response


def _message(text: str, status: int) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html><body><p>{escape(text)}</p></body></html>", status)


async def confirm_access_page(request: Request) -> Response:
    oauth_token = request.query_params.get("oauth_token", "")
    consumer = await core_of(request).run(oauth.request_token_consumer, oauth_token)
    if consumer is None:
        return _message("This request for access is unknown, expired or already answered.", 404)
    return _page(request, oauth_token, consumer)


async def confirm_access(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    token = str(form.get("oauth_token", ""))
    given, expected = str(form.get("csrf_token", "")), request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(given, expected):
        return _message("The form has expired or did not come from this site. Open the page again.", 403)
    core = core_of(request)
    consumer = await core.run(oauth.request_token_consumer, token)
    if consumer is None:
        return _message("This request for access is unknown, expired or already answered.", 404)
    if form.get("decision") != "allow":
        return _message(f"You did not allow {consumer} to access your projects.", 200)
    try:
        # argon2 is deliberately slow: in the password checks' own pool, never the shared threads.
        user = await core.passwords.run(
            logins.check_password,
            core,
            str(form.get("username", "")),
            str(form.get("password", "")),
            client_address(request),
        )
    except (Overloaded, Throttled) as refusal:
        page = _page(request, token, consumer, 503 if isinstance(refusal, Overloaded) else 429, str(refusal))
        page.headers["Retry-After"] = str(refusal.retry_after)
        return page
    if user is None:
        return _page(request, token, consumer, 401, "Wrong username or password.")
    uri = base_url(request) + request.scope.get("root_path", "") + "/security/oauth/confirm_access?"
    headers, body, status = await core.run(oauth.authorize, uri + urlencode({"oauth_token": token}), user.user_id)
    if status == 302:
        response: Response = RedirectResponse(headers["Location"], 303)
    else:  # "oob": the user copies the verifier into the consumer
        response = HTMLResponse(
            f"<!doctype html><html><body><p>Access allowed. Your verification code:</p>"
            f"<p><code id='oauth_verifier'>{escape(dict(_pairs(body)).get('oauth_verifier', ''))}</code></p>"
            f"</body></html>"
        )
    response.delete_cookie(CSRF_COOKIE, path=request.scope.get("root_path", "") + "/security/oauth/confirm_access")
    return response


def _pairs(body: str | None) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(body or "")


def _routes() -> list[Route]:
    made = [
        Route("/security/oauth/request_token", request_token, methods=["GET", "POST"]),
        Route("/security/oauth/access_token", access_token, methods=["GET", "POST"]),
        Route("/security/oauth/confirm_access", confirm_access_page, methods=["GET"]),
        Route("/security/oauth/confirm_access", confirm_access, methods=["POST"]),
    ]
    for route in made:
        route.methods = (route.methods or set()) - {"HEAD"}
    return made


routes = _routes()
