"""Bad input of every kind, on both stacks: each gets a clear 4xx (never a 5xx, never a hang) and
changes nothing (the same attachments, images and used tickets afterwards)."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import httpx
import pytest
from bench.api import IS24, IS24_BASE, JSON, REALTY_IMAGE_BASE, Request, User, post_form
from oauthlib import oauth1
from sqlalchemy import func, select

from realtymedia.auth import web_sessions
from realtymedia.persistence.models import Media, Ticket
from realtymedia.storage.local import LocalStorage
from tests.faults.conftest import Actor, jpeg
from tests.support import Stack, image_bytes, pdf_bytes, pixel_bomb_png


def state(actor: Actor) -> tuple[object, ...]:
    """What a refused request must leave as it was."""
    with actor.stack.core.unit_of_work(write=False) as uow:
        session = uow.session
        media = session.scalar(select(func.count()).select_from(Media))
        used = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.consumed_at.is_not(None)))
    return (actor.attachment_ids(), actor.image_ids(), media, used)


@pytest.fixture
def seeded(alice: Actor) -> Iterator[Actor]:
    alice.picture(1)
    alice.images(2)
    yield alice


def raw_http(stack: Stack, data: bytes, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Bytes on a socket, for what httpx will not send (bad paths, lying Content-Length)."""
    host, port = urlsplit(stack.url).hostname, urlsplit(stack.url).port
    with socket.create_connection((host, port), timeout=timeout) as sock:  # type: ignore[arg-type]
        sock.sendall(data)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return int(lines[0].split()[1]), headers, body


def assert_4xx(response: httpx.Response, *allowed: int) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    if allowed:
        assert response.status_code in allowed, (response.status_code, response.text[:500])
    assert response.content, "a refusal says why"


# -- oversize and malformed bodies ----------------------------------------------------------


def test_oversize_bodies_refused_before_being_read(seeded: Actor) -> None:
    before = state(seeded)
    stack = seeded.stack
    for request in (
        seeded.is24.signed("POST", f"{IS24_BASE}/{seeded.project_id}/attachment", b"", JSON),
        seeded.ri.save(seeded.realty_id, []),
    ):
        # Claims 100 MiB and sends none of it: an answer must come without waiting for the body.
        headers = {k: v for k, v in request.headers.items()}
        headers["Content-Type"] = JSON
        lines = [f"POST {request.path} HTTP/1.1", f"Host: {urlsplit(stack.url).netloc}"]
        lines += [f"{k}: {v}" for k, v in headers.items()] + ["Content-Length: 104857600", "", ""]
        started = time.monotonic()
        status, _, body = raw_http(stack, "\r\n".join(lines).encode())
        assert status == 413, (request.path, status, body[:300])
        assert time.monotonic() - started < 5
    # Sent in full (chunked, no Content-Length) it is refused too, at the limit.
    big = b'{"x": "' + b"a" * (12 * 1024 * 1024) + b'"}'
    for request in (seeded.is24.signed("POST", f"{IS24_BASE}/{seeded.project_id}/attachment", big, JSON),
                    seeded.ri.save(seeded.realty_id, [])):  # fmt: skip
        response = seeded.client.request(
            "POST", request.path, headers={**request.headers, "Content-Type": JSON}, content=iter([big])
        )
        assert_4xx(response, 413)
    # The storage endpoint answers as S3 does: 400 EntityTooLarge, from the Content-Length alone.
    if isinstance(stack.core.storage, LocalStorage):
        lines = [f"POST /storage/{stack.core.storage.bucket} HTTP/1.1", f"Host: {urlsplit(stack.url).netloc}",
                 "Content-Type: multipart/form-data; boundary=xyz", "Content-Length: 999999999999", "", ""]  # fmt: skip
        status, _, body = raw_http(stack, "\r\n".join(lines).encode())
        assert status == 400 and b"EntityTooLarge" in body
    assert state(seeded) == before


DEEP = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
DEEP_LIST = b"[" * 100_000 + b"]" * 100_000
DEEP_XML = b"<a>" * 100_000 + b"</a>" * 100_000


