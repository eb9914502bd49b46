"""Sessions of the web page: an HttpOnly cookie naming a session the server keeps, plus a CSRF
token for changes.

The page is a client of the public APIs; both dialects accept this session as an alternative to
their own credentials, and demand the CSRF token (header `X-CSRF-Token`) on every change. The
cookie carries only a random token; the server keeps its SHA-256 with the user and the CSRF
token, so a session ends for every worker at once: at logout, when the user's password changes,
or when it expires. Each request the page makes looks its session up (one indexed read).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from realtymedia.persistence.access import WebSessions
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services import logins
from realtymedia.services.core import Core, now, on_event_loop
from realtymedia.services.results import NewSession, Principal, Session

COOKIE = "rm_session"
CSRF_HEADER = "X-CSRF-Token"
LIFETIME_SECONDS = 8 * 60 * 60
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# A token is 43 characters (32 random bytes); anything much longer is not one of ours.
_MAX_COOKIE = 100


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(core: Core, username: str, password: str, address: str = "") -> NewSession | None:
    """Check the password (throttled: logins.Throttled); the new session, or None for a wrong
    username or password. Blocking (argon2): run it in core.passwords."""
    principal = logins.check_password(core, username, password, address)
    if principal is None:
        return None
    token, csrf, moment = secrets.token_urlsafe(32), secrets.token_urlsafe(24), now()
    with core.unit_of_work() as uow:
        expires_at = moment + timedelta(seconds=LIFETIME_SECONDS)
        WebSessions(uow).add(_hash(token), principal.user_id, csrf, moment, expires_at)
        uow.commit()
    return NewSession(principal, csrf, token)


def read(core: Core, cookie: str | None) -> Session | None:
    """The cookie's session, if it has not ended (one indexed read)."""
    if not cookie or len(cookie) > _MAX_COOKIE:
        return None
    with core.unit_of_work(write=False) as uow:
        return read_in(uow, cookie)


def read_in(uow: UnitOfWork, cookie: str | None) -> Session | None:
    """`read` in the caller's unit of work: a use case that holds one must not wait for a second
    connection of the same pool (with every connection so held, none would come)."""
    if not cookie or len(cookie) > _MAX_COOKIE:
        return None
    found = WebSessions(uow).find(_hash(cookie), now())
    if found is None:
        return None
    user_id, username, csrf = found
    return Session(Principal(user_id, username), csrf)


@on_event_loop(writes=False)
def authenticate(core: Core, method: str, cookie: str | None, csrf_header: str | None) -> Principal | None:
    """The session's principal, if the session has not ended and, for a change, the CSRF token matches."""
    if not cookie or len(cookie) > _MAX_COOKIE:
        return None
    with core.unit_of_work(write=False) as uow:
        return authenticate_in(uow, method, cookie, csrf_header)


def authenticate_in(uow: UnitOfWork, method: str, cookie: str | None, csrf_header: str | None) -> Principal | None:
    """`authenticate` in the caller's unit of work (see read_in)."""
    found = read_in(uow, cookie)
    if found is None:
        return None
    csrf = found.csrf_token
    if method.upper() not in SAFE_METHODS and not (csrf_header and hmac.compare_digest(csrf, csrf_header)):
        return None
    return found.principal


def logout(core: Core, cookie: str | None, csrf_header: str | None) -> bool:
    """End the cookie's session (for every worker at once); False if there was none to end."""
    if authenticate(core, "POST", cookie, csrf_header) is None:
        return False
    assert cookie is not None
    with core.unit_of_work() as uow:
        WebSessions(uow).end(_hash(cookie))
        uow.commit()
    return True


def end_all(uow: UnitOfWork, user_id: int) -> None:
    """End every session of the user, in the caller's unit of work (a password change)."""
    WebSessions(uow).end_all_of(user_id)


def forget_expired(core: Core) -> None:
    """Drop sessions past their expiry (cleanup): they no longer work anyway."""
    with core.unit_of_work() as uow:
        WebSessions(uow).forget_expired(now())
        uow.commit()
