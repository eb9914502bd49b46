"""Properties of the local POST policy checker (storage/post_policy.py) against what AWS S3 answers
(the table in the spec's README): forms signed by storage.presign (botocore's SigV4 POST signer), then each
fault on its own, and random policies judged by an independent model of S3's rules."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.credentials import Credentials
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from realtymedia.storage.post_policy import UNCONDITIONED, S3Error, SizeRange, check_form, sign_policy
from realtymedia.storage.presign import PostSigner

ACCESS, SECRET, REGION, BUCKET = "AKTEST", "secret-key-for-tests", "eu-west-1", "bucket"
SIGNER = boto3.session.Session().client(
    "s3",
    region_name=REGION,
    endpoint_url="http://127.0.0.1",
    aws_access_key_id=ACCESS,
    aws_secret_access_key=SECRET,
    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
)
POST_SIGNER = PostSigner(SIGNER, BUCKET, Credentials(ACCESS, SECRET))


def secret_for(access_key: str, token: str | None = None) -> str | None:
    return SECRET if access_key == ACCESS else None


key_text = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-_./"), min_size=1, max_size=60).filter(
    lambda k: not k.startswith("/") and ".." not in k
)
content_types = st.sampled_from(["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"])
meta_names = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz-"), min_size=1, max_size=12).map(
    lambda s: "x-amz-meta-" + s
)
values = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=30)


@st.composite
def signed_forms(draw: st.DrawFn) -> tuple[dict[str, str], int, datetime]:
    """A form as the endpoint sees it (names lower-cased), its size limit and the policy's expiry."""
    max_size = draw(st.integers(1, 100 * 1024 * 1024))
    expires_in = draw(st.integers(1, 7 * 24 * 3600))
    extra = draw(st.dictionaries(meta_names, values, max_size=3))
    post = POST_SIGNER.sign(draw(key_text), draw(content_types), max_size, expires_in, extra)
    form = {name.lower(): value for name, value in post["fields"].items()}  # type: ignore[attr-defined]
    expiration = datetime.fromisoformat(json.loads(base64.b64decode(form["policy"]))["expiration"])
    return form, max_size, expiration


def refusal(form: dict[str, str], now: datetime | None = None) -> S3Error:
    with pytest.raises(S3Error) as refused:
        check_form(form, BUCKET, secret_for, now)
    return refused.value


@given(signed_forms())
def test_a_signed_form_is_accepted_with_its_size_range(signed: tuple[dict[str, str], int, datetime]) -> None:
    form, max_size, expiration = signed
    assert check_form(form, BUCKET, secret_for, expiration - timedelta(seconds=1)) == SizeRange(1, max_size)


@given(signed_forms(), st.integers(0, 10**8))
def test_expired_policy(signed: tuple[dict[str, str], int, datetime], late: int) -> None:
    form, _, expiration = signed
    error = refusal(form, expiration + timedelta(seconds=late))
    assert (error.status, error.code, error.message) == (
        403,
        "AccessDenied",
        "Invalid according to Policy: Policy expired.",
    )


@given(signed_forms(), st.data())
def test_a_changed_field_fails_its_condition(signed: tuple[dict[str, str], int, datetime], data: st.DataObject) -> None:
    form, _, expiration = signed
    name = data.draw(
        st.sampled_from(sorted(n for n in form if n.startswith("x-amz-meta-") or n in ("key", "content-type")))
    )
    new_value = data.draw(values)
    assume(new_value != form[name])
    error = refusal({**form, name: new_value}, expiration - timedelta(seconds=1))
    assert (error.status, error.code) == (403, "AccessDenied")
    assert error.message.startswith("Invalid according to Policy: Policy Condition failed: [")
    assert f'"${name}"' in error.message