def deep_is24(actor: Actor, body: bytes, content_type: str = JSON) -> list[Request]:
    return [
        actor.is24.signed("POST", f"{IS24_BASE}/{actor.project_id}/attachment", body, content_type),
        actor.is24.signed("PUT", f"{IS24_BASE}/{actor.project_id}/attachment/order", body, content_type),
    ]


def deep_realty_image(actor: Actor, body: bytes) -> list[Request]:
    save, update = actor.ri.save(actor.realty_id, []), actor.ri.update(actor.realty_id, [])
    return [Request("POST", save.path, save.headers, body), Request("PUT", update.path, update.headers, body)]


@pytest.mark.parametrize(
    "case",
    [
        "is24-object",
        "is24-array",
        "is24-xml",
        "realty-image-object",
        "realty-image-array",
    ],
)
def test_deeply_nested_json_and_xml(seeded: Actor, case: str) -> None:
    before = state(seeded)
    requests = {
        "is24-object": lambda: deep_is24(seeded, DEEP),
        "is24-array": lambda: deep_is24(seeded, DEEP_LIST),
        "is24-xml": lambda: deep_is24(seeded, DEEP_XML, "application/xml"),
        "realty-image-object": lambda: deep_realty_image(seeded, DEEP),
        "realty-image-array": lambda: deep_realty_image(seeded, DEEP_LIST),
    }[case]()
    for request in requests:
        assert_4xx(request.send(seeded.client), 400, 412)
    assert state(seeded) == before


def test_huge_json(seeded: Actor) -> None:
    before = state(seeded)
    many = [str(uuid.uuid4()) for _ in range(20_000)]  # ~800 KB
    # Unknown ids in an IS24 order are ignored (document 002): a no-op, answered, not an error.
    assert seeded.is24.order(seeded.project_id, many).send(seeded.client).status_code == 200
    keys = [f"uploads/{uuid.uuid4()}" for _ in range(201)]
    assert_4xx(seeded.ri.save(seeded.realty_id, keys).send(seeded.client), 400)
    assert_4xx(seeded.ri.update(seeded.realty_id, [{"id": i} for i in many]).send(seeded.client), 400)
    assert state(seeded) == before


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<ns2:uploadTicketRequest xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0">
<attachmentContentType>&lol9;</attachmentContentType></ns2:uploadTicketRequest>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ns2:attachment xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ns2:Picture" id="&xxe;">
<pictureType>IMAGE</pictureType><title>&xxe;</title></ns2:attachment>"""
XXE_PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<ns2:attachmentsOrder xmlns:ns2="http://rest.immobilienscout24.de/schema/offer/realestateproject/1.0"/>"""


@pytest.mark.parametrize(
    ("path", "body"),
    [("/attachment/upload-ticket", BILLION_LAUGHS), ("/attachment", XXE), ("/attachment/order", XXE_PARAMETER)],
    ids=["billion-laughs", "external-entity", "parameter-entity"],
)
def test_xml_bombs_and_external_entities(seeded: Actor, path: str, body: bytes) -> None:
    before = state(seeded)
    method = "PUT" if path.endswith("order") else "POST"
    request = seeded.is24.signed(method, f"{IS24_BASE}/{seeded.project_id}{path}", body, "application/xml")
    started = time.monotonic()
    response = request.send(seeded.client)
    assert_4xx(response, 400)
    assert time.monotonic() - started < 5
    assert b"root:" not in response.content and b"lollol" not in response.content
    assert state(seeded) == before


# -- wrong types ----------------------------------------------------------------------------

