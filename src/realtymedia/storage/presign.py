"""Signed S3 browser-POST forms (upload tickets), signed by botocore's SigV4 POST signer.

botocore's `client.generate_presigned_post` resolves the bucket's endpoint through its rule set and
emits a dozen events on every call, always to the same answer for one bucket: much of a ticket's
cost (docs/benchmarks.md, "Figures behind choices in the code"). `PostSigner` asks the client once
for the bucket's URL, then builds the policy as botocore's S3PostPresigner does and signs it with
botocore's own `S3SigV4PostAuth`. The forms are identical field for field
(tests/unit/test_presign.py compares them).
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
import weakref
from typing import Any

from botocore.auth import ISO8601, S3SigV4PostAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials, RefreshableCredentials

log = logging.getLogger(__name__)
REFRESH_CHECK_SECONDS = 60


class PostSigner:
    """Signs POST forms for one bucket of an S3 client (its endpoint, region and credentials)."""

    def __init__(self, client: Any, bucket: str, credentials: Credentials | None) -> None:
        """`credentials`: the client's; None means the client has none, and signing is refused as
        botocore refuses it."""
        self.bucket = bucket
        self.region: str = client.meta.region_name
        self.credentials = credentials
        # The bucket's POST URL, resolved by botocore once (path or virtual-host style, endpoint).
        self.url: str = client.generate_presigned_post(Bucket=bucket, Key="-")["url"] if credentials else ""
        # Tickets are signed on the event loop (Database.run), where botocore must never refresh
        # temporary credentials (an instance role's) over the network. Those are signed with a
        # frozen copy that a thread of the signer's own renews every minute: botocore refreshes
        # them there, in its advisory window (15 min before they expire). Should the refreshes
        # fail until the copy expires, forms are signed with it anyway and S3 refuses them.
        self._snapshot: ReadOnlyCredentials | None = None
        if isinstance(credentials, RefreshableCredentials):
            self._snapshot = credentials.get_frozen_credentials()
            threading.Thread(target=_keep_fresh, args=(weakref.ref(self),), name="s3-credentials", daemon=True).start()

    def sign(
        self,
        key: str,
        content_type: str | None,
        max_size: int,
        expires_in: int,
        extra: dict[str, str],
        credentials: ReadOnlyCredentials | None = None,
    ) -> dict[str, Any]:
        """{"url", "fields"} of a form for exactly `key`, `content_type` (None: any, and no such field)
        and the `extra` fields, at most `max_size` bytes, valid for `expires_in` seconds: what
        client.generate_presigned_post returns. Signed with `credentials` when given, else the client's."""
        if self.credentials is None and credentials is None:
            from botocore.exceptions import NoCredentialsError

            raise NoCredentialsError()
        fields = {"Content-Type": content_type, **extra} if content_type else dict(extra)
        # Fields are not conditions by themselves: each must be listed, or S3 would let a client change it.
        conditions: list[object] = [{name: value} for name, value in fields.items()]
        conditions += [["content-length-range", 1, max_size], {"bucket": self.bucket}, {"key": key}]
        fields["key"] = key
        expiration = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=expires_in)
        request = AWSRequest(method="POST", url=self.url)
        request.context["s3-presign-post-fields"] = fields
        policy = {"expiration": expiration.strftime(ISO8601), "conditions": conditions}
        request.context["s3-presign-post-policy"] = policy
        S3SigV4PostAuth(credentials or self._frozen(), "s3", self.region).add_auth(request)
        return {"url": self.url, "fields": fields}

    def _frozen(self) -> ReadOnlyCredentials:
        if self._snapshot is not None:
            return self._snapshot
        assert self.credentials is not None
        return self.credentials.get_frozen_credentials()  # static credentials: no network


def _keep_fresh(signer: weakref.ref[PostSigner]) -> None:
    """Renew a signer's frozen credentials every REFRESH_CHECK_SECONDS, for as long as it exists."""
    while True:
        time.sleep(REFRESH_CHECK_SECONDS)
        current = signer()
        if current is None or current.credentials is None:
            return
        try:
            current._snapshot = current.credentials.get_frozen_credentials()  # refreshes when due
        except Exception:
            log.warning("refreshing the S3 credentials failed; trying again in a minute", exc_info=True)
        del current
