"""What each dialect asks: who sent one of its requests, from whichever credential it carries.

The dialects read the credentials off the wire (a header, a cookie) and word the refusal in their
own format; which credentials count, and in which order, is decided here.
"""

from __future__ import annotations

from collections.abc import Mapping

from realtymedia.auth import bearer, signatures, web_sessions
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services.core import Core
from realtymedia.services.results import Principal


def is24(
    core: Core, uow: UnitOfWork, uri: str, method: str, headers: Mapping[str, str], session_cookie: str | None
) -> Principal | None:
    """An IS24 request's caller: its OAuth 1.0a signature (the nonce recorded in `uow`), or, when it
    has no Authorization header at all, the web page's session (with the CSRF token on a change)."""
    principal = signatures.verify(core, uow, uri, method, headers)
    if principal is None and not any(name.lower() == "authorization" for name in headers):
        csrf = next((v for k, v in headers.items() if k.lower() == web_sessions.CSRF_HEADER.lower()), None)
        principal = web_sessions.authenticate_in(uow, method, session_cookie, csrf)
    return principal


async def realty_image(
    core: Core, method: str, bearer_token: str | None, session_cookie: str | None, csrf: str | None
) -> Principal | None:
    """A Realty Image request's caller: its bearer token when it sends one (a token this worker
    remembers costs no hand-off), else the web page's session (with the CSRF token on a change)."""
    if bearer_token is not None:
        return bearer.known_bearer(core, bearer_token) or await core.run(bearer.authenticate_bearer, bearer_token)
    principal: Principal | None = await core.run(web_sessions.authenticate, method, session_cookie, csrf)
    return principal
