"""Document 003, the basic principles: representations, media types, caching, path and query
parameters, the request reference, and refusals of bodies (too large, DTDs, entities)."""

from __future__ import annotations

import time
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest
import requests
from tests.support import Stack, image_bytes

from realtymedia.api.is24 import examples

from .helpers import NS_COMMON, NS_RP, messages_of, new_account, picture_xml

REFNUM = "L-IS24-RequestRefnum"


def _kind(response: requests.Response) -> str:
    content_type = response.headers["Content-Type"]
    if content_type.startswith("application/json"):
        response.json()
        return "json"
    assert content_type.startswith("application/xml")
    ET.fromstring(response.content)
    return "xml"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/xml", "xml"),
        ("application/json", "json"),
        ("application/xml;strict=true", "xml"),
        ("application/json;strict=true", "json"),
        ("application/json; charset=UTF-8", "json"),
        ("text/xml", "xml"),
        ("*/*", "xml"),
        (None, "xml"),
        ("text/html;q=0.9, application/json;q=0.5", "json"),
    ],
)
def test_accept_chooses_the_representation(stack: Stack, accept: str | None, expected: str) -> None:
    account = new_account(stack)
    response = requests.get(account.base(), headers={"Accept": accept}, auth=account.auth(), timeout=30)
    assert response.status_code == 200
    assert _kind(response) == expected


def test_unsupported_accept_is_404(stack: Stack) -> None:
    account = new_account(stack)
    response = requests.get(account.base(), headers={"Accept": "text/html"}, auth=account.auth(), timeout=30)
    assert response.status_code == 404
    assert messages_of(response)[0][0] == "ERROR_COMMON_MEDIA_TYPE_UNSUPPORTED"
    assert uuid.UUID(response.headers[REFNUM])


@pytest.mark.parametrize("suffix", ["xml", "json"])
def test_suffix_selects_the_representation(stack: Stack, suffix: str) -> None:
    account = new_account(stack)
    other = "json" if suffix == "xml" else "xml"
    response = account.request("GET", account.project_url(None, "attachment") + "." + suffix, other)
    assert response.status_code == 200
    assert _kind(response) == suffix
    response = account.request("GET", account.project_url() + "." + suffix, other)
    assert response.status_code == 200 and _kind(response) == suffix
    # Document 003 also shows it at the end of the query string: path?parameters.xml
    response = account.request("GET", account.project_url() + "?parameters." + suffix, other)
    assert response.status_code == 200 and _kind(response) == suffix


def test_accept_and_content_type_may_differ(stack: Stack) -> None:
    account = new_account(stack)
    url = account.project_url(None, "attachment", "upload-ticket")
    as_json = account.request("POST", url, "json", examples.TICKET_REQUEST["xml"], content_type="application/xml")
    assert as_json.status_code == 200 and _kind(as_json) == "json"
    as_xml = account.request("POST", url, "xml", examples.TICKET_REQUEST["json"], content_type="application/json")
    assert as_xml.status_code == 200 and _kind(as_xml) == "xml"
    # Errors too: a JSON payload, an XML answer.
    error = account.request(
        "POST", url, "xml", '{"realestateproject.uploadTicketRequest": {}}', content_type="application/json"
    )
    assert error.status_code == 412 and _kind(error) == "xml"


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/octet-stream"])
def test_post_or_put_without_a_readable_content_type_is_415(stack: Stack, content_type: str | None) -> None:
    account = new_account(stack)
    for method, url, body in [
        ("POST", account.project_url(None, "attachment", "upload-ticket"), examples.TICKET_REQUEST["xml"]),
        ("POST", account.project_url(None, "attachment"), examples.LINK["xml"]),
        ("PUT", account.project_url(None, "attachment", "order"), examples.ORDER_REQUEST["xml"]),
    ]:
        headers = {"Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        response = requests.request(method, url, data=body.encode(), headers=headers, auth=account.auth(), timeout=30)
        assert response.status_code == 415
        assert messages_of(response)[0][0] == "ERROR_COMMON_MEDIA_TYPE_UNSUPPORTED"


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_etag_and_if_none_match(stack: Stack, fmt: str) -> None:
    account = new_account(stack)
    url = account.project_url(None, "attachment")
    first = account.request("GET", url, fmt)
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    same = account.request("GET", url, fmt, If_None_Match=etag)
    assert same.status_code == 304 and same.content == b""
    assert same.headers["ETag"] == etag and uuid.UUID(same.headers[REFNUM])
    other_format = account.request("GET", url, "json" if fmt == "xml" else "xml", If_None_Match=etag)
    assert other_format.status_code == 200
    picture = account.upload("image/png", image_bytes("PNG"))
    assert account.assign(picture_xml(picture)).status_code == 201
    changed = account.request("GET", url, fmt, If_None_Match=etag)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    for read in (account.project_url(), account.project_url(None, "attachment", picture), account.base()):
        response = account.request("GET", read, fmt)
        assert account.request("GET", read, fmt, If_None_Match=response.headers["ETag"]).status_code == 304


def test_if_modified_since(stack: Stack) -> None:
    account = new_account(stack)
    url = account.project_url()
    first = account.request("GET", url)
    last_modified = first.headers["Last-Modified"]
    assert account.request("GET", url, If_Modified_Since=last_modified).status_code == 304
    later = format_datetime(datetime.now(UTC), usegmt=True)
    assert account.request("GET", url, If_Modified_Since=later).status_code == 304
    # A date later than the server's time is invalid: a normal GET.
    future = format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)
    assert account.request("GET", url, If_Modified_Since=future).status_code == 200
    assert account.request("GET", url, If_Modified_Since="not a date").status_code == 200
    earlier = format_datetime(datetime.now(UTC) - timedelta(days=1), usegmt=True)
    assert account.request("GET", url, If_Modified_Since=earlier).status_code == 200
    # A 404 stays a 404 whatever the date.
    missing = account.project_url(987654321)
    assert account.request("GET", missing, If_Modified_Since=last_modified).status_code == 404