@given(signed_forms(), st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz-_"), min_size=1, max_size=20), values)
def test_a_field_without_condition_is_an_extra_input(
    signed: tuple[dict[str, str], int, datetime], name: str, value: str
) -> None:
    form, max_size, expiration = signed
    assume(name not in form and name not in UNCONDITIONED and name != "bucket")
    before = expiration - timedelta(seconds=1)
    if name.startswith("x-ignore-"):
        assert check_form({**form, name: value}, BUCKET, secret_for, before) == SizeRange(1, max_size)
        return
    error = refusal({**form, name: value}, before)
    assert (error.status, error.code, error.message) == (
        403,
        "AccessDenied",
        f"Invalid according to Policy: Extra input fields: {name}",
    )


@given(signed_forms(), values)
def test_x_ignore_fields_need_no_condition(signed: tuple[dict[str, str], int, datetime], value: str) -> None:
    form, max_size, expiration = signed
    accepted = check_form({**form, "x-ignore-anything": value}, BUCKET, secret_for, expiration - timedelta(seconds=1))
    assert accepted == SizeRange(1, max_size)


@given(signed_forms(), st.sampled_from(["x-amz-signature", "policy"]), st.data())
def test_tampering_with_policy_or_signature(
    signed: tuple[dict[str, str], int, datetime], name: str, data: st.DataObject
) -> None:
    form, _, expiration = signed
    original = form[name]
    position = data.draw(st.integers(0, len(original) - 1))
    replacement = data.draw(st.sampled_from("0123456789abcdefABCDEF+/="))
    assume(original[position] != replacement)
    tampered = original[:position] + replacement + original[position + 1 :]
    error = refusal({**form, name: tampered}, expiration - timedelta(seconds=1))
    # A changed policy no longer matches its signature: S3 checks the signature before reading it.
    assert (error.status, error.code) == (403, "SignatureDoesNotMatch")


@given(
    signed_forms(),
    st.sampled_from(
        [
            ("x-amz-signature", "X-Amz-Signature"),
            ("x-amz-algorithm", "X-Amz-Algorithm"),
            ("x-amz-credential", "X-Amz-Credential"),
            ("x-amz-date", "X-Amz-Date"),
            ("policy", "Policy"),
        ]
    ),
)
def test_missing_signature_algorithm_or_key(
    signed: tuple[dict[str, str], int, datetime], names: tuple[str, str]
) -> None:
    form, _, expiration = signed
    name, shown = names
    del form[name]
    error = refusal(form, expiration - timedelta(seconds=1))
    assert (error.status, error.code) == (400, "InvalidArgument")
    assert error.message == (
        f"Bucket POST must contain a field named '{shown}'.  If it is specified, please check the order of the fields."
    )
    assert error.extra == {"ArgumentName": shown, "ArgumentValue": ""}


@given(signed_forms())
def test_a_form_without_any_signing_field_is_anonymous(signed: tuple[dict[str, str], int, datetime]) -> None:
    """S3 takes an unsigned form only into a bucket open to public writes; ours is not."""
    form, _, expiration = signed
    for name in ("policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"):
        del form[name]
    error = refusal(form, expiration - timedelta(seconds=1))
    assert (error.status, error.code, error.message) == (403, "AccessDenied", "Access Denied")


@given(signed_forms())
def test_signed_with_another_secret(signed: tuple[dict[str, str], int, datetime]) -> None:
    form, _, expiration = signed
    forged = sign_policy(form["policy"], "not-the-secret", form["x-amz-date"], REGION)
    error = refusal({**form, "x-amz-signature": forged}, expiration - timedelta(seconds=1))
    assert (error.status, error.code) == (403, "SignatureDoesNotMatch")


@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 2 * 10**6))
def test_size_range(low: int, span: int, size: int) -> None:
    limits = SizeRange(low, low + span)
    if size > low + span:
        with pytest.raises(S3Error) as too_large:
            limits.check(size)
        assert (too_large.value.status, too_large.value.code) == (400, "EntityTooLarge")
        assert too_large.value.extra == {"ProposedSize": str(size), "MaxSizeAllowed": str(low + span)}
    elif size < low:
        with pytest.raises(S3Error) as too_small:
            limits.check(size)
        assert (too_small.value.status, too_small.value.code) == (400, "EntityTooSmall")
        assert too_small.value.extra == {"ProposedSize": str(size), "MinSizeAllowed": str(low)}
    else:
        limits.check(size)


# -- random policies against a model of S3's rules --------------------------------------------

field_names = st.sampled_from(["key", "content-type", "x-amz-meta-a", "x-amz-meta-b", "acl", "success_action_status"])
short_values = st.text(st.sampled_from("ab/"), max_size=4)


@st.composite
def policies_and_forms(draw: st.DrawFn) -> tuple[list[object], dict[str, str]]:
    conditions: list[object] = []
    for name in draw(st.lists(field_names, max_size=5)):
        shown = draw(st.sampled_from([name, name.upper(), name.title()]))  # condition names are case-insensitive
        if draw(st.booleans()):
            conditions.append({shown: draw(short_values)})
        else:
            conditions.append(["starts-with", "$" + shown, draw(short_values)])
    form = draw(st.dictionaries(field_names, short_values, max_size=5))
    return conditions, form


def s3_accepts(conditions: list[object], form: dict[str, str]) -> bool:
    """S3's rule, written from the table: every condition holds and every field is covered."""
    covered = set()
    for condition in conditions:
        if isinstance(condition, dict):
            ((name, expected),) = condition.items()
            name = name.lower()
            holds = form.get(name) == expected
        else:
            _, name, prefix = condition  # type: ignore[misc]
            name = name[1:].lower()
            holds = name in form and form[name].startswith(prefix)
        covered.add(name)
        if not holds:
            return False
    return set(form) <= covered


@settings(max_examples=300)
@given(policies_and_forms())
def test_random_policies_agree_with_the_model(case: tuple[list[object], dict[str, str]]) -> None:
    conditions, fields = case
    now = datetime(2026, 1, 1, tzinfo=UTC)
    amz_date = "20260101T000000Z"
    credential = f"{ACCESS}/20260101/{REGION}/s3/aws4_request"
    # The signing fields themselves must be conditioned too, as botocore does.
    all_conditions = conditions + [
        {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
        {"x-amz-credential": credential},
        {"x-amz-date": amz_date},
    ]
    policy = base64.b64encode(
        json.dumps({"expiration": "2026-01-01T01:00:00Z", "conditions": all_conditions}).encode()
    ).decode()
    form = {
        **fields,
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": credential,
        "x-amz-date": amz_date,
        "policy": policy,
        "x-amz-signature": sign_policy(policy, SECRET, amz_date, REGION),
    }
    expected = s3_accepts(conditions, fields)
    try:
        check_form(form, BUCKET, secret_for, now)
        accepted = True
    except S3Error as error:
        assert error.status == 403 and error.code == "AccessDenied", error
        accepted = False
    assert accepted == expected
