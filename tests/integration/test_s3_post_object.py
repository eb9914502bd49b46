"""ceph/s3-tests' browser-POST cases, against the local backend's POST endpoint over real HTTP.

Ported from ceph/s3-tests at commit 8f0ae7b404a3a2fcf7038bf1e6bf29544fe9b6a3
(`s3tests/functional/test_s3.py`, every `def test_post_object*`: 36 cases). Each test here keeps
the ceph name; its docstring says where it departs from the original. Translations common to all:

- SigV2 forms (`AWSAccessKeyId`, `signature` = base64 HMAC-SHA1) become SigV4 forms
  (`x-amz-algorithm`, `x-amz-credential`, `x-amz-date`, `x-amz-signature`), whose three signing
  fields are added to the policy's conditions, as SigV4 requires and botocore does (`sigv4_form`).
  The endpoint answers SigV4 only, as every AWS region opened since 2014 does.
- ceph makes a bucket per test and stores `foo.txt`; the local backend has one bucket, so each test's
  key is `foo-<uuid>.txt` (still matching the policies' `["starts-with", "$key", "foo"]`).
- ceph reads objects back with GetObject; the local backend has no GET of raw keys, so they are read
  through the storage interface (`Storage.open`), from the same files the endpoint wrote.
- Refusals are checked for S3's XML error code (and message where S3's is known), not the status
  alone, and for leaving nothing stored (`assert_refused`).

Cases that cannot apply as written, and what is tested instead:

- `test_post_object_anonymous_request`, `test_post_object_tags_anonymous_request`: ceph creates a
  `public-read-write` bucket and expects an unsigned form to store its file. We offer no bucket ACLs
  and no public writes, so the same form gets S3's answer for a bucket that grants none: 403
  `AccessDenied`.
- `test_post_object_set_success_code`, `test_post_object_set_invalid_success_code`: anonymous in ceph
  for the same reason; their subject is `success_action_status`, so they are ported signed.
- `test_post_object_user_specified_header`, `test_post_object_tags_authenticated_request`: the upload
  is ported (the policy covers `x-amz-meta-foo` / `tagging`, 204, bytes stored), but not ceph's
  read-back of the object's metadata and tag set: the local backend keeps neither (the Storage
  interface stores bytes; the service records types and names in its database).
- `test_post_object_wrong_bucket`: ceph signs for one bucket and posts to another that exists; with
  one bucket, the form is signed for another bucket's name and posted to ours (the same rule: the
  policy's `bucket` condition against the request's bucket).
- `test_post_object_success_redirect_action`: ceph follows the 303 to its bucket listing (200); the
  303 and its `Location` are checked here, since the endpoint has no bucket listing.
- `test_post_object_upload_checksum`: RGW takes an `x-amz-checksum-sha256` field that no condition
  covers; AWS's rule is that every field but `x-amz-signature`, `file`, `policy` and `x-ignore-*`
  needs one, so the port covers it with `["starts-with", "$x-amz-checksum-sha256", ""]`. A
  well-formed wrong checksum (BadDigest) is added to ceph's malformed one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from realtymedia.storage.local import LocalStorage
from realtymedia.storage.post_policy import sign_policy
from tests.integration.test_local_post_policy import assert_refused, error_of
from tests.support import Stack


def local(stack: Stack) -> LocalStorage:
    storage = stack.core.storage
    assert isinstance(storage, LocalStorage)
    return storage


def bucket_of(stack: Stack) -> str:
    return stack.settings.local_bucket


def post_url(stack: Stack) -> str:
    return f"{stack.url}/storage/{bucket_of(stack)}"


def expires(seconds: int = 6000) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def unique_key(prefix: str = "foo") -> str:
    return f"{prefix}-{uuid.uuid4()}.txt"


def standard_policy(stack: Stack, *more: object, length: tuple[int, int] = (0, 1024)) -> dict[str, Any]:
    """The policy most ceph cases sign."""
    return {
        "expiration": expires(),
        "conditions": [
            {"bucket": bucket_of(stack)},
            ["starts-with", "$key", "foo"],
            {"acl": "private"},
            ["starts-with", "$Content-Type", "text/plain"],
            ["content-length-range", *length],
            *more,
        ],
    }


def sigv4_form(
    stack: Stack,
    policy: dict[str, Any],
    fields: list[tuple[str, str]],
    *,
    access_key: str | None = None,
    tamper_signature: bool = False,
    leave_out: str = "",
) -> dict[str, str]:
    """`fields` in order, then the SigV4 signing fields, for `policy` signed with the local backend's
    long-lived key, as ceph signs with its main user's. `leave_out` drops one signing field."""
    storage = local(stack)
    now = datetime.now(UTC)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    credential = f"{access_key or storage.access_key}/{now:%Y%m%d}/{storage.region}/s3/aws4_request"
    signing = {"x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-credential": credential, "x-amz-date": amz_date}
    policy = json.loads(json.dumps(policy))
    if isinstance(policy.get("conditions"), list):
        policy["conditions"] += [{name: value} for name, value in signing.items()]
    encoded = base64.b64encode(json.dumps(policy).encode()).decode()
    signature = sign_policy(encoded, storage.secret_key, amz_date, storage.region)
    if tamper_signature:
        signature = signature[::-1]
    form = dict(fields)
    form.update(signing)
    form["policy"] = encoded
    form["x-amz-signature"] = signature
    form.pop(leave_out, None)
    return form


