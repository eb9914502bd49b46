"""Malformed requests that were answered 500, and answers that were not well-formed (issue 15,
items 11, 14, 15): each is a 4xx in the dialect's own format, and changes nothing."""

from __future__ import annotations

import json
from urllib.parse import urlsplit
from xml.etree import ElementTree

import httpx
import pytest
from bench.api import IS24_BASE, JSON

from tests.faults.conftest import Actor, jpeg
from tests.faults.test_bad_input import assert_4xx, raw_http, state
from tests.support import Stack

XML = "application/xml"
COMMON_NS = "{http://rest.immobilienscout24.de/schema/common/1.0}"


def is24_message_codes(response: httpx.Response) -> list[str]:
    """The messageCodes of an IS24 `common.messages` answer, in XML or JSON."""
    if response.headers["content-type"].startswith(XML):
        root = ElementTree.fromstring(response.content)  # well-formed, or this raises
        assert root.tag == f"{COMMON_NS}messages"
        return [code.text or "" for code in root.iter("messageCode")]
    (messages,) = response.json()["common.messages"]
    found = messages["message"]
    return [m["messageCode"] for m in (found if isinstance(found, list) else [found])]


# -- item 11: titles both representations can carry ------------------------------------------

# Whitespace to Python's \s that XML 1.0 cannot carry at all, not even as a character reference.
NOT_IN_XML = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f"]


@pytest.mark.parametrize("character", NOT_IN_XML, ids=[f"U+{ord(c):04X}" for c in NOT_IN_XML])
def test_a_title_xml_cannot_carry_is_refused_and_the_xml_listing_stays_well_formed(
    alice: Actor, character: str
) -> None:
    alice.picture(0)
    before = state(alice)
    attachment_id = alice.upload_ticket(jpeg_bytes())
    response = alice.is24.assign_picture(alice.project_id, attachment_id, f"Living{character}room").send(alice.client)
    assert_4xx(response, 412)
    assert "INVALID_CHARACTERS" in response.text
    assert state(alice) == before
    listing = alice.is24.attachments(alice.project_id, XML).send(alice.client)
    assert listing.status_code == 200
    ElementTree.fromstring(listing.content)


def test_titles_with_what_xml_carries_are_still_accepted(alice: Actor) -> None:
    attachment_id = alice.upload_ticket(jpeg_bytes())
    title = "Küche\tund\r\nBad, 3. OG (50%) & mehr"
    response = alice.is24.assign_picture(alice.project_id, attachment_id, title).send(alice.client)
    assert response.status_code == 201, response.text
    listing = alice.is24.attachments(alice.project_id, XML).send(alice.client)
    ElementTree.fromstring(listing.content)


def jpeg_bytes() -> bytes:
    return jpeg(7)


# -- item 14: 500s on bad input ---------------------------------------------------------------


def storage_post(local_stack: Stack, content_type: str, body: bytes) -> httpx.Response:
    bucket = local_stack.settings.local_bucket
    return httpx.post(f"{local_stack.url}/storage/{bucket}", content=body, headers={"Content-Type": content_type})


def assert_s3_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, (response.status_code, response.text[:300])
    root = ElementTree.fromstring(response.content)
    assert root.tag == "Error" and root.findtext("Code") == code, response.text[:300]


@pytest.mark.parametrize(
    "body",
    [
        b"not multipart at all",
        b"--b\r\ngarbage without a header end",
        b"--x\r\n\r\n\r\n--x--\r\n",  # another boundary
        b"\x00\xff" * 1000,
    ],
    ids=["text", "no-header-end", "wrong-boundary", "binary"],
)
def test_storage_endpoint_answers_malformed_multipart_as_s3_does(local_stack: Stack, body: bytes) -> None:
    response = storage_post(local_stack, "multipart/form-data; boundary=b", body)
    assert_s3_error(response, 400, "MalformedPOSTRequest")


def test_storage_endpoint_refuses_a_boundary_over_70_characters(local_stack: Stack) -> None:
    boundary = "b" * 71
    body = f'--{boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nx\r\n--{boundary}--\r\n'.encode()
    response = storage_post(local_stack, f"multipart/form-data; boundary={boundary}", body)
    assert_s3_error(response, 400, "MalformedPOSTRequest")


# What oauthlib cannot read as OAuth 1.0a parameters.
AUTHORIZATIONS = ["Bearer abc", "Basic YWxpY2U6c2VjcmV0", "OAuth", "OAuth garbage", "OAuth ,,,="]


@pytest.mark.parametrize("path", ["/restapi/security/oauth/request_token", "/restapi/security/oauth/access_token"])
@pytest.mark.parametrize("authorization", AUTHORIZATIONS)
def test_oauth_token_endpoints_refuse_foreign_or_broken_authorization(
    stack: Stack, path: str, authorization: str
) -> None:
    response = httpx.post(f"{stack.url}{path}", headers={"Authorization": authorization})
    assert_4xx(response, 400, 401)
    assert response.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert "error" in dict(pair.split("=", 1) for pair in response.text.split("&") if "=" in pair)


