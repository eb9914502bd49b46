"""Signed IS24 requests (OAuth 1.0a, HMAC-SHA1): who signed one, its nonce spent.

`verify` checks a request on oauthlib's own signature primitives (`oauthlib.oauth1.rfc5849
.signature`: parameter collection, normalisation, base string URI, HMAC-SHA1 verification) and
asks the same `Validator` the same questions in the same order as oauthlib's endpoints do, without
building oauthlib's request object and collecting the parameters three times over. What it accepts
and refuses, and which nonces it records, is oauthlib's: `verify_by_endpoint`, the same check
through oauthlib's `ResourceEndpoint` / `SignatureOnlyEndpoint`, stays for the property test that
holds the two to it (tests/property/test_oauth_signatures.py), and RFC 5849's own example passes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from oauthlib.oauth1 import ResourceEndpoint, SignatureOnlyEndpoint
from oauthlib.oauth1.rfc5849 import signature
from oauthlib.oauth1.rfc5849.utils import filter_oauth_params

from realtymedia.auth.oauth1 import ACCESS, Validator
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services.core import Core
from realtymedia.services.results import Principal

_HEADER_PARAM = re.compile(r'\s*([^\s=,]+)\s*=\s*(?:"([^"]*)"|([^\s,]*))\s*(?:,|$)')


def header_params(authorization: str) -> dict[str, str]:
    """The parameters of an `OAuth ...` header, read only to fetch what the checks will ask about
    (consumer, token, nonce) in one go. The checks parse the header themselves (oauthlib's parser)
    for everything they decide: a header read differently here only costs a lookup more. (urllib's
    parse_http_list, which oauthlib uses, walks the header a character at a time.)"""
    return {m[1]: m[2] if m[2] is not None else m[3] for m in _HEADER_PARAM.finditer(authorization, len("OAuth "))}


def _authorization(headers: Mapping[str, str]) -> str:
    return next((v for k, v in headers.items() if k.lower() == "authorization"), "")


def is_signed(headers: Mapping[str, str]) -> bool:
    return _authorization(headers).lower().startswith("oauth ")


def _prefetched(core: Core, uow: UnitOfWork, headers: Mapping[str, str]) -> tuple[Validator, str | None]:
    """A validator with the request's consumer, token and nonce asked in one go; and the token named."""
    validator = Validator(core, uow)
    params = header_params(_authorization(headers))
    token, client_key = params.get("oauth_token"), params.get("oauth_consumer_key")
    if client_key and validator.check_client_key(client_key) and (not token or validator.check_access_token(token)):
        validator.prefetch(client_key, token, params.get("oauth_nonce"), params.get("oauth_timestamp"))
    return validator, token


def _principal(validator: Validator, token: str | None, client_key: str, owner_key: str | None) -> Principal | None:
    """The user a verified request acts for: its access token's (3-legged), or its consumer's."""
    if token:
        found = validator.token(owner_key or "", ACCESS, client_key)
        user_id, username = (found.user_id, found.username) if found else (None, None)
    else:
        consumer = validator.consumer(client_key)
        user_id, username = (consumer.user_id, consumer.username) if consumer else (None, None)
    return Principal(user_id, username) if user_id is not None and username is not None else None


def verify(core: Core, uow: UnitOfWork, uri: str, method: str, headers: Mapping[str, str]) -> Principal | None:
    """The principal of a signed request, or None when it is unsigned, badly signed, stale or
    replayed. Its nonce is recorded in `uow` (the caller commits it, whatever the answer)."""
    if not is_signed(headers):
        return None
    validator, token = _prefetched(core, uow, headers)
    try:
        checked = _check(validator, uri, method, headers, resource=bool(token))
    except ValueError:  # an unreadable header, query or URL: as oauthlib, refused
        return None
    return None if checked is None else _principal(validator, token, *checked)


class _Signed:
    """What oauthlib's `verify_hmac_sha1` reads of a request."""

    __slots__ = ("http_method", "params", "signature", "uri")

    def __init__(self, uri: str, http_method: str, params: list[tuple[str, str]], given: str) -> None:
        self.uri, self.http_method, self.params, self.signature = uri, http_method, params, given


def collect(uri: str, headers: Mapping[str, str]) -> tuple[dict[str, str], list[tuple[str, str]]] | None:
    """The protocol parameters and the signed parameters of a request, as oauthlib's
    `_create_request` collects them; None where it refuses (protocol parameters in more than one
    place, none, or one twice). ValueError for a header, query or URL it cannot read."""
    # oauthlib reads the headers as a case-insensitive dict of `dict(headers)`: the last one named so.
    authorization: str | None = None
    for name, value in dict(headers).items():
        if name.lower() == "authorization":
            authorization = value
    query = signature.collect_parameters(uri_query=urlparse(uri).query, exclude_oauth_signature=False)
    in_header = (
        signature.collect_parameters(
            headers={"authorization": authorization}, exclude_oauth_signature=False, with_realm=True
        )
        if authorization is not None
        else []
    )
    header_oauth, query_oauth = filter_oauth_params(in_header), filter_oauth_params(query)
    if header_oauth and query_oauth:
        return None
    oauth_params: list[tuple[str, str]] = header_oauth or query_oauth
    if not oauth_params or len(dict(oauth_params)) != len(oauth_params):
        return None
    params = [(k, v) for k, v in in_header + query if k != "oauth_signature"]
    if "realm" in (authorization or ""):
        params = [(k, v) for k, v in params if k != "realm"]
    return dict(oauth_params), params


def signature_holds(
    uri: str, method: str, params: list[tuple[str, str]], given: str, client_secret: str, owner_secret: str | None
) -> bool:
    """oauthlib's HMAC-SHA1 verification: normalised parameters, base string URI, base string, and
    a constant-time comparison with the signature given."""
    return bool(signature.verify_hmac_sha1(_Signed(uri, method, params, given), client_secret, owner_secret))


def _check(
    validator: Validator, uri: str, method: str, headers: Mapping[str, str], resource: bool
) -> tuple[str, str | None] | None:
    """(consumer key, token) of a request whose signature, timestamp and nonce hold, else None.

    Step by step what oauthlib's `_create_request`, `_check_mandatory_parameters` and then
    `ResourceEndpoint.validate_protected_resource_request` (`resource`: the header names a token)
    or `SignatureOnlyEndpoint.validate_request` do for us (no body: the IS24 dialect signs none, and
    an unsigned request's Content-Type is no form). ValueError where oauthlib raises it."""
    collected = collect(uri, headers)
    if collected is None:
        return None
    protocol, params = collected
    given, client_key = protocol.get("oauth_signature"), protocol.get("oauth_consumer_key")
    owner_key, nonce = protocol.get("oauth_token"), protocol.get("oauth_nonce")
    timestamp, method_name = protocol.get("oauth_timestamp"), protocol.get("oauth_signature_method")
    # The mandatory parameters and their form.
    if not (given and client_key and nonce and timestamp and method_name):
        return None
    if method_name not in validator.allowed_signature_methods:
        return None
    if protocol.get("oauth_version", "1.0") != "1.0":
        return None
    if len(timestamp) != 10:
        return None
    try:
        moment = int(timestamp)
    except ValueError:
        return None
    if abs(time.time() - moment) > validator.timestamp_lifetime:
        return None
    if not validator.check_client_key(client_key) or not validator.check_nonce(nonce):
        return None
    request: Any = None  # our validator never reads oauthlib's request object on these questions
    if resource:
        if not owner_key or not validator.check_access_token(owner_key):
            return None
        if not validator.validate_timestamp_and_nonce(client_key, timestamp, nonce, request, access_token=owner_key):
            return None
    elif not validator.validate_timestamp_and_nonce(client_key, timestamp, nonce, request):
        return None
    # From here on every request is signed and compared, known or not (dummy secrets), as oauthlib does.
    valid = validator.validate_client_key(client_key, request)
    if not valid:
        client_key = validator.dummy_client
    if resource:
        assert owner_key is not None
        if not validator.validate_access_token(client_key, owner_key, request):
            valid, owner_key = False, validator.dummy_access_token
        valid = validator.validate_realms(client_key, owner_key, request, uri=uri, realms=[]) and valid
    client_secret = validator.get_client_secret(client_key, request)
    owner_secret = validator.get_access_token_secret(client_key, owner_key, request) if owner_key else None
    if not signature_holds(uri, method, params, given, client_secret, owner_secret):
        return None
    return (client_key, owner_key) if valid else None


def verify_by_endpoint(
    core: Core, uow: UnitOfWork, uri: str, method: str, headers: Mapping[str, str]
) -> Principal | None:
    """`verify` through oauthlib's full endpoints: the reference the property test compares
    `verify` with (and the way back, should oauthlib's endpoints ever check more)."""
    if not is_signed(headers):
        return None
    validator, token = _prefetched(core, uow, headers)
    try:
        if token:
            valid, request = ResourceEndpoint(validator).validate_protected_resource_request(
                uri, method, "", dict(headers), realms=[]
            )
        else:
            valid, request = SignatureOnlyEndpoint(validator).validate_request(uri, method, "", dict(headers))
    except ValueError:  # oauthlib cannot read the header (`OAuth garbage`): as unsigned
        return None
    if not valid:
        return None
    return _principal(validator, token, request.client_key, request.resource_owner_key)


def authenticate(core: Core, uri: str, method: str, headers: Mapping[str, str]) -> Principal | None:
    """`verify` in a unit of work of its own: the nonce is spent, whatever the answer."""
    with core.unit_of_work() as uow:
        principal = verify(core, uow, uri, method, headers)
        uow.commit()
    return principal


def spend_nonce(core: Core, headers: Mapping[str, str]) -> None:
    """Record the nonce of a signed request in a unit of work of its own (when the request's own
    was rolled back: a refused request stays unrepeatable)."""
    if not is_signed(headers):
        return
    with core.unit_of_work() as uow:
        _prefetched(core, uow, headers)
        uow.commit()