def test_modified_after_the_date_is_a_normal_get(stack: Stack) -> None:
    account = new_account(stack)
    url = account.project_url()
    before = format_datetime(datetime.now(UTC) - timedelta(seconds=5), usegmt=True)
    assert account.assign(examples.LINK["xml"]).status_code == 201
    assert account.request("GET", url, If_Modified_Since=before).status_code == 200


def test_a_change_in_the_same_second_is_never_answered_304(stack: Stack) -> None:
    # HTTP dates have whole seconds: a read and a change within one second must not make the
    # read's Last-Modified look current.
    account = new_account(stack)
    url = account.project_url(None, "attachment")
    for _ in range(3):
        seen = account.request("GET", url).headers["Last-Modified"]
        assert account.assign(examples.LINK["xml"]).status_code == 201
        again = account.request("GET", url, If_Modified_Since=seen)
        assert again.status_code == 200
        assert not_after_date(again)
        account.request("DELETE", account.project_url(None, "attachment", _link_id(account)))


def not_after_date(response: requests.Response) -> bool:
    """Whether the answer's Last-Modified is no later than its Date (RFC 9110 8.8.2.1)."""
    return parsedate_to_datetime(response.headers["Last-Modified"]) <= parsedate_to_datetime(response.headers["Date"])


def test_last_modified_is_never_later_than_date(stack: Stack) -> None:
    """Quick changes do not move Last-Modified ahead of the clock: every answer's Last-Modified is
    at most its Date, and If-Modified-Since with the very value sent is answered 304 as soon as the
    clock has passed the last change's second (it stands at most a second ahead)."""
    account = new_account(stack)
    url = account.project_url(None, "attachment")
    for _ in range(20):  # 40 changes: a link added, and deleted (a project has one virtual tour)
        assert account.assign(examples.LINK["xml"]).status_code == 201
        link = account.project_url(None, "attachment", _link_id(account))
        assert account.request("DELETE", link).status_code == 200
    read = account.request("GET", url)
    assert read.headers["Date"].count("GMT") == 1 and not_after_date(read)
    deadline = time.monotonic() + 20  # a second, on a quiet machine
    while True:
        again = account.request("GET", url, If_Modified_Since=read.headers["Last-Modified"])
        assert not_after_date(again)
        if again.status_code == 304:
            break
        assert again.status_code == 200 and time.monotonic() < deadline, read.headers["Last-Modified"]
        read = again
        time.sleep(0.1)


def _link_id(account: object) -> str:
    listed = account.request("GET", account.project_url(None, "attachment"), "json").json()  # type: ignore[attr-defined]
    return str(listed["realestateproject.attachments"][0]["attachment"][0]["@id"])


def test_path_parameters_are_percent_decoded(stack: Stack) -> None:
    username = f"max mustermann;{uuid.uuid4().hex[:6]}@example.de"
    account = new_account(stack, username=username)
    url = account.base()
    assert "%20" in url and "%3B" in url and "@" in url
    response = account.request("GET", url, "json")
    assert response.status_code == 200, response.text
    projects = response.json()["realestateproject.realEstateProjects"][0]["realEstateProject"]
    assert [p["@id"] for p in projects] == [str(account.project_id)]
    # Links keep the encoding a client can use again.
    assert projects[0]["@xlink.href"] == account.project_url()


