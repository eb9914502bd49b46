"""The rules a real S3 applies to a browser POST, as a pure function of the form.

Each refusal is an `S3Error` with the status, code and message AWS S3 answers with.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

# Form fields that need no policy condition.
UNCONDITIONED = {"x-amz-signature", "file", "policy"}


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


def check_form(
    form: Mapping[str, str],
    bucket: str,
    secret_for: Callable[[str, str | None], str | None],
    now: datetime | None = None,
) -> SizeRange:
    """Check every rule that does not depend on the file's size; return the size range to apply.

    `form` holds the fields sent before the file, names lower-cased. `secret_for` maps an access
    key id and the form's session token to the key's secret, or None when the key is unknown.
    """
    now = now or datetime.now(UTC)
    for name in ("x-amz-algorithm", "x-amz-credential", "x-amz-signature"):
        if not form.get(name):
            raise S3Error(
                400, "InvalidArgument", f"Bucket POST must contain a field named '{name}'.", {"ArgumentName": name}
            )
    if "policy" not in form:
        raise S3Error(
            400, "InvalidArgument", "Bucket POST must contain a field named 'policy'.", {"ArgumentName": "policy"}
        )
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
    amz_date = form.get("x-amz-date", "")
    if not amz_date.startswith(date) or len(amz_date) != 16:
        raise S3Error(
            400, "InvalidArgument", "x-amz-date must match the date of the credential.", {"ArgumentName": "x-amz-date"}
        )
    expected = sign_policy(form["policy"], secret, amz_date, region)
    if not _constant_time_equal(expected, form["x-amz-signature"]):
        raise S3Error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )
    try:
        policy = json.loads(base64.b64decode(form["policy"], validate=True))
        expiration = datetime.fromisoformat(policy["expiration"])
        if expiration.tzinfo is None:
            raise ValueError("expiration without a time zone")
        conditions = policy["conditions"]
        if not isinstance(conditions, list):
            raise TypeError
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError):
        raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
    if now >= expiration:
        raise policy_failed("Policy expired.")
    return _check_conditions(conditions, form, bucket)


def _check_conditions(conditions: list[object], form: Mapping[str, str], bucket: str) -> SizeRange:
    covered: set[str] = set()
    size = SizeRange()
    values = dict(form)
    values["bucket"] = bucket
    for condition in conditions:
        if isinstance(condition, dict) and len(condition) == 1:
            ((name, expected),) = condition.items()
            op, name = "eq", str(name).lower()
            shown = json.dumps(["eq", f"${name}", expected])
        elif isinstance(condition, list) and len(condition) == 3 and isinstance(condition[0], str):
            op = condition[0].lower()
            if op == "content-length-range":
                try:
                    size = SizeRange(int(condition[1]), int(condition[2]))
                except (TypeError, ValueError):
                    raise S3Error(
                        400, "InvalidPolicyDocument", "Invalid Policy: Invalid content-length-range."
                    ) from None
                continue
            name = str(condition[1]).lower().removeprefix("$")
            expected = condition[2]
            shown = json.dumps(condition)
        else:
            raise S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid Simple-Condition.")
        covered.add(name)
        actual = values.get(name)
        if op == "eq":
            ok = actual is not None and actual == expected
        elif op == "starts-with":
            ok = actual is not None and isinstance(expected, str) and actual.startswith(expected)
        else:
            raise S3Error(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid condition operator {op}.")
        if not ok:
            raise policy_failed(f"Policy Condition failed: {shown}")
    extra = [
        name for name in form if name not in covered and name not in UNCONDITIONED and not name.startswith("x-ignore-")
    ]
    if extra:
        raise policy_failed(f"Extra input fields: {', '.join(extra)}")
    return size


def _constant_time_equal(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())
