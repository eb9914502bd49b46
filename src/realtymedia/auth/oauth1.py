"""OAuth 1.0a (HMAC-SHA1) for the IS24 dialect: the token lifecycle, and the validator that answers
oauthlib's questions (the checks of signed requests are auth.signatures').

3-legged: request token -> the user logs in and allows the consumer on the confirm_access page
(which sets the verifier) -> access token. 2-legged: consumer key and secret alone, acting for the
user who owns the consumer. Nonces are remembered per consumer, timestamp and token: a repeat
within the timestamp window is a replay; an older timestamp is refused by oauthlib itself.

oauthlib checks the signatures and drives the steps; `Validator` answers its questions from one
unit of work, the caller's (a signed IS24 request: auth.signatures) or one opened here for a
token step, committed once when oauthlib is done.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from oauthlib.oauth1 import (
    AccessTokenEndpoint,
    AuthorizationEndpoint,
    RequestTokenEndpoint,
    RequestValidator,
)
from oauthlib.oauth1.rfc5849.errors import InvalidRequestError
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header

from realtymedia.persistence.accounts import ConsumerCredentials, TokenCredentials
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services.core import Core, now

REQUEST, ACCESS = "request", "access"
# A consumer and, for 3-legged requests, its access token, as a worker remembers them.
Credentials = tuple[ConsumerCredentials, TokenCredentials | None]
# A request token must be authorised and exchanged within this time.
REQUEST_TOKEN_LIFETIME = timedelta(minutes=15)
_DUMMY = "dummy-credential-0000000000"
# What oauthlib's endpoints answer: (headers, body, status).
TokenResponse = tuple[dict[str, str], str | None, int]


def _plausible(value: str, longest: int) -> bool:
    return 0 < len(value) <= longest and value.isprintable()


class Validator(RequestValidator):  # type: ignore[misc]
    """oauthlib's questions, answered from the unit of work's oauth records.

    One instance per request: `authorizing_user` is the user who allowed access on confirm_access.
    """

    def __init__(self, core: Core, uow: UnitOfWork, authorizing_user: int | None = None) -> None:
        super().__init__()
        self.core = core
        self.uow = uow
        self.authorizing_user = authorizing_user
        # oauthlib asks several questions about the same consumer and token: asked once per request.
        self._consumers: dict[str, ConsumerCredentials | None] = {}
        self._tokens: dict[str, TokenCredentials | None] = {}
        # (consumer key, timestamp, nonce, token) -> whether it was new, when recorded by prefetch.
        self._nonces: dict[tuple[str, str, str, str], bool] = {}

    # -- policy -----------------------------------------------------------------------------

    @property
    def allowed_signature_methods(self) -> tuple[str, ...]:
        return ("HMAC-SHA1",)

    @property
    def enforce_ssl(self) -> bool:
        # TLS ends at the proxy in front of the service; the URL we see may well be http.
        return False

    @property
    def timestamp_lifetime(self) -> int:
        return self.core.settings.oauth_timestamp_tolerance_seconds

    def check_client_key(self, client_key: str) -> bool:
        return _plausible(client_key, 100)

    def check_request_token(self, request_token: str) -> bool:
        return _plausible(request_token, 100)

    def check_access_token(self, request_token: str) -> bool:
        return _plausible(request_token, 100)

    def check_nonce(self, nonce: str) -> bool:
        return _plausible(nonce, 200)

    def check_verifier(self, verifier: str) -> bool:
        return _plausible(verifier, 100)

    @property
    def dummy_client(self) -> str:
        return _DUMMY

    @property
    def dummy_request_token(self) -> str:
        return _DUMMY

    @property
    def dummy_access_token(self) -> str:
        return _DUMMY

    # -- lookups ----------------------------------------------------------------------------

    def prefetch(self, client_key: str, token: str | None, nonce: str | None, timestamp: str | None) -> None:
        """Before oauthlib asks: the consumer and token of a signed request and their users (one
        query), and the nonce recorded if the consumer exists.

        oauthlib would record the nonce itself a moment later, before it checks anything else that
        needs the database, so the answer is the same: a replay is refused by the same atomic
        insert. Its own checks (timestamp window, signature) still follow.
        """
        remembered: Credentials | None = self.core.oauth_credentials.get((client_key, token or ""))
        consumer, found = remembered or self.uow.oauth.credentials(client_key, token)
        if consumer is not None and nonce and timestamp and self.check_nonce(nonce) and self._timely(timestamp):
            new = self.uow.oauth.remember_nonce(client_key, nonce, int(timestamp), token or "", now())
            self._nonces[(client_key, timestamp, nonce, token or "")] = new
        self._consumers[client_key] = consumer
        if consumer is not None and token:
            self._tokens[token] = found
        if remembered is None and consumer is not None and (not token or (found is not None and found.kind == ACCESS)):
            # A consumer and its access token change only by being created (request tokens change
            # on the way to an access token, and are never remembered). Only found ones are.
            self.core.oauth_credentials.put((client_key, token or ""), (consumer, found))

    def _timely(self, timestamp: str) -> bool:
        """An ASCII number within the accepted window: only then is a nonce worth recording (oauthlib
        refuses anything else itself, and a nonce row must not be written for it)."""
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 10):
            return False
        return abs(time.time() - int(timestamp)) <= self.timestamp_lifetime

    def consumer(self, client_key: str) -> ConsumerCredentials | None:
        if client_key not in self._consumers:
            self._consumers[client_key] = self.uow.oauth.credentials(client_key, None)[0]
        return self._consumers[client_key]

    def token(self, token: str, kind: str, client_key: str | None = None) -> TokenCredentials | None:
        if token not in self._tokens:
            self._tokens[token] = self.uow.oauth.token(token)
        found = self._tokens[token]
        if found is None or found.kind != kind or (client_key is not None and found.consumer_key != client_key):
            return None
        if kind == REQUEST and now() - found.created_at > REQUEST_TOKEN_LIFETIME:
            return None
        return found

    def get_client_secret(self, client_key: str, request: Any) -> str:
        consumer = self.consumer(client_key)
        return consumer.secret if consumer else _DUMMY

    def get_request_token_secret(self, client_key: str, token: str, request: Any) -> str:
        found = self.token(token, REQUEST, client_key)
        return found.secret if found else _DUMMY

    def get_access_token_secret(self, client_key: str, token: str, request: Any) -> str:
        found = self.token(token, ACCESS, client_key)
        return found.secret if found else _DUMMY

    def validate_client_key(self, client_key: str, request: Any) -> bool:
        return self.consumer(client_key) is not None

    def validate_request_token(self, client_key: str, token: str, request: Any) -> bool:
        return self.token(token, REQUEST, client_key) is not None

    def validate_access_token(self, client_key: str, token: str, request: Any) -> bool:
        found = self.token(token, ACCESS, client_key)
        return found is not None and found.user_id is not None

    def validate_timestamp_and_nonce(
        self,
        client_key: str,
        timestamp: str,
        nonce: str,
        request: Any,
        request_token: str | None = None,
        access_token: str | None = None,
    ) -> bool:
        # oauthlib asks this before it checks the consumer or the signature: an unknown consumer
        # must not get to write (it will be refused next), or anyone could fill the table.
        if self.consumer(client_key) is None:
            return True
        recorded = self._nonces.pop((client_key, timestamp, nonce, request_token or access_token or ""), None)
        if recorded is not None:
            return recorded
        return self.uow.oauth.remember_nonce(
            client_key, nonce, int(timestamp), request_token or access_token or "", now()
        )

    def validate_redirect_uri(self, client_key: str, redirect_uri: str, request: Any) -> bool:
        return redirect_uri == "oob" or redirect_uri.startswith(("https://", "http://"))

    def validate_requested_realms(self, client_key: str, realms: list[str], request: Any) -> bool:
        return True

    def validate_realms(self, client_key: str, token: str, request: Any, uri: Any = None, realms: Any = None) -> bool:
        return True

    def verify_realms(self, token: str, realms: list[str], request: Any) -> bool:
        return True

    def get_default_realms(self, client_key: str, request: Any) -> list[str]:
        return []

    def get_realms(self, token: str, request: Any) -> list[str]:
        return []

    def validate_verifier(self, client_key: str, token: str, verifier: str, request: Any) -> bool:
        found = self.token(token, REQUEST, client_key)
        if found is None or found.verifier is None or found.user_id is None:
            return False
        return hmac.compare_digest(found.verifier, verifier)

    def verify_request_token(self, token: str, request: Any) -> bool:
        return self.token(token, REQUEST) is not None

    def get_redirect_uri(self, token: str, request: Any) -> str:
        found = self.token(token, REQUEST)
        return (found.callback if found else None) or "oob"

    # -- changes ----------------------------------------------------------------------------

    def save_request_token(self, token: Mapping[str, str], request: Any) -> None:
        self.uow.oauth.add_token(
            token["oauth_token"],
            token["oauth_token_secret"],
            REQUEST,
            request.client_key,
            now(),
            callback=request.redirect_uri,
        )

    def save_verifier(self, token: str, verifier: Mapping[str, str], request: Any) -> None:
        if self.authorizing_user is None or not self.uow.oauth.authorise_request_token(
            token, verifier["oauth_verifier"], self.authorizing_user
        ):
            raise ValueError("no request token to authorise")

    def save_access_token(self, token: Mapping[str, str], request: Any) -> None:
        request_token = self.uow.oauth.token(request.resource_owner_key)
        if request_token is None or request_token.user_id is None:
            raise InvalidRequestError(description="the request token was not authorised")
        # Spend the request token in the same transaction: of two exchanges racing with the same
        # verifier, only the one whose delete took the row gets an access token.
        if not self.uow.oauth.spend_request_token(request.resource_owner_key):
            raise InvalidRequestError(description="the request token has already been exchanged")
        self.uow.oauth.add_token(
            token["oauth_token"],
            token["oauth_token_secret"],
            ACCESS,
            request.client_key,
            now(),
            user_id=request_token.user_id,
        )

    def invalidate_request_token(self, client_key: str, request_token: str, request: Any) -> None:
        self.uow.oauth.spend_request_token(request_token)


# -- the token steps ------------------------------------------------------------------------


def request_token(core: Core, uri: str, method: str, body: str, headers: Mapping[str, str]) -> TokenResponse:
    if _unreadable(headers):
        return _MALFORMED_HEADER
    with core.unit_of_work() as uow:
        endpoint = RequestTokenEndpoint(Validator(core, uow))
        answer: TokenResponse = endpoint.create_request_token_response(uri, method, body, dict(headers))
        uow.commit()
    return answer


def access_token(core: Core, uri: str, method: str, body: str, headers: Mapping[str, str]) -> TokenResponse:
    if _unreadable(headers):
        return _MALFORMED_HEADER
    with core.unit_of_work() as uow:
        endpoint = AccessTokenEndpoint(Validator(core, uow))
        answer: TokenResponse = endpoint.create_access_token_response(uri, method, body, dict(headers))
        uow.commit()
    return answer


# oauthlib's own form of a refusal, for an Authorization header it would raise ValueError on.
_MALFORMED_HEADER: TokenResponse = (
    {"Content-Type": "application/x-www-form-urlencoded"},
    urlencode({"error": "invalid_request", "error_description": "The Authorization header is not OAuth 1.0a."}),
    400,
)


def _unreadable(headers: Mapping[str, str]) -> bool:
    """An Authorization header that oauthlib cannot read: another scheme (Bearer, Basic), or `OAuth`
    with no parameters or with text that is none (`OAuth garbage`)."""
    authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
    if authorization is None:
        return False
    try:
        parse_authorization_header(authorization)
    except ValueError:
        return True
    return False


def request_token_consumer(core: Core, token: str) -> str | None:
    """The name of the consumer that asks for access with this request token, if the token is usable."""
    with core.unit_of_work(write=False) as uow:
        validator = Validator(core, uow)
        found = validator.token(token, REQUEST)
        if found is None or found.verifier is not None:
            return None
        consumer = validator.consumer(found.consumer_key)
        return consumer.name if consumer else None


def authorize(core: Core, uri: str, user_id: int) -> TokenResponse:
    """The user allowed access: set the verifier; (headers, body, status) redirect to the callback, or show it."""
    with core.unit_of_work() as uow:
        endpoint = AuthorizationEndpoint(Validator(core, uow, authorizing_user=user_id))
        answer: TokenResponse = endpoint.create_authorization_response(uri, "GET", None, {}, realms=[], credentials={})
        uow.commit()
    return answer