WRONG_TICKETS = [123, None, [], {}, "text/html", "image/svg+xml", "", "image/jpeg\r\nX: y"]
WRONG_ATTACHMENTS = [
    {"@xsi.type": "realestateproject:Picture", "@id": 123, "pictureType": "IMAGE", "title": "A title"},
    {"@xsi.type": "realestateproject:Picture", "@id": str(uuid.uuid4()), "pictureType": ["IMAGE"]},
    {"@xsi.type": "realestateproject:Picture", "@id": str(uuid.uuid4()), "pictureType": "IMAGE", "title": {"a": 1}},
    {"@xsi.type": "realestateproject:Bogus", "@id": str(uuid.uuid4())},
    {"@xsi.type": 7},
    {"@xsi.type": "realestateproject:Link", "url": 42, "linkType": "VIRTUAL_TOUR"},
    {"@xsi.type": "realestateproject:Link", "url": "javascript:alert(1)", "linkType": "VIRTUAL_TOUR"},
    {"@xsi.type": "realestateproject:Link", "url": "https://evil.example/tour", "linkType": "VIRTUAL_TOUR"},
    {"@xsi.type": "realestateproject:PDFDocument", "@id": str(uuid.uuid4()), "pdfDocumentType": True},
    [],
    "a string",
]
WRONG_ORDERS = ["not a list", 5, [1, 2], [None], {"a": "b"}, [["x"]]]
WRONG_SAVES = ["x", [1], [{"key": 5}], [{"key": None}], [{"description": "no key"}], None, {"key": "k"},
               [{"key": "uploads/x", "description": 7}], []]  # fmt: skip
WRONG_UPDATES = ["x", [{"id": "not-a-uuid"}], [{"id": 5}], [{}], [{"id": str(uuid.uuid4()), "description": []}]]


def test_wrong_types_everywhere(seeded: Actor) -> None:
    before = state(seeded)
    client, is24, ri, pid, rid = seeded.client, seeded.is24, seeded.ri, seeded.project_id, seeded.realty_id
    for value in WRONG_TICKETS:
        body = json.dumps({"realestateproject.uploadTicketRequest": {"attachmentContentType": value}}).encode()
        assert_4xx(is24.signed("POST", f"{IS24_BASE}/{pid}/attachment/upload-ticket", body, JSON).send(client))
    for attachment in WRONG_ATTACHMENTS:
        assert_4xx(is24.assign(pid, attachment).send(client))  # type: ignore[arg-type]
    for ids in WRONG_ORDERS:
        body = json.dumps({"realestateproject.attachmentsOrder": {"attachmentId": ids}}).encode()
        assert_4xx(is24.signed("PUT", f"{IS24_BASE}/{pid}/attachment/order", body, JSON).send(client))
    for body in (b"", b"null", b"[]", b'"x"', b"{", b"\xff\xfe", json.dumps({"wrong.root": {}}).encode()):
        assert_4xx(is24.signed("POST", f"{IS24_BASE}/{pid}/attachment", body, JSON).send(client))
    for images in WRONG_SAVES:
        request = ri.save(rid, [])
        body = json.dumps({"uploadedImages": images}).encode()
        assert_4xx(Request("POST", request.path, request.headers, body).send(client), 400)
    for images in WRONG_UPDATES:
        request = ri.update(rid, [])
        body = json.dumps({"realtyImages": images}).encode()
        assert_4xx(Request("PUT", request.path, request.headers, body).send(client), 400)
    for type_ in ("text/html", "image/svg+xml", "", "image/jpeg;x", "application/pdf"):
        request = ri.upload_grant()
        assert_4xx(Request("GET", f"{REALTY_IMAGE_BASE}/uploadGrants?type={type_}", request.headers).send(client), 400)
    for request_id in ("not-a-uuid", "", "1" * 300):
        request = ri.save(rid, ["uploads/x"])
        headers = {**request.headers, "Request-ID": request_id}
        assert_4xx(Request("POST", request.path, headers, request.body).send(client), 400)
    headers = {k: v for k, v in ri.save(rid, ["uploads/x"]).headers.items() if k != "Request-ID"}
    assert_4xx(Request("POST", ri.save(rid, []).path, headers, b'{"uploadedImages": []}').send(client), 400)
    # A body in a type the resource does not read.
    assert_4xx(is24.signed("POST", f"{IS24_BASE}/{pid}/attachment", b"a=b", "text/plain").send(client), 415)
    request = ri.save(rid, ["uploads/x"])
    headers = {**request.headers, "Content-Type": "application/x-www-form-urlencoded"}
    assert_4xx(Request("POST", request.path, headers, b"uploadedImages=x").send(client), 415)
    assert state(seeded) == before