def post(stack: Stack, form: dict[str, str], content: bytes = b"bar", filename: str = "file") -> httpx.Response:
    """As ceph's `requests.post(url, files=payload)`: the fields in order, the file last."""
    files = {"file": (filename, content, "text/plain")}
    return httpx.post(post_url(stack), data=form, files=files, timeout=120)


def stored(stack: Stack, key: str) -> bytes:
    with local(stack).open(key) as f:
        return f.read()


def fields_for(key: str, *more: tuple[str, str]) -> list[tuple[str, str]]:
    return [("key", key), ("acl", "private"), ("Content-Type", "text/plain"), *more]


# -- the cases ------------------------------------------------------------------------------------


def test_post_object_anonymous_request(local_stack: Stack) -> None:
    """ceph: 204 into a public-read-write bucket. Ours grants no public writes: 403 AccessDenied."""
    key = unique_key()
    response = post(local_stack, {"key": key, "acl": "public-read", "Content-Type": "text/plain"})
    assert_refused(local_stack, response, key, 403, "AccessDenied", "Access Denied")


def test_post_object_authenticated_request(local_stack: Stack) -> None:
    key = unique_key()
    response = post(local_stack, sigv4_form(local_stack, standard_policy(local_stack), fields_for(key)))
    assert response.status_code == 204, response.text
    assert stored(local_stack, key) == b"bar"


def test_post_object_authenticated_no_content_type(local_stack: Stack) -> None:
    key = unique_key()
    policy = {
        "expiration": expires(),
        "conditions": [
            {"bucket": bucket_of(local_stack)},
            ["starts-with", "$key", "foo"],
            {"acl": "private"},
            ["content-length-range", 0, 1024],
        ],
    }
    response = post(local_stack, sigv4_form(local_stack, policy, [("key", key), ("acl", "private")]))
    assert response.status_code == 204, response.text
    assert stored(local_stack, key) == b"bar"


def test_post_object_authenticated_request_bad_access_key(local_stack: Stack) -> None:
    key = unique_key()
    form = sigv4_form(local_stack, standard_policy(local_stack), fields_for(key), access_key="foo")
    assert_refused(local_stack, post(local_stack, form), key, 403, "InvalidAccessKeyId")


def test_post_object_set_success_code(local_stack: Stack) -> None:
    """Signed here (anonymous in ceph): the subject is success_action_status 201 and its PostResponse."""
    key = unique_key()
    policy = standard_policy(local_stack, {"success_action_status": "201"})
    response = post(local_stack, sigv4_form(local_stack, policy, fields_for(key, ("success_action_status", "201"))))
    assert response.status_code == 201, response.text
    assert ET.fromstring(response.content).findtext("Key") == key


