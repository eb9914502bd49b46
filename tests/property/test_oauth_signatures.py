"""auth.signatures.verify (oauthlib's signature primitives) accepts and refuses exactly the requests
that oauthlib's own endpoints do (verify_by_endpoint), and records the same nonces.

Each example is a short history of signed requests (some replayed, some re-signed with a nonce used
before) sent through both paths, each against a world of its own that starts alike: an owner with
a consumer and an access token, another consumer with its own token, and a request token. The
requests vary what a verifier must decide on: the signature (right or wrong secrets, a changed
parameter), the timestamp (inside or outside the window, not a number, not ten digits), the nonce
(replayed, odd characters), where the protocol parameters are (header, query, body, both), their
encodings (percent-escapes, non-ASCII text, realms, unknown or repeated protocol parameters, the
oauth_version), and headers no parser reads as meant.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from oauthlib.oauth1 import (
    SIGNATURE_HMAC_SHA1,
    SIGNATURE_HMAC_SHA256,
    SIGNATURE_PLAINTEXT,
    SIGNATURE_TYPE_AUTH_HEADER,
    SIGNATURE_TYPE_BODY,
    SIGNATURE_TYPE_QUERY,
    Client,
)
from oauthlib.oauth1.rfc5849 import signature as rfc5849

from realtymedia.auth import signatures
from realtymedia.persistence.accounts import ConsumerCredentials, TokenCredentials
from realtymedia.services.core import Memo

TOLERANCE = 300
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
CONSUMERS = {
    "ck-owner": ConsumerCredentials("ck-owner", "consumer-secret", 1, "owner", "owner's consumer"),
    "ck-other": ConsumerCredentials("ck-other", "other-secret", 2, "other", "other's consumer"),
}
TOKENS = {
    "tk-owner": TokenCredentials("tk-owner", "token-secret", "access", "ck-owner", 1, "owner", None, None, CREATED),
    "tk-other": TokenCredentials(
        "tk-other", "other-token-secret", "access", "ck-other", 2, "other", None, None, CREATED
    ),
    "tk-request": TokenCredentials(
        "tk-request", "request-secret", "request", "ck-owner", None, None, "oob", None, CREATED
    ),
}
SECRETS = {**{k: c.secret for k, c in CONSUMERS.items()}, **{k: t.secret for k, t in TOKENS.items()}}


@dataclass
class _Records:
    """The oauth records of uow.oauth that the checks read and write, in memory."""

    nonces: set[tuple[str, str, int, str]] = field(default_factory=set)

    def credentials(self, consumer_key: str, token: str | None) -> tuple[Any, Any]:
        consumer = CONSUMERS.get(consumer_key)
        if consumer is None:
            return None, None
        found = TOKENS.get(token or "")
        return consumer, (found if found is not None and found.consumer_key == consumer_key else None)

    def token(self, token: str) -> TokenCredentials | None:
        return TOKENS.get(token)

    def remember_nonce(self, consumer_key: str, nonce: str, timestamp: int, token: str, moment: datetime) -> bool:
        key = (consumer_key, nonce, timestamp, token)
        new = key not in self.nonces
        self.nonces.add(key)
        return new


@dataclass
class _Settings:
    oauth_timestamp_tolerance_seconds: int = TOLERANCE


@dataclass
class _World:
    """What the checks see of a Core and its unit of work: settings, the worker's memo, the records."""

    settings: _Settings = field(default_factory=_Settings)
    oauth_credentials: Memo = field(default_factory=lambda: Memo(4096, 30))
    oauth: _Records = field(default_factory=_Records)


