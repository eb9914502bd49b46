"""The grant's form fields in the vendor's capitalisation, including the session token that
temporary S3 credentials carry (botocore names them in lower case)."""

from __future__ import annotations

from pathlib import Path

from tests.support import make_settings

from realtymedia.api.realty_image.app import _grant_fields
from realtymedia.storage import make_storage


def test_botocore_fields_are_renamed_and_the_security_token_is_kept(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", "s3", "http://127.0.0.1:9", s3_session_token="session-tok"
    )
    form = make_storage(settings).presign_post("uploads/k", "image/png", 1024, 60, "http://unused", {})
    assert "x-amz-security-token" in form.fields
    fields = _grant_fields(form.fields)
    assert set(fields) == {
        "key",
        "Content-Type",  # the storage port names the type when asked; grants do not ask
        "Policy",
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
    }
    assert fields["X-Amz-Security-Token"] == "session-tok"
    assert fields["Policy"] == form.fields["policy"]
