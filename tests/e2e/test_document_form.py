"""The Realty Image document's sample HTML form, character for character, submitted by headless
Chromium with a grant's values in its placeholders: the file lands, and saves. And the local
backend's temporary credentials (the session token every form carries) are verified as S3 does."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from realtymedia.services import accounts
from realtymedia.storage.sessions import SessionIssuer
from tests.conftest import start_stack
from tests.support import Stack, image_bytes, post_form

RI = "/realty-image/v2"
# From the document ("Get short-lived grant for uploading realty image", "Example usage"), verbatim.
DOCUMENT_FORM = """<html>
  <head>
    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  </head>
  <body>
    <form action="{response.url}" method="{response.method}" enctype="multipart/form-data">
      <input type="hidden" name="key" value="{response.fields.key}" />
      <input type="hidden" name="Policy" value="{response.fields.Policy}" />
      <input type="hidden" name="X-Amz-Algorithm" value="{response.fields.X-Amz-Algorithm}" />
      <input type="hidden" name="X-Amz-Credential" value="{response.fields.X-Amz-Credential}" />
      <input type="hidden" name="X-Amz-Date" value="{response.fields.X-Amz-Date}" />
      <input type="hidden" name="X-Amz-Signature" value="{response.fields.X-Amz-Signature}" />
      <input type="hidden" name="X-Amz-Security-Token" value="{response.fields.X-Amz-Security-Token}" />
      File:
      <input type="file" name="file" /> <br />
      <input type="submit" name="submit" value="Upload to Amazon S3" />
    </form>
  </body>
</html>"""


@pytest.fixture(scope="module", params=["sqlite-local", "postgresql-local"])
def form_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from start_stack(request.param, request, tmp_path_factory)


def grant(stack: Stack, token: str) -> dict[str, object]:
    with stack.client() as http:
        answer = http.get(
            f"{RI}/uploadGrants?type=image/jpeg",
            headers={"Authorization": f"Bearer {token}", "Request-ID": str(uuid.uuid4())},
        )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def filled(template: str, response: dict[str, object]) -> str:
    fields = response["fields"]
    assert isinstance(fields, dict)
    page = template.replace("{response.url}", str(response["url"])).replace(
        "{response.method}", str(response["method"])
    )
    for name, value in fields.items():
        page = page.replace("{response.fields." + name + "}", value)
    assert "{response." not in page, "the grant lacks a field the document's form sends"
    return page


def test_the_documents_form_uploads_as_written(form_stack: Stack, browser: Browser, tmp_path: Path) -> None:
    user = accounts.create_user(form_stack.core, f"f{uuid.uuid4().hex[:10]}", "pw")
    token = user.bearer_token
    response = grant(form_stack, token)
    photo = tmp_path / "front.jpg"
    photo.write_bytes(image_bytes("JPEG", (160, 120)))
    context = browser.new_context()
    page = context.new_page()
    try:
        page.set_content(filled(DOCUMENT_FORM, response))
        page.locator('input[type="file"]').set_input_files(str(photo))
        with page.expect_response(str(response["url"])) as answer:
            page.get_by_role("button", name="Upload to Amazon S3").click()
        assert answer.value.status == 204, answer.value.text()
    finally:
        context.close()
    key = response["fields"]["key"]  # type: ignore[index]
    assert form_stack.core.storage.head(key) is not None
    with form_stack.client() as http:
        made = http.post(
            f"{RI}/realty",
            json={"name": "Form"},
            headers={"Authorization": f"Bearer {token}", "Request-ID": str(uuid.uuid4())},
        )
        saved = http.post(
            f"{RI}/realty/{made.json()['id']}/images",
            json={"uploadedImages": [{"key": key}]},
            headers={"Authorization": f"Bearer {token}", "Request-ID": str(uuid.uuid4())},
        )
    assert saved.status_code == 200, saved.text
    assert saved.json()["realtyImages"][0]["contentType"] == "image/jpeg"


def s3_code(answer: object) -> str:
    text = answer.text  # type: ignore[attr-defined]
    return text.split("<Code>")[1].split("</Code>")[0]


def test_session_tokens_are_verified(form_stack: Stack) -> None:
    user = accounts.create_user(form_stack.core, f"t{uuid.uuid4().hex[:10]}", "pw")
    fields = dict(grant(form_stack, user.bearer_token)["fields"])
    url = f"{form_stack.url}/storage/{form_stack.settings.local_bucket}"
    photo = image_bytes()
    # Without its token a temporary key is unknown; with a changed token it is refused.
    without = {name: value for name, value in fields.items() if name != "X-Amz-Security-Token"}
    answer = post_form(url, without, photo)
    assert (answer.status_code, s3_code(answer)) == (403, "InvalidAccessKeyId")
    forged = {**fields, "X-Amz-Security-Token": fields["X-Amz-Security-Token"][:-2] + "AA"}
    answer = post_form(url, forged, photo)
    assert (answer.status_code, s3_code(answer)) == (400, "InvalidToken")
    # Another key's token: valid in itself, but not this key's.
    other = SessionIssuer(form_stack.core.storage.secret_key, 60).current(time.time() - 7200)
    answer = post_form(url, {**fields, "X-Amz-Security-Token": other.token}, photo)
    assert (answer.status_code, s3_code(answer)) == (400, "InvalidToken")
    assert post_form(url, fields, photo).status_code == 204


def test_expired_session_tokens() -> None:
    issuer = SessionIssuer("master", 1500)
    made = issuer.current(now=1_000_000)
    assert issuer.secret_for(made.access_key, made.token, now=1_000_000) == made.secret_key
    assert issuer.current(now=1_000_001) is made  # one set per window
    with pytest.raises(Exception, match="expired"):
        issuer.secret_for(made.access_key, made.token, now=made.expires_at)
    assert made.expires_at - 1_000_000 >= 1500  # a form signed now outlives no session
    assert issuer.secret_for("AKIAOTHER", made.token) is None
    assert SessionIssuer("other master", 1500).current(now=1_000_000).access_key != made.access_key