# -- paths, keys and encodings ---------------------------------------------------------------

TRAVERSALS = [
    "/files/../../etc/passwd",
    "/files/..%2f..%2f..%2fetc%2fpasswd",
    "/files/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/files/%252e%252e%252fetc%252fpasswd",
    "/files/realties/..%5c..%5cetc%5cpasswd",
    "/files/%00",
    "/files//etc/passwd",
    "/files/.incoming/x.part",
    "/storage/../../etc/passwd",
    "/realty-image/v2/realty/..%2f..%2fuploadGrants/images",
]


def test_path_traversal_and_encoding_tricks(seeded: Actor) -> None:
    before = state(seeded)
    netloc = urlsplit(seeded.stack.url).netloc
    for path in TRAVERSALS:
        status, _, body = raw_http(seeded.stack, f"GET {path} HTTP/1.1\r\nHost: {netloc}\r\n\r\n".encode())
        assert 400 <= status < 500, (path, status)
        assert b"root:" not in body
    pid, rid = seeded.project_id, seeded.realty_id
    existing = seeded.attachment_ids()[0]
    for project in ("..%2f1", f"{pid}%2f..%2f{pid}", f"{pid}.0", f"+{pid}", f"0x{pid:x}", "-1",
                    f"{pid}%00", "9" * 40):  # fmt: skip
        response = seeded.is24.signed("GET", f"{IS24_BASE}/{project}/attachment").send(seeded.client)
        assert_4xx(response, 400, 401, 403, 404)
    for attachment in ("..%2f..%2fx", f"{existing}%2f..", "%2e%2e", existing.upper(), "*", "%25"):
        response = seeded.is24.signed("DELETE", f"{IS24_BASE}/{pid}/attachment/{attachment}").send(seeded.client)
        assert_4xx(response, 400, 401, 404, 412)
    for realty in ("..%2f..", rid.upper() + "%2f..", "not-a-uuid", rid + "%00"):
        response = Request("GET", f"{REALTY_IMAGE_BASE}/realty/{realty}/images", seeded.ri.images(rid).headers)
        assert_4xx(response.send(seeded.client), 400, 404)
    assert state(seeded) == before


def test_project_id_in_other_digits_names_no_project(seeded: Actor) -> None:
    fullwidth = "".join(quote(chr(0xFF10 + int(d))) for d in str(seeded.project_id))
    response = seeded.is24.signed("GET", f"{IS24_BASE}/{fullwidth}/attachment").send(seeded.client)
    assert_4xx(response, 404)


def test_nul_bytes_in_ids(seeded: Actor) -> None:
    before = state(seeded)
    existing = seeded.attachment_ids()[0]
    for attachment in (existing + "%00", "%00" * 36, existing[:-1] + "%00"):
        for method in ("GET", "DELETE"):
            response = seeded.is24.signed(method, f"{IS24_BASE}/{seeded.project_id}/attachment/{attachment}")
            assert_4xx(response.send(seeded.client), 400, 404, 412)
    assert state(seeded) == before


def test_storage_key_traversal(local_stack: Stack) -> None:
    """A key is chosen by the service, but the local endpoint must not trust even a signed one. As on S3,
    such keys are keys (any UTF-8): each is stored as itself, and none names a path outside the bucket."""
    storage = local_stack.core.storage
    assert isinstance(storage, LocalStorage)
    data_dir = storage.root.parent.parent

    def outside() -> set[object]:  # every path of the data directory but the bucket's and the database's
        return {
            path
            for path in data_dir.rglob("*")
            if not path.is_relative_to(storage.root) and not path.name.startswith("realtymedia.sqlite3")
        }

    before = outside()
    with httpx.Client(timeout=30) as client:
        for key in ("../../escaped.jpg", "/abs.jpg", "a/../../b.jpg", "a\\..\\..\\b.jpg", "a/\x00b.jpg", ".incoming/x"):
            form = storage.presign_post(key, "image/jpeg", 1024 * 1024, 60, local_stack.url, {})
            content = jpeg()
            response = post_form(client, form.url, form.fields, content)
            assert response.status_code == 204, response.text
            with storage.open(key) as stored:
                assert stored.read() == content
            storage.delete(key)
    assert outside() == before, "an upload wrote outside the bucket's folder"
    assert list(storage.incoming.iterdir()) == []