def test_post_object_set_invalid_success_code(local_stack: Stack) -> None:
    """Signed here (anonymous in ceph): a success_action_status S3 does not know is answered 204."""
    key = unique_key()
    policy = standard_policy(local_stack, {"success_action_status": "404"})
    response = post(local_stack, sigv4_form(local_stack, policy, fields_for(key, ("success_action_status", "404"))))
    assert response.status_code == 204, response.text
    assert response.content == b""


def test_post_object_upload_larger_than_chunk(local_stack: Stack) -> None:
    key = unique_key()
    content = b"foo" * 1024 * 1024
    policy = standard_policy(local_stack, length=(0, 5 * 1024 * 1024))
    response = post(local_stack, sigv4_form(local_stack, policy, fields_for(key)), content)
    assert response.status_code == 204, response.text
    assert stored(local_stack, key) == content


def test_post_object_set_key_from_filename(local_stack: Stack) -> None:
    filename = unique_key()
    form = sigv4_form(local_stack, standard_policy(local_stack), fields_for("${filename}"))
    response = post(local_stack, form, filename=filename)
    assert response.status_code == 204, response.text
    assert stored(local_stack, filename) == b"bar"
    assert local(local_stack).head("${filename}") is None


def test_post_object_ignored_header(local_stack: Stack) -> None:
    key = unique_key()
    form = sigv4_form(local_stack, standard_policy(local_stack), fields_for(key, ("x-ignore-foo", "bar")))
    response = post(local_stack, form)
    assert response.status_code == 204, response.text


def test_post_object_case_insensitive_condition_fields(local_stack: Stack) -> None:
    key = unique_key()
    policy = {
        "expiration": expires(),
        "conditions": [
            {"bUcKeT": bucket_of(local_stack)},
            ["StArTs-WiTh", "$KeY", "foo"],
            {"AcL": "private"},
            ["StArTs-WiTh", "$CoNtEnT-TyPe", "text/plain"],
            ["content-length-range", 0, 1024],
        ],
    }
    form = sigv4_form(local_stack, policy, [("kEy", key), ("aCl", "private"), ("Content-Type", "text/plain")])
    form["pOLICy"] = form.pop("policy")
    response = post(local_stack, form)
    assert response.status_code == 204, response.text
    assert stored(local_stack, key) == b"bar"


def test_post_object_escaped_field_values(local_stack: Stack) -> None:
    key = unique_key(r"\$foo")
    policy = standard_policy(local_stack)
    policy["conditions"][1] = ["starts-with", "$key", r"\$foo"]
    response = post(local_stack, sigv4_form(local_stack, policy, fields_for(key)))
    assert response.status_code == 204, response.text
    assert stored(local_stack, key) == b"bar"


def test_post_object_success_redirect_action(local_stack: Stack) -> None:
    """ceph follows the redirect to its bucket listing (200); here the 303 itself is checked."""
    key = unique_key()
    redirect_url = post_url(local_stack)
    policy = standard_policy(local_stack, ["eq", "$success_action_redirect", redirect_url])
    form = sigv4_form(local_stack, policy, fields_for(key, ("success_action_redirect", redirect_url)))
    response = post(local_stack, form)
    assert response.status_code == 303, response.text
    etag = hashlib.md5(b"bar", usedforsecurity=False).hexdigest()
    bucket = bucket_of(local_stack)
    assert response.headers["location"] == f"{redirect_url}?bucket={bucket}&key={key}&etag=%22{etag}%22"
    assert stored(local_stack, key) == b"bar"


def test_post_object_invalid_signature(local_stack: Stack) -> None:
    key = unique_key(r"\$foo")
    policy = standard_policy(local_stack)
    policy["conditions"][1] = ["starts-with", "$key", r"\$foo"]
    form = sigv4_form(local_stack, policy, fields_for(key), tamper_signature=True)
    assert_refused(local_stack, post(local_stack, form), key, 403, "SignatureDoesNotMatch")


