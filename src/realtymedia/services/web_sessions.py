"""Sessions of the web page: a signed, HttpOnly cookie plus a CSRF token for changes.

The page is a client of the public APIs; both dialects accept this session as an alternative to
their own credentials, and demand the CSRF token (header `X-CSRF-Token`) on every change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

from realtymedia.services import accounts
from realtymedia.services.accounts import Principal
from realtymedia.services.core import Core

COOKIE = "rm_session"
CSRF_HEADER = "X-CSRF-Token"
LIFETIME_SECONDS = 8 * 60 * 60
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _key(core: Core) -> bytes:
    # Derived from the data directory's secret, so every worker on the same data agrees.
    return hashlib.sha256(b"web-session:" + core.settings.resolved_local_secret_key.encode()).digest()


def _sign(core: Core, payload: bytes) -> str:
    mac = hmac.new(_key(core), payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(payload).decode() + "." + base64.urlsafe_b64encode(mac).decode()


def login(core: Core, username: str, password: str) -> tuple[str, str, Principal] | None:
    """Check the password; return (cookie value, CSRF token, principal), or None."""
    principal = accounts.authenticate_password(core, username, password)
    if principal is None:
        return None
    csrf = secrets.token_urlsafe(24)
    payload = json.dumps(
        {"u": principal.user_id, "n": principal.username, "c": csrf, "e": int(time.time()) + LIFETIME_SECONDS}
    ).encode()
    return _sign(core, payload), csrf, principal


def read(core: Core, cookie: str | None) -> tuple[Principal, str] | None:
    """The principal and CSRF token of a valid, unexpired session cookie."""
    if not cookie or "." not in cookie:
        return None
    data, mac = cookie.split(".", 1)
    try:
        payload = base64.urlsafe_b64decode(data.encode())
        given = base64.urlsafe_b64decode(mac.encode())
    except (ValueError, TypeError):
        return None
    if not hmac.compare_digest(hmac.new(_key(core), payload, hashlib.sha256).digest(), given):
        return None
    session = json.loads(payload)
    if session["e"] < time.time():
        return None
    return Principal(int(session["u"]), str(session["n"])), str(session["c"])


def authenticate(core: Core, method: str, cookie: str | None, csrf_header: str | None) -> Principal | None:
    """The session's principal, if the cookie is valid and, for a change, the CSRF token matches."""
    found = read(core, cookie)
    if found is None:
        return None
    principal, csrf = found
    if method.upper() not in SAFE_METHODS and not (csrf_header and hmac.compare_digest(csrf, csrf_header)):
        return None
    return principal
