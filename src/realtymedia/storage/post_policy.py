"""The rules a real S3 applies to a browser POST, as pure functions of the form.

Each refusal is an `S3Error` with the status, code and message AWS S3 answers with (the spec README's
tables; the messages as AWS words them, recorded by the public conformance suites).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from realtymedia.storage.keys import MAX_KEY_BYTES

# Form fields that need no policy condition (besides those starting `x-ignore-`).
UNCONDITIONED = {"x-amz-signature", "file", "policy"}
# The fields of a SigV4 signed form: a form with none of them is anonymous.
SIGNING_FIELDS = ("policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature")
# S3 reads at most this much of the form before the file (names, values and part headers).
MAX_PRE_DATA_BYTES = 20 * 1024
# ISO 8601 in UTC, as S3 takes a policy's expiration: `2026-12-01T12:00:00Z` or `...:00.000Z`.
_EXPIRATION = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z")


@dataclass
class S3Error(Exception):
    status: int
    code: str
    message: str
    extra: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


def policy_failed(detail: str) -> S3Error:
    return S3Error(403, "AccessDenied", f"Invalid according to Policy: {detail}")


def invalid_policy(detail: str) -> S3Error:
    return S3Error(400, "InvalidPolicyDocument", f"Invalid Policy: {detail}")


def missing_field(name: str) -> S3Error:
    """S3 names the field as it documents it (`X-Amz-Signature`, `Policy`, `key`)."""
    shown = "-".join(part.capitalize() for part in name.split("-")) if name != "key" else name
    return S3Error(
        400,
        "InvalidArgument",
        f"Bucket POST must contain a field named '{shown}'.  If it is specified, please check the order of the fields.",
        {"ArgumentName": shown, "ArgumentValue": ""},
    )


def pre_data_too_large() -> S3Error:
    return S3Error(
        400,
        "MaxPostPreDataLengthExceeded",
        "Your POST request fields preceeding the upload file was too large.",
        {"MaxPostPreDataLengthBytes": str(MAX_PRE_DATA_BYTES)},
    )


@dataclass(frozen=True)
class SizeRange:
    minimum: int = 0
    maximum: int | None = None

    def check(self, size: int) -> None:
        if self.maximum is not None and size > self.maximum:
            raise S3Error(
                400,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size",
                {"ProposedSize": str(size), "MaxSizeAllowed": str(self.maximum)},
            )
        if size < self.minimum:
            raise S3Error(
                400,
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size",
                {"ProposedSize": str(size), "MinSizeAllowed": str(self.minimum)},
            )


def sign_policy(policy_b64: str, secret_key: str, amz_date: str, region: str) -> str:
    """SigV4 signature of a POST policy, by botocore's own signer."""
    signer = SigV4Auth(Credentials("unused", secret_key), "s3", region)
    request = AWSRequest(method="POST", url="https://unused/")
    request.context["timestamp"] = amz_date
    return str(signer.signature(policy_b64, request))


def object_key(form: Mapping[str, str], filename: str | None) -> str:
    """The key the form stores its file at: its `key` field, `${filename}` in it replaced by the last
    segment of the file part's filename, as S3 does. Refused as S3 refuses a form without one."""
    key = form.get("key")
    if not key:
        raise missing_field("key")
    if "${filename}" in key:
        name = re.split(r"[/\\]", filename or "")[-1]
        key = key.replace("${filename}", name)
    return key


def check_key_length(key: str) -> None:
    size = len(key.encode())
    if size > MAX_KEY_BYTES:
        raise S3Error(
            400, "KeyTooLongError", "Your key is too long", {"Size": str(size), "MaxSizeAllowed": str(MAX_KEY_BYTES)}
        )