def test_post_object_invalid_access_key(local_stack: Stack) -> None:
    key = unique_key(r"\$foo")
    policy = standard_policy(local_stack)
    policy["conditions"][1] = ["starts-with", "$key", r"\$foo"]
    form = sigv4_form(local_stack, policy, fields_for(key), access_key=local(local_stack).access_key[::-1])
    assert_refused(local_stack, post(local_stack, form), key, 403, "InvalidAccessKeyId")


def test_post_object_invalid_date_format(local_stack: Stack) -> None:
    key = unique_key(r"\$foo")
    policy = standard_policy(local_stack)
    policy["conditions"][1] = ["starts-with", "$key", r"\$foo"]
    expiration = str(datetime.now(UTC) + timedelta(seconds=6000))  # "2026-12-01 12:16:03.123456+00:00"
    policy["expiration"] = expiration
    form = sigv4_form(local_stack, policy, fields_for(key))
    message = f"Invalid Policy: Invalid 'expiration' value: '{expiration}'"
    assert_refused(local_stack, post(local_stack, form), key, 400, "InvalidPolicyDocument", message)


def test_post_object_no_key_specified(local_stack: Stack) -> None:
    policy = standard_policy(local_stack)
    del policy["conditions"][1]
    form = sigv4_form(local_stack, policy, [("acl", "private"), ("Content-Type", "text/plain")])
    response = post(local_stack, form)
    message = "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields."
    assert_refused(local_stack, response, "file", 400, "InvalidArgument", message)
    assert error_of(response)["Message"] == message
    assert error_of(response)["ArgumentName"] == "key"


def test_post_object_missing_signature(local_stack: Stack) -> None:
    key = unique_key()
    policy = standard_policy(local_stack)
    policy["conditions"][1] = ["starts-with", "$key", r"\$foo"]
    form = sigv4_form(local_stack, policy, fields_for(key), leave_out="x-amz-signature")
    response = post(local_stack, form)
    assert_refused(local_stack, response, key, 400, "InvalidArgument", "field named 'X-Amz-Signature'")


def test_post_object_missing_policy_condition(local_stack: Stack) -> None:
    """The policy has no bucket condition, and its key condition (`\\$foo`) does not hold for `foo...`."""
    key = unique_key()
    policy = standard_policy(local_stack)
    policy["conditions"][:2] = [["starts-with", "$key", r"\$foo"]]
    form = sigv4_form(local_stack, policy, fields_for(key))
    message = 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "\\\\$foo"]'
    assert_refused(local_stack, post(local_stack, form), key, 403, "AccessDenied", message)


def test_post_object_user_specified_header(local_stack: Stack) -> None:
    """Up to the upload: the local backend keeps no user metadata to read back (see the docstring)."""
    key = unique_key()
    policy = standard_policy(local_stack, ["starts-with", "$x-amz-meta-foo", "bar"])
    form = sigv4_form(local_stack, policy, fields_for(key, ("x-amz-meta-foo", "barclamp")))
    response = post(local_stack, form)
    assert response.status_code == 204, response.text
    assert stored(local_stack, key) == b"bar"


def test_post_object_request_missing_policy_specified_field(local_stack: Stack) -> None:
    key = unique_key()
    policy = standard_policy(local_stack, ["starts-with", "$x-amz-meta-foo", "bar"])
    form = sigv4_form(local_stack, policy, fields_for(key))
    message = 'Policy Condition failed: ["starts-with", "$x-amz-meta-foo", "bar"]'
    assert_refused(local_stack, post(local_stack, form), key, 403, "AccessDenied", message)


def test_post_object_condition_is_case_sensitive(local_stack: Stack) -> None:
    key = unique_key()
    policy = standard_policy(local_stack)
    policy["CONDITIONS"] = policy.pop("conditions")
    form = sigv4_form(local_stack, policy, fields_for(key))
    message = "Invalid Policy: Policy missing conditions."
    assert_refused(local_stack, post(local_stack, form), key, 400, "InvalidPolicyDocument", message)


