"""storage.presign signs the same forms as botocore's client.generate_presigned_post, field for field."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import NoCredentialsError

from realtymedia.storage.presign import PostSigner

BUCKET = "listing-media"


def client(style: str, endpoint: str | None, token: str | None = None) -> Any:
    return boto3.session.Session().client(
        "s3",
        region_name="eu-central-1",
        endpoint_url=endpoint,
        aws_access_key_id="AKEXAMPLE",
        aws_secret_access_key="secret-example",
        aws_session_token=token,
        config=Config(signature_version="s3v4", s3={"addressing_style": style}),
    )


def botocore_form(s3: Any, key: str, content_type: str, max_size: int, extra: dict[str, str]) -> dict[str, Any]:
    fields = {"Content-Type": content_type, **extra}
    conditions: list[object] = [{name: value} for name, value in fields.items()]
    conditions.append(["content-length-range", 1, max_size])
    form: dict[str, Any] = s3.generate_presigned_post(
        Bucket=BUCKET, Key=key, Fields=fields, Conditions=conditions, ExpiresIn=900
    )
    return form


@pytest.mark.parametrize(
    ("style", "endpoint", "token"),
    [
        ("path", "http://127.0.0.1:9000", None),
        ("virtual", None, None),
        ("path", "https://s3.example.net", "session-token-example"),
    ],
)
def test_the_form_is_botocores(style: str, endpoint: str | None, token: str | None) -> None:
    s3 = client(style, endpoint, token)
    signer = PostSigner(s3, BUCKET, Credentials("AKEXAMPLE", "secret-example", token))
    extra = {"acl": "private", "x-amz-meta-title": "Küche"}
    for _ in range(5):  # both within one second, so that dates and signatures can agree
        ours = signer.sign("42/photo.jpg", "image/jpeg", 5_000_000, 900, extra)
        theirs = botocore_form(s3, "42/photo.jpg", "image/jpeg", 5_000_000, extra)
        if ours["fields"]["x-amz-date"] == theirs["fields"]["x-amz-date"]:
            break
    assert ours == theirs
    assert ("x-amz-security-token" in ours["fields"]) == (token is not None)


def test_no_credentials_is_refused_as_botocore_refuses() -> None:
    signer = PostSigner(client("path", "http://127.0.0.1:9000"), BUCKET, None)
    with pytest.raises(NoCredentialsError):
        signer.sign("k", "image/png", 10, 60, {})


def test_temporary_credentials_are_refreshed_off_the_signing_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials that expire (an instance role's) are never refreshed while signing (on the event
    loop): signing uses a frozen copy, which a thread of the signer's own renews."""
    import threading
    import time
    from datetime import UTC, datetime, timedelta

    from botocore.credentials import RefreshableCredentials

    from realtymedia.storage import presign

    monkeypatch.setattr(presign, "REFRESH_CHECK_SECONDS", 0.05)
    refreshed_on: list[str] = []

    def metadata(access_key: str, expires_in: timedelta) -> dict[str, str]:
        expiry = (datetime.now(UTC) + expires_in).isoformat()
        return {"access_key": access_key, "secret_key": "s", "token": "t", "expiry_time": expiry}

    def refresh() -> dict[str, str]:
        refreshed_on.append(threading.current_thread().name)
        return metadata("AKNEW", timedelta(hours=1))

    credentials = RefreshableCredentials.create_from_metadata(metadata("AKOLD", timedelta(hours=1)), refresh, "t")
    signer = PostSigner(client("path", "http://127.0.0.1:9000"), BUCKET, credentials)
    credentials._expiry_time = datetime.now(UTC) + timedelta(minutes=5)  # due for a refresh from now on
    deadline = time.monotonic() + 10
    while "AKNEW" not in signer.sign("k", "image/png", 10, 60, {})["fields"]["x-amz-credential"]:
        assert time.monotonic() < deadline, "the signer's thread never renewed the credentials"
        time.sleep(0.005)
    assert refreshed_on and set(refreshed_on) == {"s3-credentials"}  # never on the signing thread