def test_header_injection_in_titles_and_descriptions(seeded: Actor) -> None:
    before = state(seeded)
    for title in ("Nice <script>alert(1)</script>", "Bad\x00title", "Esc\x1b[31m", "Bell\x07rings"):
        attachment_id = seeded.upload_ticket(jpeg(9))
        response = seeded.is24.assign_picture(seeded.project_id, attachment_id, title).send(seeded.client)
        assert_4xx(response, 412)
        assert "x-injected" not in response.headers
    for description in ("b\x00c", "\x1b]0;title\x07", "bell\x07"):
        key = seeded.granted(jpeg(10))
        request = seeded.ri.save(seeded.realty_id, [])
        body = json.dumps({"uploadedImages": [{"key": key, "description": description}]}).encode()
        response = Request("POST", request.path, request.headers, body).send(seeded.client)
        assert_4xx(response, 400)
        assert "set-cookie" not in response.headers
    assert state(seeded) == before


def test_crlf_in_a_title_or_description_never_reaches_a_header(seeded: Actor) -> None:
    """IS24 allows any whitespace in a title (\\s), and a description may have lines: a CRLF may be
    stored, but only ever as body text, never as a header."""
    key = seeded.granted(jpeg(13))
    request = seeded.ri.save(seeded.realty_id, [])
    body = json.dumps({"uploadedImages": [{"key": key, "description": "a\r\nSet-Cookie: x=y"}]}).encode()
    saved = Request("POST", request.path, request.headers, body).send(seeded.client)
    assert saved.status_code in (200, 400) and "set-cookie" not in saved.headers
    listed = seeded.ri.images(seeded.realty_id)
    status, headers, _ = raw_http(seeded.stack, listed.raw(urlsplit(seeded.stack.url).netloc))
    assert status == 200 and "set-cookie" not in headers
    attachment_id = seeded.upload_ticket(jpeg(11))
    title = "Nice\r\nX-Injected: yes"
    response = seeded.is24.assign_picture(seeded.project_id, attachment_id, title).send(seeded.client)
    assert response.status_code in (201, 412), response.text
    for accept in (JSON, "application/xml"):
        listed = seeded.is24.attachments(seeded.project_id, accept).send(seeded.client)
        assert listed.status_code == 200
        assert "x-injected" not in listed.headers
        again = seeded.is24.attachments(seeded.project_id, accept)
        status, headers, _ = raw_http(seeded.stack, again.raw(urlsplit(seeded.stack.url).netloc))
        assert status == 200 and "x-injected" not in headers


# -- files: polyglots, truncation, bombs, PDFs -----------------------------------------------

GIF_HTML = b"GIF89a/*\x00\x00<html><script>alert(1)</script></html>"
PDF_HTML = b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
BAD_FILES = [
    ("image/gif", GIF_HTML, "found a damaged or truncated GIF"),
    ("application/pdf", PDF_HTML, "found a damaged PDF"),
    ("image/png", SVG, "found markup"),
    ("image/jpeg", image_bytes("JPEG", (400, 300))[:-500], "truncated"),
    ("image/png", image_bytes("PNG", (300, 300))[:200], "truncated"),
    ("image/png", pixel_bomb_png(), "30000x30000"),
    ("application/pdf", pdf_bytes(encrypted=True), "encrypted"),
    ("application/pdf", pdf_bytes(javascript=True), "JavaScript"),
    ("image/jpeg", image_bytes("PNG"), "found image/png"),
]