def test_post_object_expires_is_case_sensitive(local_stack: Stack) -> None:
    key = unique_key()
    policy = standard_policy(local_stack)
    policy["EXPIRATION"] = policy.pop("expiration")
    form = sigv4_form(local_stack, policy, fields_for(key))
    message = "Invalid Policy: Policy missing expiration."
    assert_refused(local_stack, post(local_stack, form), key, 400, "InvalidPolicyDocument", message)


def test_post_object_expired_policy(local_stack: Stack) -> None:
    key = unique_key()
    policy = standard_policy(local_stack)
    policy["expiration"] = expires(-6000)
    form = sigv4_form(local_stack, policy, fields_for(key))
    message = "Invalid according to Policy: Policy expired."
    assert_refused(local_stack, post(local_stack, form), key, 403, "AccessDenied", message)


def test_post_object_wrong_bucket(local_stack: Stack) -> None:
    """Signed for another bucket, posted to ours (ceph: signed for ours, posted to another)."""
    filename = unique_key()
    policy = standard_policy(local_stack)
    other = f"{bucket_of(local_stack)}-other"
    policy["conditions"][0] = {"bucket": other}
    form = sigv4_form(local_stack, policy, [("key", "${filename}"), ("bucket", other), *fields_for("")[1:]])
    response = post(local_stack, form, filename=filename)
    message = f'Policy Condition failed: ["eq", "$bucket", "{other}"]'
    assert_refused(local_stack, response, filename, 403, "AccessDenied", message)


def test_post_object_invalid_request_field_value(local_stack: Stack) -> None:
    key = unique_key()
    policy = standard_policy(local_stack, ["eq", "$x-amz-meta-foo", ""])
    form = sigv4_form(local_stack, policy, fields_for(key, ("x-amz-meta-foo", "barclamp")))
    message = 'Policy Condition failed: ["eq", "$x-amz-meta-foo", ""]'
    assert_refused(local_stack, post(local_stack, form), key, 403, "AccessDenied", message)


def test_post_object_missing_expires_condition(local_stack: Stack) -> None:
    key = unique_key()
    policy = standard_policy(local_stack)
    del policy["expiration"]
    form = sigv4_form(local_stack, policy, fields_for(key))
    message = "Invalid Policy: Policy missing expiration."
    assert_refused(local_stack, post(local_stack, form), key, 400, "InvalidPolicyDocument", message)


def test_post_object_missing_conditions_list(local_stack: Stack) -> None:
    key = unique_key()
    form = sigv4_form(local_stack, {"expiration": expires()}, fields_for(key))
    message = "Invalid Policy: Policy missing conditions."
    assert_refused(local_stack, post(local_stack, form), key, 400, "InvalidPolicyDocument", message)


def test_post_object_upload_size_limit_exceeded(local_stack: Stack) -> None:
    key = unique_key()
    form = sigv4_form(local_stack, standard_policy(local_stack, length=(0, 0)), fields_for(key))
    response = post(local_stack, form)
    assert_refused(local_stack, response, key, 400, "EntityTooLarge")
    assert error_of(response)["MaxSizeAllowed"] == "0"


def test_post_object_missing_content_length_argument(local_stack: Stack) -> None:
    key = unique_key()
    policy = standard_policy(local_stack)
    policy["conditions"][4] = ["content-length-range", 0]
    form = sigv4_form(local_stack, policy, fields_for(key))
    assert_refused(local_stack, post(local_stack, form), key, 400, "InvalidPolicyDocument", "wrong number of arguments")


def test_post_object_invalid_content_length_argument(local_stack: Stack) -> None:
    key = unique_key()
    form = sigv4_form(local_stack, standard_policy(local_stack, length=(-1, 0)), fields_for(key))
    assert_refused(local_stack, post(local_stack, form), key, 400, "InvalidPolicyDocument", "content-length-range")