def check_form(
    form: Mapping[str, str],
    bucket: str,
    secret_for: Callable[[str, str | None], str | None],
    now: datetime | None = None,
) -> SizeRange:
    """Check every rule that does not depend on the file's size; return the size range to apply.

    `form` holds the fields sent before the file, names lower-cased (and `key` as stored, after
    `${filename}`). `secret_for` maps an access key id and the form's session token to the key's
    secret, or None when the key is unknown.
    """
    now = now or datetime.now(UTC)
    if not any(name in form for name in SIGNING_FIELDS):
        # Anonymous: S3 takes it only into a bucket that grants public writes, which this one is not.
        raise S3Error(403, "AccessDenied", "Access Denied")
    for name in SIGNING_FIELDS:
        if not form.get(name):
            raise missing_field(name)
    if form["x-amz-algorithm"] != "AWS4-HMAC-SHA256":
        raise S3Error(
            400,
            "InvalidArgument",
            "Only AWS4-HMAC-SHA256 is supported for x-amz-algorithm.",
            {"ArgumentName": "x-amz-algorithm"},
        )
    credential = form["x-amz-credential"].split("/")
    if len(credential) != 5 or credential[3] != "s3" or credential[4] != "aws4_request":
        raise S3Error(
            400,
            "InvalidArgument",
            "Invalid credential, expected ACCESS_KEY/DATE/REGION/s3/aws4_request.",
            {"ArgumentName": "x-amz-credential"},
        )
    access_key, date, region = credential[:3]
    secret = secret_for(access_key, form.get("x-amz-security-token"))
    if secret is None:
        raise S3Error(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            {"AWSAccessKeyId": access_key},
        )
    amz_date = form["x-amz-date"]
    if not amz_date.startswith(date) or len(amz_date) != 16:
        raise S3Error(
            400, "InvalidArgument", "x-amz-date must match the date of the credential.", {"ArgumentName": "x-amz-date"}
        )
    expected = sign_policy(form["policy"], secret, amz_date, region)
    if not hmac.compare_digest(expected.encode(), form["x-amz-signature"].encode()):
        raise S3Error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )
    policy = _read_policy(form["policy"])
    expiration = policy.get("expiration")
    if expiration is None:
        raise invalid_policy("Policy missing expiration.")
    if not isinstance(expiration, str) or not _EXPIRATION.fullmatch(expiration):
        raise invalid_policy(f"Invalid 'expiration' value: '{expiration}'")
    if "conditions" not in policy:
        raise invalid_policy("Policy missing conditions.")
    if not isinstance(policy["conditions"], list):
        raise invalid_policy("Invalid 'conditions' value: must be a List.")
    conditions = [_condition(item) for item in policy["conditions"]]
    if now >= datetime.fromisoformat(expiration):
        raise policy_failed("Policy expired.")
    return _check_conditions(conditions, form, bucket)


def _read_policy(policy_b64: str) -> dict[str, Any]:
    try:
        decoded = base64.b64decode(policy_b64, validate=True)
    except (binascii.Error, ValueError):
        raise invalid_policy("invalid Base64 encoding.") from None
    try:
        policy = json.loads(decoded)
    except ValueError:
        raise invalid_policy("Invalid JSON.") from None
    if not isinstance(policy, dict):
        raise invalid_policy("Invalid JSON.")
    return policy


@dataclass(frozen=True)
class _Condition:
    op: str  # "eq", "starts-with" or "content-length-range"
    name: str  # the field, lower-cased, without its `$`; "" for a range or a name without `$`
    value: Any
    shown: str  # as S3 quotes it when it fails


def _condition(item: object) -> _Condition:
    """One condition of the policy, or the InvalidPolicyDocument S3 answers to its form."""
    if isinstance(item, dict):
        if len(item) != 1:
            raise invalid_policy(
                "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."
            )
        ((name, value),) = item.items()
        if not isinstance(value, str):
            raise invalid_policy("Invalid Simple-Condition: value must be a string.")
        return _Condition("eq", str(name).lower(), value, json.dumps(["eq", f"${str(name).lower()}", value]))
    if not isinstance(item, list):
        raise invalid_policy("Invalid condition test: must be a List or Object.")
    if not item or not isinstance(item[0], str):
        raise invalid_policy("Invalid Condition: missing operation identifier.")
    op = item[0].lower()
    if op not in ("eq", "starts-with", "content-length-range"):
        raise invalid_policy(f"Invalid Condition: unknown operation '{item[0]}'.")
    if len(item) != 3:
        raise invalid_policy(f"Invalid {item[0]}: wrong number of arguments.")
    if op == "content-length-range":
        low, high = item[1], item[2]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)) or not 0 <= low <= high:
            raise invalid_policy("Invalid content-length-range: the bounds must be integers, 0 <= min <= max.")
        return _Condition(op, "", (low, high), json.dumps(item))
    if not isinstance(item[1], str) or not isinstance(item[2], str):
        raise invalid_policy(f"Invalid {item[0]}: the field and the value must be strings.")
    # A field is named with its `$`; a name without one matches no field, so the condition fails.
    name = item[1][1:].lower() if item[1].startswith("$") else ""
    return _Condition(op, name, item[2], json.dumps(item))


