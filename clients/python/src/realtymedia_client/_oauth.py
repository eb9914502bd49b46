"""OAuth 1.0a request signing (RFC 5849, HMAC-SHA1, the Authorization header), for the IS24 client.

Signing is written here instead of taken from oauthlib so that the SDK depends on httpx alone;
tests/client/test_oauth_signature.py checks it against oauthlib's signer, and the client tests
against the service, which verifies with oauthlib.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit


def _escape(value: str) -> str:
    # RFC 5849 3.6: only the unreserved characters stay as they are.
    return quote(value, safe="~")


def base_string(method: str, url: str, oauth_params: dict[str, str]) -> str:
    """RFC 5849 3.4.1: method, base URI and the normalised parameters (the query's and oauth_*)."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    base_uri = urlunsplit((scheme, netloc, parts.path or "/", "", ""))
    params = parse_qsl(parts.query, keep_blank_values=True) + list(oauth_params.items())
    normalised = "&".join(f"{k}={v}" for k, v in sorted((_escape(k), _escape(v)) for k, v in params))
    return "&".join(_escape(part) for part in (method.upper(), base_uri, normalised))


def authorization(
    method: str,
    url: str,
    consumer_key: str,
    consumer_secret: str,
    token: str,
    token_secret: str,
    *,
    nonce: str | None = None,
    timestamp: str | None = None,
) -> str:
    """The value of the Authorization header that signs this request (its body is not signed:
    RFC 5849 signs only form-encoded bodies, and the client sends XML or JSON)."""
    oauth_params = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(12),
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": timestamp or str(int(time.time())),
        "oauth_token": token,
        "oauth_version": "1.0",
    }
    key = f"{_escape(consumer_secret)}&{_escape(token_secret)}".encode()
    digest = hmac.new(key, base_string(method, url, oauth_params).encode(), hashlib.sha1).digest()
    oauth_params["oauth_signature"] = base64.b64encode(digest).decode()
    return "OAuth " + ", ".join(f'{k}="{_escape(v)}"' for k, v in oauth_params.items())
