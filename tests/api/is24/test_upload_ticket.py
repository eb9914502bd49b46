"""Document 000: POST .../realestateproject/{id}/attachment/upload-ticket, in XML and JSON."""

from __future__ import annotations

import re

import pytest
from tests.support import Stack, image_bytes, post_form

from realtymedia.api.is24 import examples

from .helpers import assert_same, messages_of, new_account, validation

FORMATS = ["xml", "json"]


def _fields_of(fmt: str, response: object) -> tuple[str, str, list[tuple[str, str]]]:
    import xml.etree.ElementTree as ET

    if fmt == "json":
        data = response.json()["realestateproject.uploadTicket"]  # type: ignore[attr-defined]
        return data["url"], data["attachmentId"], [(f["@key"], f["@value"]) for f in data["fields"][0]["field"]]
    root = ET.fromstring(response.content)  # type: ignore[attr-defined]
    fields = [(f.get("key") or "", f.get("value") or "") for f in root.find("fields").iter("field")]  # type: ignore[union-attr]
    return root.findtext("url") or "", root.findtext("attachmentId") or "", fields


@pytest.mark.parametrize("fmt", FORMATS)
def test_ticket_as_in_the_document(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    response = account.request(
        "POST", account.project_url(None, "attachment", "upload-ticket"), fmt, examples.TICKET_REQUEST[fmt]
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith(f"application/{fmt}")
    url, attachment_id, fields = _fields_of(fmt, response)
    assert len(attachment_id) == 36
    given = dict(fields)
    # Names and order as in the document; our storage has no session token, so that field is absent.
    assert [k for k, _ in fields] == [
        "key",
        "acl",
        "content-type",
        "x-amz-server-side-encryption",
        "x-amz-credential",
        "x-amz-algorithm",
        "x-amz-date",
        "x-amz-signature",
        "policy",
        "x-amz-security-token",
    ]
    assert given["key"] == f"{account.project_id}/{attachment_id}.jpg"
    assert given["acl"] == "private"
    assert given["content-type"] == "image/jpeg"
    assert given["x-amz-server-side-encryption"] == "AES256"
    assert given["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert re.fullmatch(r"[^/]+/\d{8}/eu-west-1/s3/aws4_request", given["x-amz-credential"])
    assert re.fullmatch(r"\d{8}T\d{6}Z", given["x-amz-date"])
    assert re.fullmatch(r"[0-9a-f]{64}", given["x-amz-signature"])
    # The whole body is the document's, with our values in place of its sample ones, its session
    # token included (temporary credentials on both backends).
    expected = dict(examples.TICKET)
    sample = dict(re.findall(r'key="([^"]+)" value="([^"]+)"', examples.TICKET["xml"]))
    substitutions = {
        "https://s3-eu-west-1.amazonaws.com/bucket-name": url,
        "7cc1979e-ea6e-4f57-b177-a2287e5cc1db": attachment_id,
    }
    for name in ("key", "acl", "x-amz-credential", "x-amz-date", "x-amz-signature", "policy", "x-amz-security-token"):
        substitutions[sample[name]] = given[name]
    if fmt == "json":
        substitutions = {k.replace("/", "\\/"): v.replace("/", "\\/") for k, v in substitutions.items()}
    assert_same(fmt, response.content, expected, **substitutions)
    # The form works: the file lands where the ticket says.
    sent = post_form(url, given, image_bytes("JPEG"), "photo.jpg", "image/jpeg")
    assert sent.status_code in (200, 201, 204), sent.text
    assert stack.core.storage.head(given["key"]) is not None


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_content_type_is_the_documents_412(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    empty = {
        "xml": '<ns2:uploadTicketRequest xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0"/>',
        "json": '{"realestateproject.uploadTicketRequest": {}}',
    }
    response = account.request("POST", account.project_url(None, "attachment", "upload-ticket"), fmt, empty[fmt])
    assert response.status_code == 412
    assert_same(fmt, response.content, examples.TICKET_CONTENT_TYPE_MISSING)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("content_type", ["image/jpeg", "image/gif", "image/png", "application/pdf"])
def test_every_supported_content_type(stack: Stack, fmt: str, content_type: str) -> None:
    account = new_account(stack)
    body = examples.TICKET_REQUEST[fmt].replace("image/jpeg", content_type)
    if fmt == "json":
        body = body.replace("/", "\\/")
    response = account.request("POST", account.project_url(None, "attachment", "upload-ticket"), fmt, body)
    assert response.status_code == 200, response.text
    _, _, fields = _fields_of(fmt, response)
    assert dict(fields)["content-type"] == content_type


def test_unsupported_content_type_is_refused(stack: Stack) -> None:
    account = new_account(stack)
    body = examples.TICKET_REQUEST["xml"].replace("image/jpeg", "text/html")
    response = account.request("POST", account.project_url(None, "attachment", "upload-ticket"), "xml", body)
    assert response.status_code == 412
    ((code, message),) = messages_of(response)
    assert code == "ERROR_RESOURCE_VALIDATION"
    assert message.startswith(validation("attachmentContentType", "text/html", "INVALID_VALUE")[1][:-1])


def test_ticket_limits_size_and_expiry(stack: Stack) -> None:
    """50 MiB and 25 minutes, as the document says: the signed policy carries both."""
    import base64
    import json
    from datetime import UTC, datetime

    account = new_account(stack)
    ticket = account.ticket("image/png")
    policy = json.loads(base64.b64decode(ticket["fields"]["policy"]))
    assert ["content-length-range", 1, 50 * 1024 * 1024] in policy["conditions"]
    expires = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    remaining = (expires - datetime.now(UTC)).total_seconds()
    assert 25 * 60 - 60 < remaining <= 25 * 60