def test_post_object_upload_size_below_minimum(local_stack: Stack) -> None:
    key = unique_key()
    form = sigv4_form(local_stack, standard_policy(local_stack, length=(512, 1000)), fields_for(key))
    response = post(local_stack, form)
    assert_refused(local_stack, response, key, 400, "EntityTooSmall")
    assert error_of(response)["MinSizeAllowed"] == "512"


def test_post_object_upload_size_rgw_chunk_size_bug(local_stack: Stack) -> None:
    """RGW's 4 MiB chunk: a file just past a chunk boundary, within a range starting at one chunk."""
    chunk = 4 * 2**20
    key = unique_key()
    content = b"x" * (chunk + 200)
    form = sigv4_form(local_stack, standard_policy(local_stack, length=(chunk, 3 * chunk)), fields_for(key))
    response = post(local_stack, form, content)
    assert response.status_code == 204, response.text
    assert stored(local_stack, key) == content


def test_post_object_empty_conditions(local_stack: Stack) -> None:
    key = unique_key()
    form = sigv4_form(local_stack, {"expiration": expires(), "conditions": [{}]}, fields_for(key))
    message = "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."
    assert_refused(local_stack, post(local_stack, form), key, 400, "InvalidPolicyDocument", message)


TAGGING = (
    "<Tagging><TagSet><Tag><Key>0</Key><Value>0</Value></Tag><Tag><Key>1</Key><Value>1</Value></Tag></TagSet></Tagging>"
)


def test_post_object_tags_anonymous_request(local_stack: Stack) -> None:
    """ceph: 204 into a public-read-write bucket, tags stored. Ours grants no public writes: 403."""
    key = unique_key()
    form = {"key": key, "acl": "public-read", "Content-Type": "text/plain", "tagging": TAGGING}
    assert_refused(local_stack, post(local_stack, form), key, 403, "AccessDenied", "Access Denied")


def test_post_object_tags_authenticated_request(local_stack: Stack) -> None:
    """Up to the upload: the local backend keeps no tag set to read back (see the docstring)."""
    key = unique_key()
    policy = standard_policy(local_stack, ["starts-with", "$tagging", ""])
    form = sigv4_form(
        local_stack, policy, [("key", key), ("acl", "private"), ("tagging", TAGGING), *fields_for("")[2:]]
    )
    response = post(local_stack, form)
    assert response.status_code == 204, response.text
    assert stored(local_stack, key) == b"bar"


@pytest.mark.parametrize(
    ("checksum", "status", "code"),
    [
        ("aTL9MeXa9HObn6eP93eygxsJlcwdCwCTysgGAZAgE7w=", 204, ""),  # ceph's, "checked via upload from awscli"
        ("sailorjerry", 400, "InvalidRequest"),  # ceph's: not a SHA-256 at all
        (base64.b64encode(hashlib.sha256(b"y").digest()).decode(), 400, "BadDigest"),  # added: a wrong one
    ],
)
def test_post_object_upload_checksum(local_stack: Stack, checksum: str, status: int, code: str) -> None:
    """The checksum field is covered by a condition here (AWS's rule; RGW takes it uncovered)."""
    key = f"foo_cksum_test-{uuid.uuid4()}.txt"
    policy = standard_policy(local_stack, ["starts-with", "$x-amz-checksum-sha256", ""], length=(0, 5 * 2**20))
    policy["conditions"][1] = ["starts-with", "$key", "foo_cksum_test"]
    form = sigv4_form(local_stack, policy, fields_for(key, ("x-amz-checksum-sha256", checksum)))
    response = post(local_stack, form, b"x" * 2 * 2**20)
    if status == 204:
        assert response.status_code == 204, response.text
        assert response.headers["x-amz-checksum-sha256"] == checksum
        assert stored(local_stack, key) == b"x" * 2 * 2**20
    else:
        assert_refused(local_stack, response, key, status, code)