@pytest.mark.parametrize(("declared", "content", "found"), BAD_FILES, ids=[f"{d}-{f}" for d, _, f in BAD_FILES])
def test_bad_files_are_refused_by_assign(seeded: Actor, declared: str, content: bytes, found: str) -> None:
    before = state(seeded)
    attachment_id = seeded.upload_ticket(content, declared)
    if declared == "application/pdf":
        attachment = {"@xsi.type": "realestateproject:PDFDocument", "@id": attachment_id, "pdfDocumentType": "BROCHURE"}
    else:
        attachment = {"@xsi.type": "realestateproject:Picture", "@id": attachment_id, "pictureType": "IMAGE",
                      "title": "Photo"}  # fmt: skip
    response = seeded.is24.assign(seeded.project_id, attachment).send(seeded.client)
    assert_4xx(response, 412)
    text = response.text.replace("\\/", "/")  # IS24's JSON escapes slashes
    assert found in text and f"declared {declared}" in text
    assert state(seeded) == before


def test_refusals_do_not_name_server_paths(seeded: Actor) -> None:
    attachment_id = seeded.upload_ticket(GIF_HTML, "image/gif")
    response = seeded.is24.assign_picture(seeded.project_id, attachment_id).send(seeded.client)
    assert response.status_code == 412
    data_dir = str(seeded.stack.settings.resolved_data_dir)
    assert data_dir not in response.text.replace("\\/", "/")
    assert "objects/" not in response.text.replace("\\/", "/")


@pytest.mark.parametrize(
    ("declared", "content", "found"),
    [f for f in BAD_FILES if f[0] != "application/pdf" and f[0] != "image/gif"],
    ids=[f"{d}-{f}" for d, _, f in BAD_FILES if d not in ("application/pdf", "image/gif")],
)
def test_bad_files_are_refused_by_save(seeded: Actor, declared: str, content: bytes, found: str) -> None:
    before = state(seeded)
    good = seeded.granted(jpeg(12))
    bad = seeded.granted(content, declared)
    response = seeded.ri.save(seeded.realty_id, [good, bad]).send(seeded.client)
    assert_4xx(response, 400)
    assert found in response.text and "uploadedImages[1]" in response.text
    assert state(seeded) == before  # all or none: the good one is not saved either


# -- credentials ----------------------------------------------------------------------------


def signed_with(
    actor: Actor, user: User, method: str = "GET", path: str | None = None, **client_args: object
) -> Request:
    path = path or f"{IS24_BASE}/{actor.project_id}/attachment"
    client = oauth1.Client(user.consumer_key, client_secret=user.consumer_secret, resource_owner_key=user.access_token,
                           resource_owner_secret=user.access_secret, **client_args)  # type: ignore[arg-type]  # fmt: skip
    _, headers, _ = client.sign(actor.stack.url + path, method)
    return Request(method, path, {"Accept": JSON, "Authorization": headers["Authorization"]})