URL = "http://api.example.test/restapi/api/offer/v1.0/user/me/realestate/7/attachment"
texts = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=12)
keys = st.sampled_from(["ck-owner", "ck-other", "ck-unknown", "ck owner", ""])
tokens = st.sampled_from([None, "tk-owner", "tk-other", "tk-request", "tk-unknown", ""])


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    """One request as a client signs it, then perhaps changed on the way. Half of them are honest
    (known credentials, the right secrets, in time, in the header, unchanged), so that acceptance is
    compared as often as refusal; the rest vary everything."""
    honest = draw(st.booleans())

    def pick(good: Any, options: st.SearchStrategy[Any]) -> Any:
        return good if honest else draw(options)

    key, token = pick("ck-owner", keys), pick(draw(st.sampled_from([None, "tk-owner"])), tokens)
    wrong_secret = pick(None, st.sampled_from([None] * 8 + ["consumer", "token"]))
    client_secret = SECRETS.get(key, "whatever") if wrong_secret != "consumer" else "not-the-secret"
    token_secret = SECRETS.get(token or "", "whatever") if wrong_secret != "token" else "not-the-secret"
    offset = pick(0, st.sampled_from([0, -5, 60, -TOLERANCE + 30, TOLERANCE - 30, TOLERANCE + 30, -TOLERANCE - 30]))
    timestamp = pick(
        str(int(time.time())),
        st.sampled_from([str(int(time.time()) + offset)] * 8 + ["137131202", "abcdefghij", " 176400000", "+176400000"]),
    )
    nonce = draw(st.sampled_from(["n-1", "n-2", "n-3"]) | st.uuids().map(str) | st.uuids().map(str) | texts)
    placement = pick(
        SIGNATURE_TYPE_AUTH_HEADER,
        st.sampled_from([SIGNATURE_TYPE_AUTH_HEADER] * 2 + [SIGNATURE_TYPE_QUERY, SIGNATURE_TYPE_BODY]),
    )
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE"]))
    query = draw(st.lists(st.tuples(texts, texts), max_size=3))
    url = URL + ("?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query) if query else "")
    client = Client(
        key,
        client_secret=client_secret,
        resource_owner_key=token or None,
        resource_owner_secret=token_secret,
        signature_method=pick(
            SIGNATURE_HMAC_SHA1,
            st.sampled_from([SIGNATURE_HMAC_SHA1] * 4 + [SIGNATURE_HMAC_SHA256, SIGNATURE_PLAINTEXT]),
        ),
        signature_type=placement,
        realm=draw(st.none() | st.sampled_from(["", "IS24", "a realm"])),
        timestamp=timestamp,
        nonce=nonce or "x",
    )
    body = "a=1&b=%C3%A4" if placement == SIGNATURE_TYPE_BODY or pick(False, st.booleans()) else None
    form = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    try:
        signed_url, headers, _ = client.sign(url, method if body is None else "POST", body=body, headers=form)
    except ValueError:  # oauthlib's client refuses to sign this (a GET with a body, say)
        signed_url, headers = url, {}
    headers = dict(headers)
    if placement != SIGNATURE_TYPE_AUTH_HEADER:  # an `OAuth` header without protocol parameters
        headers["Authorization"] = 'OAuth realm="IS24"'
    change = pick(
        draw(st.sampled_from([None, "version 1.0", "lower name"])),
        st.sampled_from(
            [None] * 4
            + ["signature", "query", "duplicate", "both places", "version 2.0", "version 1.0", "lower name", "mutate"]
        ),
    )
    authorization = headers.get("Authorization", "")
    if change == "signature":
        headers["Authorization"] = authorization.replace('oauth_signature="', 'oauth_signature="A', 1)
    elif change == "query":
        signed_url += ("&" if "?" in signed_url else "?") + "extra=1"
    elif change == "duplicate":
        headers["Authorization"] = authorization + ', oauth_nonce="again"'
    elif change == "both places":
        signed_url += ("&" if "?" in signed_url else "?") + "oauth_nonce=n-9"
    elif change in ("version 2.0", "version 1.0"):
        headers["Authorization"] = authorization + f', oauth_version="{change[-3:]}"'
    elif change == "lower name":
        headers = {k.lower(): v for k, v in headers.items()}
    elif change == "mutate":
        at = draw(st.integers(0, max(0, len(authorization))))
        headers["Authorization"] = (
            authorization[:at] + draw(st.sampled_from(['"', ",", "=", " ", "%", "é", "%2"])) + authorization[at + 1 :]
        )
    return {"uri": signed_url, "method": method if body is None else "POST", "headers": headers}


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    made = draw(st.lists(requests(), min_size=1, max_size=3))
    # Replays: some requests again, exactly as sent before.
    again = draw(st.lists(st.sampled_from(made), max_size=2))
    return draw(st.permutations(made + again))


def _run(verify: Any, history: list[dict[str, Any]]) -> tuple[list[Any], set[Any]]:
    world = _World()
    answers = [verify(world, world, r["uri"], r["method"], r["headers"]) for r in history]
    return answers, world.oauth.nonces


@settings(max_examples=600, deadline=None)
@given(histories())
def test_verify_accepts_and_refuses_as_oauthlibs_endpoints(history: list[dict[str, Any]]) -> None:
    fast, full = _run(signatures.verify, history), _run(signatures.verify_by_endpoint, history)
    assert fast == full
    event(f"{sum(a is not None for a in fast[0])} of {len(history)} accepted")


def _valid(key: str = "ck-owner", token: str | None = "tk-owner", **more: Any) -> dict[str, Any]:  # noqa: S107
    client = Client(
        key,
        client_secret=SECRETS[key],
        resource_owner_key=token,
        resource_owner_secret=SECRETS.get(token or ""),
        **more,
    )
    uri, headers, _ = client.sign(URL + "?q=%C3%A4+b", "GET")
    return {"uri": uri, "method": "GET", "headers": dict(headers)}


@pytest.mark.parametrize("verify", [signatures.verify, signatures.verify_by_endpoint])
def test_the_comparison_sees_acceptance_and_replay(verify: Any) -> None:
    """The property is not won by both refusing everything: a good request is accepted by both,
    its replay refused, 2-legged acts for the consumer's owner."""
    three, two = _valid(), _valid(token=None)
    answers, nonces = _run(verify, [three, three, two])
    assert [a and a.username for a in answers] == ["owner", None, "owner"]
    assert len(nonces) == 2


# RFC 5849 section 1.2: the client's request for the photo, signed with HMAC-SHA1.
RFC_URI = "http://photos.example.net/photos?file=vacation.jpg&size=original"
RFC_HEADER = (
    'OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", '
    'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", '
    'oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"'
)


def test_rfc5849_section_1_2_signature() -> None:
    collected = signatures.collect(RFC_URI, {"Authorization": RFC_HEADER})
    assert collected is not None
    protocol, params = collected
    assert protocol["oauth_signature"] == "MdpQcU8iPSUjWoN/UDMsK2sui9I="
    holds = [
        signatures.signature_holds(RFC_URI, "GET", params, protocol["oauth_signature"], c, t)
        for c, t in [("kd94hf93k423kf44", "pfkkdhi9sl3r4s00"), ("kd94hf93k423kf45", "pfkkdhi9sl3r4s00")]
    ]
    assert holds == [True, False]
    # Its nine-digit timestamp (1974) is outside any window: both paths refuse the request itself.
    for verify in (signatures.verify, signatures.verify_by_endpoint):
        assert _run(verify, [{"uri": RFC_URI, "method": "GET", "headers": {"Authorization": RFC_HEADER}}])[0] == [None]


def test_rfc5849_section_3_4_1_base_string() -> None:
    """The signature base string of section 3.4.1.1, from the parameters as `collect` gathers them
    (the example's form body `c2&a3=2+q` sent in the query: the base string is the same)."""
    uri = "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b&c2&a3=2+q"
    header = (
        'OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", '
        'oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", '
        'oauth_signature="djosJKDKJSD8743243%2Fjdk33klY%3D"'
    )
    collected = signatures.collect(uri, {"Authorization": header})
    assert collected is not None
    base = rfc5849.signature_base_string(
        "POST", rfc5849.base_string_uri(uri), rfc5849.normalize_parameters(collected[1])
    )
    assert base == (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540"
        "%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHM"
        "AC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
    )
