"""The local backend's POST endpoint refuses what AWS S3 refuses, with S3's status and error code,
and stores nothing when it refuses. Over real HTTP, as a browser or `curl -F` sends the form."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
import xml.etree.ElementTree as ET
import zlib
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from realtymedia.storage.local import LocalStorage
from realtymedia.storage.post_policy import sign_policy
from tests.support import Stack, image_bytes, post_form

JPEG = image_bytes("JPEG")


def form(
    stack: Stack,
    *,
    content_type: str = "image/jpeg",
    max_size: int = 1024 * 1024,
    expires_in: int = 600,
    extra: dict[str, str] | None = None,
) -> tuple[str, dict[str, str], str]:
    key = f"policy-test/{uuid.uuid4()}.jpg"
    upload = stack.core.storage.presign_post(key, content_type, max_size, expires_in, stack.url, extra or {})
    return upload.url, dict(upload.fields), key


def error_of(response: httpx.Response) -> dict[str, str]:
    root = ET.fromstring(response.content)
    assert root.tag == "Error"
    return {child.tag: child.text or "" for child in root}


def assert_refused(stack: Stack, response: httpx.Response, key: str, status: int, code: str, message: str = "") -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/xml")
    error = error_of(response)
    assert error["Code"] == code
    assert message in error["Message"]
    assert stack.core.storage.head(key) is None
    storage = stack.core.storage
    assert isinstance(storage, LocalStorage)
    assert list(storage.incoming.iterdir()) == [], "a refused upload left a partial file behind"


def test_valid_form_stores_the_file(local_stack: Stack) -> None:
    url, fields, key = form(local_stack)
    response = post_form(url, fields, JPEG, "photo.jpg", "image/jpeg")
    assert response.status_code == 204
    assert response.headers["etag"].startswith('"')
    info = local_stack.core.storage.head(key)
    assert info is not None and info.size == len(JPEG)
    with local_stack.core.storage.open(key) as stored:
        assert stored.read() == JPEG


def test_field_names_are_case_insensitive(local_stack: Stack) -> None:
    url, fields, key = form(local_stack)
    renamed = {name.upper() if name != "key" else name: value for name, value in fields.items()}
    assert post_form(url, renamed, JPEG).status_code == 204
    assert local_stack.core.storage.head(key) is not None


def test_success_action_status_201_returns_post_response(local_stack: Stack) -> None:
    url, fields, key = form(local_stack, extra={"success_action_status": "201"})
    response = post_form(url, fields, JPEG)
    assert response.status_code == 201
    root = ET.fromstring(response.content)
    assert root.tag == "PostResponse"
    assert root.findtext("Key") == key
    assert root.findtext("Bucket") == local_stack.settings.local_bucket


def test_expired_policy(local_stack: Stack) -> None:
    url, fields, key = form(local_stack, expires_in=-5)
    assert_refused(
        local_stack,
        post_form(url, fields, JPEG),
        key,
        403,
        "AccessDenied",
        "Invalid according to Policy: Policy expired.",
    )


def test_wrong_content_type(local_stack: Stack) -> None:
    url, fields, key = form(local_stack)
    fields["Content-Type"] = "text/html"
    assert_refused(
        local_stack,
        post_form(url, fields, JPEG),
        key,
        403,
        "AccessDenied",
        'Invalid according to Policy: Policy Condition failed: ["eq", "$content-type", "image/jpeg"]',
    )


def test_key_tampered(local_stack: Stack) -> None:
    url, fields, key = form(local_stack)
    fields["key"] = "policy-test/someone-else.jpg"
    assert_refused(
        local_stack,
        post_form(url, fields, JPEG),
        "policy-test/someone-else.jpg",
        403,
        "AccessDenied",
        "Policy Condition failed",
    )
    assert local_stack.core.storage.head(key) is None


def test_extra_field(local_stack: Stack) -> None:
    url, fields, key = form(local_stack)
    fields["x-amz-meta-owner"] = "mallory"
    assert_refused(
        local_stack,
        post_form(url, fields, JPEG),
        key,
        403,
        "AccessDenied",
        "Invalid according to Policy: Extra input fields: x-amz-meta-owner",
    )


def test_x_ignore_fields_need_no_condition(local_stack: Stack) -> None:
    url, fields, key = form(local_stack)
    fields["x-ignore-tracking"] = "anything"
    assert post_form(url, fields, JPEG).status_code == 204


def test_signature_tampered(local_stack: Stack) -> None:
    url, fields, key = form(local_stack)
    signature = fields["x-amz-signature"]
    fields["x-amz-signature"] = ("0" if signature[0] != "0" else "1") + signature[1:]
    assert_refused(local_stack, post_form(url, fields, JPEG), key, 403, "SignatureDoesNotMatch")


def test_policy_tampered(local_stack: Stack) -> None:
    url, fields, key = form(local_stack)
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"] = [
        c for c in policy["conditions"] if not (isinstance(c, list) and c[0] == "content-length-range")
    ]
    fields["policy"] = base64.b64encode(json.dumps(policy).encode()).decode()
    assert_refused(local_stack, post_form(url, fields, JPEG), key, 403, "SignatureDoesNotMatch")


@pytest.mark.parametrize("missing", ["x-amz-signature", "x-amz-algorithm", "x-amz-credential"])
def test_missing_signature_fields(local_stack: Stack, missing: str) -> None:
    url, fields, key = form(local_stack)
    del fields[missing]
    assert_refused(local_stack, post_form(url, fields, JPEG), key, 400, "InvalidArgument")


def test_too_large(local_stack: Stack) -> None:
    url, fields, key = form(local_stack, max_size=1000)
    response = post_form(url, fields, b"\xff" * 1001)
    assert_refused(local_stack, response, key, 400, "EntityTooLarge")
    error = error_of(response)
    assert error["MaxSizeAllowed"] == "1000"


def test_too_small(local_stack: Stack) -> None:
    url, fields, key = form(local_stack)
    response = post_form(url, fields, b"")
    assert_refused(local_stack, response, key, 400, "EntityTooSmall")
    assert error_of(response)["MinSizeAllowed"] == "1"


def test_not_multipart(local_stack: Stack) -> None:
    url, fields, key = form(local_stack)
    response = httpx.post(url, data=fields)  # application/x-www-form-urlencoded
    assert_refused(local_stack, response, key, 412, "PreconditionFailed")


def test_no_file(local_stack: Stack) -> None:
    url, fields, key = form(local_stack)
    response = httpx.post(url, data=fields, files={"other": ("x", b"abc")})
    assert response.status_code in (400, 403)
    assert local_stack.core.storage.head(key) is None


def test_fields_after_the_file_are_ignored(local_stack: Stack) -> None:
    url, fields, key = form(local_stack)
    boundary = "xyzBOUNDARY"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n{v}\r\n'.encode() for n, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
        + JPEG
        + b"\r\n"
    )
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="unsigned-after"\r\n\r\nvalue\r\n'.encode())
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    response = httpx.post(url, content=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 204, response.text
    assert local_stack.core.storage.head(key) is not None


def test_unknown_bucket(local_stack: Stack) -> None:
    url, fields, key = form(local_stack)
    response = post_form(url.rsplit("/", 1)[0] + "/other-bucket", fields, JPEG)
    assert_refused(local_stack, response, key, 404, "NoSuchBucket")


def test_declared_oversize_body_refused_before_reading(local_stack: Stack) -> None:
    import socket
    from urllib.parse import urlsplit

    url, fields, key = form(local_stack)
    parts = urlsplit(url)
    too_big = local_stack.settings.max_upload_bytes + 10 * 1024 * 1024
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        # Declare a body larger than any ticket allows, send none of it: the answer must come anyway.
        sock.sendall(
            f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: multipart/form-data; boundary=abc\r\nContent-Length: {too_big}\r\n\r\n".encode()
        )
        answer = ""
        while "</Error>" not in answer and (chunk := sock.recv(65536)):
            answer += chunk.decode()
    assert answer.startswith("HTTP/1.1 400"), answer
    assert "<Code>EntityTooLarge</Code>" in answer


def test_unconfirmed_upload_is_not_served(local_stack: Stack) -> None:
    url, fields, key = form(local_stack, content_type="image/jpeg")
    assert post_form(url, fields, b"<html><script>alert(1)</script></html>").status_code == 204
    response = httpx.get(f"{local_stack.url}/files/{key}")
    assert response.status_code == 404
    assert response.headers["x-content-type-options"] == "nosniff"


def test_path_traversal_in_files_route(local_stack: Stack) -> None:
    for path in (
        "/files/../realtymedia.sqlite3",
        "/files/%2e%2e/realtymedia.sqlite3",
        "/files/..%2frealtymedia.sqlite3",
    ):
        response = httpx.get(f"{local_stack.url}{path}")
        assert response.status_code == 404, path


# -- the spec README's second S3 table (what else AWS S3 does with a browser POST) -----------------


def test_pre_data_over_20_kb_is_refused(local_stack: Stack) -> None:
    url, fields, key = form(local_stack)
    fields["x-ignore-padding"] = "p" * (20 * 1024)
    response = post_form(url, fields, JPEG)
    assert_refused(local_stack, response, key, 400, "MaxPostPreDataLengthExceeded")
    assert error_of(response)["MaxPostPreDataLengthBytes"] == "20480"


def test_pre_data_under_20_kb_is_read(local_stack: Stack) -> None:
    url, fields, key = form(local_stack)
    fields["x-ignore-padding"] = "p" * (16 * 1024)
    assert post_form(url, fields, JPEG).status_code == 204


def test_key_longer_than_1024_bytes(local_stack: Stack) -> None:
    key = "k" * 1022 + "é"  # 1024 bytes of UTF-8: the longest key
    upload = local_stack.core.storage.presign_post(key, "image/jpeg", 1024 * 1024, 600, local_stack.url, {})
    assert post_form(upload.url, upload.fields, JPEG).status_code == 204
    local_stack.core.storage.delete(key)
    longer = key + "k"
    upload = local_stack.core.storage.presign_post(longer, "image/jpeg", 1024 * 1024, 600, local_stack.url, {})
    response = post_form(upload.url, upload.fields, JPEG)
    assert response.status_code == 400 and error_of(response)["Code"] == "KeyTooLongError"
    assert error_of(response)["Size"] == "1025" and error_of(response)["MaxSizeAllowed"] == "1024"
    assert list(local_stack.core.storage.list_keys("kkkk")) == []


def test_keys_are_any_utf8_and_a_beside_a_slash_b(local_stack: Stack) -> None:
    folder = f"keys-{uuid.uuid4()}/"
    for key in (folder + "a", folder + "a/b", folder + "Küche/Bad €.jpg", folder + "../../up"):
        upload = local_stack.core.storage.presign_post(key, "image/jpeg", 1024 * 1024, 600, local_stack.url, {})
        response = post_form(upload.url, upload.fields, key.encode(), "x.jpg", "image/jpeg")
        assert response.status_code == 204, response.text
    for key in (folder + "a", folder + "a/b", folder + "Küche/Bad €.jpg", folder + "../../up"):
        with local_stack.core.storage.open(key) as stored:
            assert stored.read() == key.encode()
    storage = local_stack.core.storage
    assert isinstance(storage, LocalStorage)
    assert not (storage.root.parent / "up").exists() and not (storage.root / "up").exists()


def test_a_condition_naming_a_field_without_dollar_fails(local_stack: Stack) -> None:
    url, fields, key = form(local_stack, extra={"x-amz-meta-a": "1"})
    # Re-sign the same policy with `x-amz-meta-a` named without its `$`: S3 compares no field to it.
    storage = local_stack.core.storage
    assert isinstance(storage, LocalStorage)
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"] = [c for c in policy["conditions"] if c != {"x-amz-meta-a": "1"}]
    policy["conditions"].append(["eq", "x-amz-meta-a", "1"])
    fields["policy"] = base64.b64encode(json.dumps(policy).encode()).decode()
    secret = storage.secret_for(fields["x-amz-credential"].split("/")[0], fields["x-amz-security-token"])
    assert secret is not None
    fields["x-amz-signature"] = sign_policy(fields["policy"], secret, fields["x-amz-date"], storage.region)
    message = 'Policy Condition failed: ["eq", "x-amz-meta-a", "1"]'
    assert_refused(local_stack, post_form(url, fields, JPEG), key, 403, "AccessDenied", message)


def _md5(content: bytes) -> str:
    return base64.b64encode(hashlib.md5(content, usedforsecurity=False).digest()).decode()


@pytest.mark.parametrize(
    ("declared", "status", "code"),
    [(_md5(JPEG), 204, ""), (_md5(b"other"), 400, "BadDigest"), ("not-an-md5", 400, "InvalidDigest")],
)
def test_content_md5(local_stack: Stack, declared: str, status: int, code: str) -> None:
    url, fields, key = form(local_stack, extra={"Content-MD5": declared})
    response = post_form(url, fields, JPEG)
    if status == 204:
        assert response.status_code == 204, response.text
        assert response.headers["etag"] == f'"{hashlib.md5(JPEG, usedforsecurity=False).hexdigest()}"'
    else:
        assert_refused(local_stack, response, key, status, code)
    if code == "BadDigest":
        assert error_of(response)["CalculatedDigest"] == _md5(JPEG)
        assert error_of(response)["ExpectedDigest"] == declared


@pytest.mark.parametrize("algorithm", ["crc32", "sha1", "sha256"])
def test_checksums(local_stack: Stack, algorithm: str) -> None:
    digests = {
        "crc32": zlib.crc32(JPEG).to_bytes(4, "big"),
        "sha1": hashlib.sha1(JPEG, usedforsecurity=False).digest(),
        "sha256": hashlib.sha256(JPEG).digest(),
    }
    good = base64.b64encode(digests[algorithm]).decode()
    name = f"x-amz-checksum-{algorithm}"
    url, fields, key = form(local_stack, extra={name: good})
    response = post_form(url, fields, JPEG)
    assert response.status_code == 204, response.text
    assert response.headers[name] == good
    wrong = base64.b64encode(bytes(len(digests[algorithm]))).decode()
    url, fields, key = form(local_stack, extra={name: wrong})
    response = post_form(url, fields, JPEG)
    assert_refused(local_stack, response, key, 400, "BadDigest", f"The {algorithm.upper()} you specified")


def test_two_checksums_are_refused(local_stack: Stack) -> None:
    sha1 = base64.b64encode(hashlib.sha1(JPEG, usedforsecurity=False).digest()).decode()
    sha256 = base64.b64encode(hashlib.sha256(JPEG).digest()).decode()
    url, fields, key = form(local_stack, extra={"x-amz-checksum-sha1": sha1, "x-amz-checksum-sha256": sha256})
    assert_refused(local_stack, post_form(url, fields, JPEG), key, 400, "InvalidRequest", "Multiple checksum")


@pytest.mark.parametrize("name", ["success_action_redirect", "redirect"])
def test_redirect_after_upload(local_stack: Stack, name: str) -> None:
    target = "https://crm.example/done?from=upload"
    url, fields, key = form(local_stack, extra={name: target, "success_action_status": "201"})
    response = post_form(url, fields, JPEG)
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    assert location.netloc == "crm.example" and location.path == "/done"
    query = parse_qs(location.query)
    etag = f'"{hashlib.md5(JPEG, usedforsecurity=False).hexdigest()}"'
    assert query == {"from": ["upload"], "bucket": [local_stack.settings.local_bucket], "key": [key], "etag": [etag]}


def test_a_redirect_that_is_no_url_is_ignored(local_stack: Stack) -> None:
    url, fields, key = form(local_stack, extra={"success_action_redirect": "not a url"})
    response = post_form(url, fields, JPEG)
    assert response.status_code == 204
    assert local_stack.core.storage.head(key) is not None
