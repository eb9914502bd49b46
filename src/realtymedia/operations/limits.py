"""Rate limits (the `limits` library): per credential, and per client address for requests that
carry none, with the counts in this process (`memory://`) or in Redis (shared by every worker).

A request is counted before the application runs, from its headers alone: the credential it
names (a bearer token, an OAuth consumer key and token, the web page's session cookie), hashed, or
its client address (as uvicorn's proxy_headers make it: the forwarded one, from trusted proxies).
A credential is counted whether or not it turns out valid: one that is not is refused with a
401 after one indexed lookup. Over any limit the answer is a refusal in the format of the part of
the service the request was for, with Retry-After; each part installs the layer just outside its
body bound (server.bodies), so that the refusal carries the dialect's request reference too.

When the counts cannot be reached (Redis down), requests are let through and a warning is
logged once a minute: a rate limit must not take the service down with it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
from collections.abc import Callable
from typing import cast

from limits import RateLimitItem, parse_many
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from realtymedia.operations import metrics
from realtymedia.operations.observe import RECORD
from realtymedia.server.bodies import BodyLimit
from realtymedia.settings import Settings

log = logging.getLogger(__name__)

# The refusal in the format of the part of the service the request was for (scope, seconds to wait).
Refuse = Callable[[Scope, int], Response]
_OAUTH_PARAMETER = re.compile(rb'(oauth_consumer_key|oauth_token)\s*=\s*"([^"]*)"')
_SESSION_COOKIE = re.compile(rb"(?:^|;)\s*rm_session=([^;]+)")


class Limiter:
    """The limits of one settings object, counted in its storage (one per application)."""

    def __init__(self, settings: Settings) -> None:
        per_credential, per_address = settings.rate_limit_per_credential, settings.rate_limit_per_address
        self.per_credential: list[RateLimitItem] = parse_many(per_credential) if per_credential else []
        self.per_address: list[RateLimitItem] = parse_many(per_address) if per_address else []
        uri = settings.rate_limit_storage
        if uri.startswith(("redis://", "rediss://")):
            # redis-py's asyncio client (limits' default for async Redis is coredis).
            storage = storage_from_string("async+" + uri, implementation="redispy")
        else:
            storage = storage_from_string(uri if uri.startswith("async+") else "async+" + uri)
        self.strategy = SlidingWindowCounterRateLimiter(storage)
        self._warned_at = -math.inf

    @property
    def active(self) -> bool:
        return bool(self.per_credential or self.per_address)

    async def wait_for(self, scope: Scope) -> tuple[str, int] | None:
        """None if the request may go on; else which limit it is over, and the seconds to wait."""
        credential = credential_of(scope)
        if credential is not None:
            kind, key, items = "credential", credential, self.per_credential
        else:
            client = scope.get("client")
            kind, key, items = "address", f"address:{client[0] if client else '-'}", self.per_address
        try:
            for item in items:
                if not await self.strategy.hit(item, "realtymedia", key):
                    stats = await self.strategy.get_window_stats(item, "realtymedia", key)
                    return kind, max(1, math.ceil(stats.reset_time - time.time()))
        except Exception as error:  # the counts are out of reach: let the request through
            now = time.monotonic()
            if now - self._warned_at > 60:
                self._warned_at = now
                log.warning("rate limits not counted: %s: %s", type(error).__name__, error)
        return None


def credential_of(scope: Scope) -> str | None:
    """A key for the credential the request carries (hashed: no secret is kept), or None."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, rest = value.partition(b" ")
            if scheme.lower() == b"oauth":
                found = dict(_OAUTH_PARAMETER.findall(rest))
                value = b"oauth " + found.get(b"oauth_consumer_key", b"") + b" " + found.get(b"oauth_token", b"")
            return "credential:" + hashlib.sha256(value).hexdigest()[:32]
        if name == b"cookie":
            session = _SESSION_COOKIE.search(value)
            if session is not None:
                return "session:" + hashlib.sha256(session.group(1)).hexdigest()[:32]
    return None


class RateLimit:
    """Plain ASGI: counts each request (but those `exempt` says) and refuses those over a limit."""

    def __init__(self, app: ASGIApp, limiter: Limiter, refuse: Refuse, exempt: Callable[[Scope], bool]) -> None:
        self.app, self.limiter, self.refuse, self.exempt = app, limiter, refuse, exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.exempt(scope):
            over = await self.limiter.wait_for(scope)
            if over is not None:
                kind, seconds = over
                record = scope.get(RECORD)
                metrics.RATE_LIMITED.labels(record.dialect if record else "service", kind).inc()
                response = self.refuse(scope, seconds)
                response.headers["Retry-After"] = str(seconds)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(app: Starlette, limiter: Limiter, refuse: Refuse, exempt: Callable[[Scope], bool] | None = None) -> None:
    """Put the rate limits just outside the app's body bound (its BodyLimit layer), so that they
    run before any body is read and inside whatever gives the app's answers their reference."""
    if not limiter.active:
        return
    index = next(i for i, layer in enumerate(app.user_middleware) if cast(object, layer.cls) is BodyLimit)
    app.user_middleware.insert(
        index, Middleware(RateLimit, limiter=limiter, refuse=refuse, exempt=exempt or (lambda _scope: False))
    )