def _check_conditions(conditions: list[_Condition], form: Mapping[str, str], bucket: str) -> SizeRange:
    covered: set[str] = set()
    size = SizeRange()
    values = {**form, "bucket": bucket}
    for condition in conditions:
        if condition.op == "content-length-range":
            size = SizeRange(*condition.value)
            continue
        covered.add(condition.name)
        actual = values.get(condition.name) if condition.name else None
        if condition.op == "eq":
            holds = actual == condition.value
        else:
            holds = actual is not None and actual.startswith(condition.value)
        if not holds:
            raise policy_failed(f"Policy Condition failed: {condition.shown}")
    extra = [
        name for name in form if name not in covered and name not in UNCONDITIONED and not name.startswith("x-ignore-")
    ]
    if extra:
        raise policy_failed(f"Extra input fields: {', '.join(extra)}")
    return size


# -- digests the form declares for its file ---------------------------------------------------


class _Hash(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...


class _Crc32:
    def __init__(self) -> None:
        self.value = 0

    def update(self, data: bytes, /) -> None:
        self.value = zlib.crc32(data, self.value)

    def digest(self) -> bytes:
        return self.value.to_bytes(4, "big")


_CHECKSUMS: dict[str, Callable[[], _Hash]] = {"crc32": _Crc32, "sha1": hashlib.sha1, "sha256": hashlib.sha256}
_NOT_IMPLEMENTED = ("crc32c", "crc64nvme")  # no library of ours computes them


@dataclass
class Digest:
    """One digest a form declares (`Content-MD5` or `x-amz-checksum-*`), checked once the file is in."""

    field: str
    expected: bytes
    hash: _Hash
    mismatch: S3Error

    def check(self) -> None:
        if not hmac.compare_digest(self.hash.digest(), self.expected):
            if self.field == "content-md5":
                self.mismatch.extra["CalculatedDigest"] = self.calculated
            raise self.mismatch

    @property
    def calculated(self) -> str:
        return base64.b64encode(self.hash.digest()).decode()


def declared_digests(form: Mapping[str, str]) -> list[Digest]:
    """The digests to compute while the file is written (the MD5 of the ETag is always computed)."""
    found: list[Digest] = []
    md5 = form.get("content-md5")
    if md5 is not None:
        expected = _b64(md5, 16)
        if expected is None:
            raise S3Error(400, "InvalidDigest", "The Content-MD5 you specified was not valid.", {"Content-MD5": md5})
        mismatch = S3Error(
            400, "BadDigest", "The Content-MD5 you specified did not match what we received.", {"ExpectedDigest": md5}
        )
        found.append(Digest("content-md5", expected, hashlib.md5(usedforsecurity=False), mismatch))
    named = [name for name in form if name.startswith("x-amz-checksum-") and name != "x-amz-checksum-algorithm"]
    if len(named) > 1:
        raise S3Error(
            400, "InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
        )
    for name in named:
        algorithm = name.removeprefix("x-amz-checksum-")
        if algorithm in _NOT_IMPLEMENTED:
            raise S3Error(
                501,
                "NotImplemented",
                "A header you provided implies functionality that is not implemented.",
                {"Header": name},
            )
        if algorithm not in _CHECKSUMS:
            continue  # not a checksum S3 knows: an ordinary field, which the policy covers or refuses
        made = _CHECKSUMS[algorithm]()
        expected = _b64(form[name], len(made.digest()))
        if expected is None:
            raise S3Error(400, "InvalidRequest", f"Value for {name} header is invalid.")
        mismatch = S3Error(
            400, "BadDigest", f"The {algorithm.upper()} you specified did not match the calculated checksum."
        )
        found.append(Digest(name, expected, made, mismatch))
    return found


def _b64(value: str, length: int) -> bytes | None:
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return decoded if len(decoded) == length else None
