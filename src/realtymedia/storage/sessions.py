"""Temporary credentials of the local backend, issued and verified as AWS STS's are.

The vendors sign their forms with temporary credentials, so every form carries an
X-Amz-Security-Token, and forms written from their documents send one. The local backend does the
same: from its long-lived key it derives, per window of time, an access key id, a secret and a
session token that names the key and its expiry under an HMAC. The POST endpoint needs no state to
verify one: it checks the token's MAC and expiry, and derives the secret again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from botocore.credentials import ReadOnlyCredentials

from realtymedia.storage.post_policy import S3Error

WINDOW_SECONDS = 3600  # a new set of credentials each hour
_PREFIX = "RMST1"


@dataclass(frozen=True)
class TemporaryCredentials:
    access_key: str
    secret_key: str
    token: str
    expires_at: int

    def frozen(self) -> ReadOnlyCredentials:
        return ReadOnlyCredentials(self.access_key, self.secret_key, self.token)


class SessionIssuer:
    """Issues and verifies the local backend's temporary credentials, all derived from `master_secret`."""

    def __init__(self, master_secret: str, form_lifetime_seconds: int) -> None:
        self._key = hashlib.sha256(b"realtymedia local sessions\x00" + master_secret.encode()).digest()
        # A form signed late in a window stays usable for its whole lifetime.
        self.lifetime = WINDOW_SECONDS + form_lifetime_seconds + 60
        self._current: TemporaryCredentials | None = None

    def current(self, now: float | None = None) -> TemporaryCredentials:
        moment = int(time.time() if now is None else now)
        window = moment // WINDOW_SECONDS
        cached = self._current
        if cached is not None and cached.expires_at == window * WINDOW_SECONDS + self.lifetime:
            return cached
        expires_at = window * WINDOW_SECONDS + self.lifetime
        access_key = "ASIA" + base64.b32encode(self._mac(f"key:{window}")[:10]).decode()
        payload = _b64(json.dumps({"k": access_key, "e": expires_at}, separators=(",", ":")).encode())
        token = f"{_PREFIX}.{payload}.{_b64(self._mac(payload))}"
        made = TemporaryCredentials(access_key, self._secret(access_key, expires_at), token, expires_at)
        self._current = made
        return made

    def secret_for(self, access_key: str, token: str | None, now: float | None = None) -> str | None:
        """The secret of a temporary access key presented with its session token; None when the key
        is not one of ours. A bad or expired token is refused as S3 refuses it."""
        if not access_key.startswith("ASIA"):
            return None
        if not token:
            return None  # S3 does not know a temporary key without its token
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _PREFIX or not hmac.compare_digest(_b64(self._mac(parts[1])), parts[2]):
            raise invalid_token()
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
            key, expires_at = str(claims["k"]), int(claims["e"])
        except (ValueError, KeyError, TypeError):
            raise invalid_token() from None
        if key != access_key:
            raise invalid_token()
        if (time.time() if now is None else now) >= expires_at:
            raise S3Error(400, "ExpiredToken", "The provided token has expired.")
        return self._secret(access_key, expires_at)

    def _secret(self, access_key: str, expires_at: int) -> str:
        return _b64(self._mac(f"secret:{access_key}:{expires_at}"))

    def _mac(self, text: str) -> bytes:
        return hmac.new(self._key, text.encode(), hashlib.sha256).digest()


def invalid_token() -> S3Error:
    return S3Error(400, "InvalidToken", "The provided token is malformed or otherwise invalid.")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