def test_forged_and_replayed_signatures_and_tokens(seeded: Actor) -> None:
    before = state(seeded)
    user = seeded.user
    first = signed_with(seeded, user)
    assert first.send(seeded.client).status_code == 200
    assert_4xx(first.send(seeded.client), 401)  # the same nonce again: a replay
    forged = [
        signed_with(
            seeded,
            User(user.username, user.consumer_key, "wrong-secret", user.access_token, user.access_secret, user.bearer),
        ),  # fmt: skip
        signed_with(
            seeded,
            User(
                user.username,
                user.consumer_key,
                user.consumer_secret,
                user.access_token,
                "wrong-token-secret",
                user.bearer,
            ),
        ),  # fmt: skip
        signed_with(
            seeded,
            User(
                user.username,
                "unknown-consumer",
                user.consumer_secret,
                user.access_token,
                user.access_secret,
                user.bearer,
            ),
        ),  # fmt: skip
        signed_with(seeded, user, timestamp=str(int(time.time()) - 3600)),
        signed_with(seeded, user, signature_method=oauth1.SIGNATURE_PLAINTEXT),
    ]
    # Signed for another URL, sent to this one.
    elsewhere = signed_with(seeded, user, path=f"{IS24_BASE}/{seeded.project_id}")
    forged.append(Request("GET", f"{IS24_BASE}/{seeded.project_id}/attachment", elsewhere.headers))
    # Signed as GET, sent as DELETE.
    target = seeded.attachment_ids()[0]
    as_get = signed_with(seeded, user, path=f"{IS24_BASE}/{seeded.project_id}/attachment/{target}")
    forged.append(Request("DELETE", as_get.path, as_get.headers))
    for request in forged:
        assert_4xx(request.send(seeded.client), 401)
    bearer = seeded.ri.images(seeded.realty_id)
    for token in ("rm_forged", user.bearer + "x", user.bearer[:-1], "null", f"{user.consumer_key}"):
        headers = {**bearer.headers, "Authorization": f"Bearer {token}"}
        assert_4xx(Request("GET", bearer.path, headers).send(seeded.client), 400, 401, 403)
    # A web session: forged cookie, and a real one without its CSRF token on a change.
    made = web_sessions.login(seeded.stack.core, user.username, "pw")
    assert made is not None
    cookie = made.cookie
    tampered = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    for value, csrf in ((tampered, None), (cookie, None), (cookie, "wrong")):
        request = seeded.ri.save(seeded.realty_id, ["uploads/x"])
        headers = {k: v for k, v in request.headers.items() if k != "Authorization"}
        headers["Cookie"] = f"{web_sessions.COOKIE}={value}"
        if csrf:
            headers[web_sessions.CSRF_HEADER] = csrf
        assert_4xx(Request("POST", request.path, headers, request.body).send(seeded.client), 401)
        delete = {
            k: v for k, v in seeded.is24.delete(seeded.project_id, target).headers.items() if k != "Authorization"
        }
        delete["Cookie"] = headers["Cookie"]
        assert_4xx(
            Request("DELETE", f"{IS24_BASE}/{seeded.project_id}/attachment/{target}", delete).send(seeded.client), 401
        )
    assert state(seeded) == before


def test_one_users_credentials_against_anothers_resources(seeded: Actor, bob: Actor) -> None:
    alice = seeded
    before = state(alice)
    mine = alice.attachment_ids()[0]
    image = alice.image_ids()[0]
    upload = alice.upload_ticket(jpeg(20))
    granted = alice.granted(jpeg(21))
    theirs = IS24(bob.stack.url, bob.user)
    refused = [
        theirs.attachments(alice.project_id),
        theirs.upload_ticket(alice.project_id),
        theirs.assign_picture(alice.project_id, upload),
        theirs.assign_picture(bob.project_id, upload),  # alice's upload, into bob's project
        theirs.order(alice.project_id, [mine]),
        theirs.delete(alice.project_id, mine),
        theirs.signed("GET", f"{IS24_BASE.replace('/me/', f'/{alice.user.username}/')}/{alice.project_id}/attachment"),
        bob.ri.images(alice.realty_id),
        bob.ri.save(alice.realty_id, [bob.granted(jpeg(22))]),
        bob.ri.save(bob.realty_id, [granted]),  # alice's upload, into bob's realty
        bob.ri.update(alice.realty_id, [{"id": i} for i in alice.image_ids()]),
        bob.ri.delete(alice.realty_id, image),
        bob.ri.copy(bob.realty_id, alice.realty_id),
        bob.ri.copy(alice.realty_id, bob.realty_id),
    ]
    for request in refused:
        response = request.send(bob.client)
        assert_4xx(response, 400, 403, 404)
        assert alice.user.username not in response.text or response.status_code == 403
    assert state(alice) == before
    assert bob.image_ids() == [] and bob.attachment_ids() == []
    # And alice's own upload and grant are still hers to use.
    assert alice.is24.assign_picture(alice.project_id, upload).send(alice.client).status_code == 201
    assert alice.ri.save(alice.realty_id, [granted]).send(alice.client).status_code == 200