def test_me_and_unknown_query_parameters(stack: Stack) -> None:
    account = new_account(stack, fresh=True)
    response = account.request("GET", account.base("me") + "?unknown=1&other=x;y", "json")
    assert response.status_code == 200
    assert response.json()["realestateproject.realEstateProjects"][0]["realEstateProject"][0]["@id"] == str(
        account.project_id
    )
    created = account.request(
        "POST", account.url(account.project_id, "attachment", username="me"), "xml", examples.LINK["xml"]
    )
    assert created.status_code == 201
    assert "/user/me/realestateproject/" in created.headers["Location"]


def test_every_response_carries_a_request_reference(stack: Stack) -> None:
    account = new_account(stack)
    responses = [
        account.request("GET", account.base()),
        requests.get(account.base(), timeout=30),  # 401
        account.request("GET", f"{stack.url}/restapi/api/offer/v1.0/nothing/here"),  # unknown route
        account.request("GET", account.project_url(None, "attachment", "00000000-0000-0000-0000-000000000000")),
        account.request(
            "POST", account.project_url(None, "attachment"), "xml", "<broken", content_type="application/xml"
        ),
        account.request("POST", account.project_url(None, "attachment"), "xml", "<x/>", content_type=None),
    ]
    assert [r.status_code for r in responses] == [200, 401, 404, 404, 400, 415]
    refs = [uuid.UUID(r.headers[REFNUM]) for r in responses]
    assert len(set(refs)) == len(refs)


def test_unknown_route_is_404_in_is24_form(stack: Stack) -> None:
    account = new_account(stack)
    response = account.request("GET", f"{stack.url}/restapi/api/offer/v1.0/nothing/here", "json")
    assert response.status_code == 404
    assert messages_of(response)[0][0] == "ERROR_RESOURCE_NOT_FOUND"


def test_large_bodies_are_refused_before_reading(stack: Stack) -> None:
    account = new_account(stack)
    url = account.project_url(None, "attachment")
    big = b"<x>" + b"a" * (2 * 1024 * 1024) + b"</x>"
    response = account.request("POST", url, "xml", big, content_type="application/xml")
    assert response.status_code == 413
    assert messages_of(response)[0][0] == "ERROR_COMMON_BAD_REQUEST"

    def chunks():  # no Content-Length: the limit holds while reading
        for _ in range(40):
            yield b"a" * 65536

    streamed = requests.post(
        url, data=chunks(), headers={"Content-Type": "application/xml"}, auth=account.auth(), timeout=30
    )
    assert streamed.status_code == 413


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ns2:uploadTicketRequest xmlns:ns2="{N}"><attachmentContentType>&lol9;</attachmentContentType></ns2:uploadTicketRequest>
""".replace("{N}", NS_RP)

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<ns2:uploadTicketRequest xmlns:ns2="{N}"><attachmentContentType>&xxe;</attachmentContentType></ns2:uploadTicketRequest>
""".replace("{N}", NS_RP)


DEEP = ['{"a":' * 100_000 + "1" + "}" * 100_000, "[" * 100_000 + "]" * 100_000, "<a>" * 100_000 + "</a>" * 100_000]


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, "<unclosed>", '{"broken": ', *DEEP])
def test_hostile_or_broken_bodies_are_400(stack: Stack, body: str) -> None:
    account = new_account(stack)
    content_type = "application/json" if body.startswith(("{", "[")) else "application/xml"
    response = account.request(
        "POST", account.project_url(None, "attachment", "upload-ticket"), "xml", body, content_type=content_type
    )
    assert response.status_code == 400
    root = ET.fromstring(response.content)
    assert root.tag == f"{{{NS_COMMON}}}messages"
    assert messages_of(response)[0][0] == "ERROR_COMMON_BAD_REQUEST"
    assert "root:" not in response.text


def test_an_internal_failure_is_500_in_is24_form(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    from realtymedia.services import attachments

    account = new_account(stack)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(attachments, "project", broken)
    response = account.request("GET", account.project_url(), "json")
    assert response.status_code == 500
    assert messages_of(response) == [("ERROR_COMMON_INTERNAL_SERVER_ERROR", "An internal error occurred.")]
    assert uuid.UUID(response.headers[REFNUM])
    assert "fire" not in response.text


def test_unsupported_method_answers_in_is24_form(stack: Stack) -> None:
    account = new_account(stack)
    response = account.request("PATCH", account.project_url(None, "attachment"), "json")
    assert response.status_code == 405
    assert response.headers["Allow"]
    assert messages_of(response)[0][0] == "ERROR_COMMON_BAD_REQUEST"
    assert uuid.UUID(response.headers[REFNUM])
