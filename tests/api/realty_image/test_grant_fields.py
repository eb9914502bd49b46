"""The grant's form fields in the vendor's capitalisation, including the session token that
temporary S3 credentials carry (botocore names them in lower case)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import start_stack
from tests.support import Stack, image_bytes, make_settings, post_form

from realtymedia.api.realty_image.app import _grant_fields
from realtymedia.services import accounts
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


@pytest.fixture(scope="module")
def static_s3_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """S3 with long-lived keys and no STS (REALTYMEDIA_S3_FORM_SESSIONS=false): forms carry no token."""
    yield from start_stack("sqlite-s3", request, tmp_path_factory, s3_form_sessions=False)


def test_a_grant_signed_without_a_session_token(static_s3_stack: Stack) -> None:
    """The grant's schema required X-Amz-Security-Token, so such a grant answered 500."""
    user = accounts.create_user(static_s3_stack.core, f"g{uuid.uuid4().hex[:10]}", "pw")
    with static_s3_stack.client() as http:
        answer = http.get(
            "/realty-image/v2/uploadGrants?type=image/jpeg",
            headers={"Authorization": f"Bearer {user.bearer_token}", "Request-ID": str(uuid.uuid4())},
        )
    assert answer.status_code == 200, answer.text
    fields = answer.json()["fields"]
    assert "X-Amz-Security-Token" not in fields
    assert fields["X-Amz-Credential"].startswith("testing/")
    content = image_bytes("JPEG")
    assert post_form(answer.json()["url"], fields, content, "photo.jpg", "image/jpeg").status_code in (200, 201, 204)
    with static_s3_stack.core.storage.open(fields["key"]) as stored:
        assert stored.read() == content