@pytest.mark.parametrize("authorization", ["OAuth garbage", "OAuth ,,,="])
def test_is24_resources_refuse_foreign_or_broken_authorization(seeded_project: Actor, authorization: str) -> None:
    for accept in (JSON, XML):
        response = httpx.get(
            f"{seeded_project.stack.url}{IS24_BASE}/{seeded_project.project_id}/attachment",
            headers={"Authorization": authorization, "Accept": accept},
        )
        assert_4xx(response, 401)
        assert is24_message_codes(response) == ["ERROR_COMMON_AUTHENTICATION_REQUIRED"]


@pytest.fixture
def seeded_project(alice: Actor) -> Actor:
    alice.picture(2)
    return alice


@pytest.mark.parametrize("encoding", ["x-no-such-encoding", "klingon"])
def test_is24_xml_in_an_unknown_or_unusable_encoding_is_a_bad_request(alice: Actor, encoding: str) -> None:
    before = state(alice)
    attachment_id = alice.upload_ticket(jpeg_bytes())
    body = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        '<ns2:attachment xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ns2:Picture" id="'
        f'{attachment_id}"><pictureType>IMAGE</pictureType><title>Room</title></ns2:attachment>'
    ).encode()
    request = alice.is24.signed("POST", f"{IS24_BASE}/{alice.project_id}/attachment", body, XML)
    response = request.send(alice.client)
    assert_4xx(response, 400)
    assert is24_message_codes(response) == ["ERROR_COMMON_BAD_REQUEST"]
    assert state(alice) == before


LONE_SURROGATES = ["\\ud800", "\\udfff", "a\\ud83d", "\\ude00b"]


def picture_json(attachment_id: str, title_as_json: str) -> bytes:
    """An assign body written by hand, so that the title's escapes reach the server as they are."""
    attachment = f'"@xsi.type": "realestateproject:Picture", "@id": "{attachment_id}", "pictureType": "IMAGE"'
    return ('{"realestateproject.attachment": {' + attachment + f', "title": "{title_as_json}"' + "}}").encode()


@pytest.mark.parametrize("escape", LONE_SURROGATES)
def test_a_lone_surrogate_in_is24_json_is_a_bad_request(alice: Actor, escape: str) -> None:
    before = state(alice)
    attachment_id = alice.upload_ticket(jpeg_bytes())
    body = picture_json(attachment_id, f"Room {escape}")
    request = alice.is24.signed("POST", f"{IS24_BASE}/{alice.project_id}/attachment", body, JSON)
    response = request.send(alice.client)
    assert_4xx(response, 400)
    assert is24_message_codes(response) == ["ERROR_COMMON_BAD_REQUEST"]
    assert state(alice) == before


def test_a_surrogate_pair_in_is24_json_is_text_as_usual(alice: Actor) -> None:
    """An escaped pair is one character (an emoji): refused by the title rule, not as unreadable."""
    attachment_id = alice.upload_ticket(jpeg_bytes())
    body = picture_json(attachment_id, "Room \\ud83d\\ude00")
    response = alice.is24.signed("POST", f"{IS24_BASE}/{alice.project_id}/attachment", body, JSON).send(alice.client)
    assert_4xx(response, 412)
    assert "INVALID_CHARACTERS" in response.text


@pytest.mark.parametrize("field", ["username", "password"])
@pytest.mark.parametrize("escape", LONE_SURROGATES)
def test_a_lone_surrogate_in_the_web_login_is_a_bad_request(alice: Actor, field: str, escape: str) -> None:
    values = {"username": json.dumps(alice.user.username), "password": '"pw"'}
    values[field] = f'"x{escape}"'
    body = f'{{"username": {values["username"]}, "password": {values["password"]}}}'
    response = httpx.post(
        f"{alice.stack.url}/web/login", content=body.encode(), headers={"Content-Type": "application/json"}
    )
    assert_4xx(response, 400)
    assert response.json()["errorCode"] == "BAD_REQUEST_BODY"


# -- item 15: IS24 XML errors never echo what XML cannot carry ------------------------------


@pytest.mark.parametrize("character", ["%0B", "%0C", "%1F", "%00", "%EF%BF%BE"])
def test_is24_xml_errors_are_well_formed_whatever_the_path_holds(alice: Actor, character: str) -> None:
    host = urlsplit(alice.stack.url).netloc
    for path in (f"/restapi/nothing{character}here", f"{IS24_BASE}/{alice.project_id}/attachment/x{character}y"):
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: {XML}\r\nConnection: close\r\n\r\n"
        status, headers, body = raw_http(alice.stack, request.encode())
        assert 400 <= status < 500, (status, body[:300])
        if headers.get("content-type", "").startswith(XML):
            ElementTree.fromstring(body)  # well-formed, or this raises
