"""Requests that cost the service memory or connections before any account is checked: bodies over
the bound (413, in each part's own format), heads that are too large, too many or too slow (431,
414, 408), bodies that stop coming (408). Raw sockets, for what an HTTP client will not send."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import STACKS, start_stack
from tests.faults.conftest import Actor
from tests.support import Stack

REALTY_IMAGE = "/realty-image/v2"
IS24_ASSIGN = "/restapi/api/offer/v1.0/user/me/realestateproject/1/attachment"
HUNDRED_MIB = 100 * 1024 * 1024


def connect(stack: Stack, timeout: float = 30) -> socket.socket:
    address = urlsplit(stack.url)
    return socket.create_connection((address.hostname, address.port), timeout=timeout)  # type: ignore[arg-type]


def read_answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One response (status, headers, body); the connection may close after it."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed without an answer after {received[:200]!r}")
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


def head_of(method: str, path: str, stack: Stack, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {urlsplit(stack.url).netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def declared(
    stack: Stack, method: str, path: str, headers: dict[str, str], length: int = HUNDRED_MIB
) -> tuple[int, dict[str, str], bytes]:
    """A head that declares `length` bytes of body, and none of the body: an answer must come
    without waiting for it (the socket's deadline is far longer than any answer takes)."""
    with connect(stack) as sock:
        sock.sendall(head_of(method, path, stack, {**headers, "Content-Length": str(length)}))
        return read_answer(sock)


def chunked(
    stack: Stack, method: str, path: str, headers: dict[str, str], size: int
) -> tuple[int, dict[str, str], bytes]:
    """`size` bytes of body sent chunked (no length declared); the server may stop reading early."""
    with connect(stack) as sock:
        sock.sendall(head_of(method, path, stack, {**headers, "Transfer-Encoding": "chunked"}))
        piece = b"a" * 65536
        sent = 0
        try:
            while sent < size:
                sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
                sent += len(piece)
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused and closed before the end: the answer is already there
        return read_answer(sock)


# -- bodies: 413 in the format of the part they were sent to ---------------------------------


def test_realty_image_413_is_the_vendors_body_with_the_request_id(alice: Actor) -> None:
    stack, rid = alice.stack, str(uuid.uuid4())
    headers = {"Authorization": f"Bearer {alice.user.bearer}", "Request-ID": rid, "Content-Type": "application/json"}
    path = f"{REALTY_IMAGE}/realty/{alice.realty_id}/images"
    for status, answer_headers, body in (
        declared(stack, "POST", path, headers),
        chunked(stack, "POST", path, headers, 6 * 1024 * 1024),
        declared(stack, "PUT", path, {**headers, "Authorization": "Bearer forged"}),  # before any credentials
    ):
        assert status == 413, body[:300]
        assert answer_headers["content-type"].startswith("application/json")
        assert answer_headers["request-id"] == rid
        assert answer_headers["x-content-type-options"] == "nosniff"
        document = json.loads(body)
        assert document["errorCode"] == "PAYLOAD_TOO_LARGE"
        assert str(4 * 1024 * 1024) in document["message"]
    assert alice.image_ids() == []


def test_realty_image_openapi_lists_the_413(stack: Stack) -> None:
    document = httpx.get(f"{stack.url}{REALTY_IMAGE}/openapi.json", timeout=30).json()
    save = document["paths"]["/realty/{realtyId}/images"]["post"]["responses"]
    assert "413" in save and "PAYLOAD_TOO_LARGE" in save["413"]["description"]
    assert "413" not in document["paths"]["/uploadGrants"]["get"]["responses"]  # no body, no 413


def test_is24_413_is_a_common_message_with_the_refnum(stack: Stack) -> None:
    """In the representation asked for (the OAuth token endpoints answered XML to a JSON client)."""
    for media_type in ("application/xml", "application/json"):
        headers = {"Accept": media_type, "Content-Type": "application/json"}
        for status, answer_headers, body in (
            declared(stack, "POST", IS24_ASSIGN, headers),
            chunked(stack, "POST", IS24_ASSIGN, headers, 3 * 1024 * 1024),
            declared(stack, "POST", "/restapi/security/oauth/request_token", headers),
        ):
            assert status == 413, body[:300]
            assert answer_headers["content-type"].startswith(media_type)
            assert uuid.UUID(answer_headers["l-is24-requestrefnum"])
            assert b"ERROR_COMMON_BAD_REQUEST" in body and b"larger than 1048576 bytes" in body


def test_the_confirm_access_form_is_bounded(stack: Stack) -> None:
    """It read a form of any size (request.form()) before checking anything."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    path = "/restapi/security/oauth/confirm_access"
    for status, _, body in (
        declared(stack, "POST", path, headers),
        chunked(stack, "POST", path, headers, 3 * 1024 * 1024),
    ):
        assert status == 413, body[:300]


def test_web_login_body_is_bounded(stack: Stack) -> None:
    """/web/login read 300 MB into memory, then hashed it; a declared 100 MiB was awaited."""
    headers = {"Content-Type": "application/json"}
    for status, answer_headers, body in (
        declared(stack, "POST", "/web/login", headers),
        chunked(stack, "POST", "/web/login", headers, 1024 * 1024),
        declared(stack, "POST", "/healthz", headers),  # every route of the root app, not only the login
    ):
        assert status == 413, body[:300]
        assert answer_headers["connection"] == "close"
        assert json.loads(body)["errorCode"] == "PAYLOAD_TOO_LARGE"
    # A login of ordinary size still gets its answer.
    response = httpx.post(f"{stack.url}/web/login", json={"username": "nobody", "password": "x"}, timeout=30)
    assert response.status_code == 401


# -- heads: size, count, request line ----------------------------------------------------------


def test_a_20_mb_header_is_refused_431_long_before_its_end(stack: Stack) -> None:
    """httptools buffers a header until its end: 20 MB was answered 200, a pending 200 MB grew the
    process by 260 MB. Now the head is refused once past 32 KiB, and the connection closed."""
    with connect(stack) as sock:
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {urlsplit(stack.url).netloc}\r\nX-Big: ".encode())
        sent = 0
        try:
            while sent < 20 * 1024 * 1024:
                sock.sendall(b"a" * 65536)
                sent += 65536
            sock.sendall(b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, headers, body = read_answer(sock)
    assert status == 431, body[:200]
    assert headers["connection"] == "close"
    assert sent < 20 * 1024 * 1024, "the server read the whole header"


def test_too_many_headers_and_a_long_request_line(stack: Stack) -> None:
    many = {f"X-H{i}": "v" for i in range(200)}
    with connect(stack) as sock:
        sock.sendall(head_of("GET", "/healthz", stack, many))
        assert read_answer(sock)[0] == 431
    # Within the size, the count and the line: still answered.
    with connect(stack) as sock:
        sock.sendall(head_of("GET", "/healthz", stack, {f"X-H{i}": "v" * 100 for i in range(90)}))
        assert read_answer(sock)[0] == 200
    with connect(stack) as sock:
        sock.sendall(head_of("GET", "/healthz?" + "q" * 20_000, stack, {}))
        assert read_answer(sock)[0] == 414


# -- deadlines: heads and bodies that stop coming ------------------------------------------------


@pytest.fixture(scope="module", params=STACKS)
def quick(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack with short deadlines, so that the tests need not wait the production ones."""
    yield from start_stack(
        request.param,
        request,
        tmp_path_factory,
        request_head_timeout_seconds=1,
        request_body_idle_seconds=1,
        request_body_timeout_seconds=3,
    )


def test_a_half_sent_head_is_answered_408(quick: Stack) -> None:
    with connect(quick, timeout=20) as sock:
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {urlsplit(quick.url).netloc}\r\nX-Slow: ".encode())
        status, headers, _ = read_answer(sock)  # before the socket's 20 s: refused, not awaited
        assert status == 408 and headers["connection"] == "close"
        assert sock.recv(10) == b""
    # Trickled a byte at a time, each well within the server's keep-alive: the head's own deadline.
    with connect(quick, timeout=20) as sock:
        status = 0
        for byte in b"GET /healthz HTTP/1.1\r\nX-Slow: " + b"a" * 100:
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(0.1)
        status = read_answer(sock)[0]
        assert status == 408


def test_a_connection_that_sends_nothing_is_closed(quick: Stack) -> None:
    with connect(quick, timeout=20) as sock:
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408")


def test_a_body_that_stops_coming_is_answered_408(quick: Stack) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": "1000"}
    with connect(quick, timeout=20) as sock:
        sock.sendall(head_of("POST", "/web/login", quick, headers) + b'{"username": ')
        status, headers_, _ = read_answer(sock)
        assert status == 408 and headers_["connection"] == "close"
    # A byte every 0.3 s never leaves the body idle for its 1 s, yet the whole body has 3 s.
    with connect(quick, timeout=20) as sock:
        sock.sendall(head_of("POST", "/web/login", quick, headers))
        try:
            for _ in range(200):
                sock.sendall(b" ")
                time.sleep(0.3)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert read_answer(sock)[0] == 408


def test_keep_alive_and_slow_answers_are_not_cut(quick: Stack) -> None:
    """The deadlines are for heads and bodies in transit only: a connection idle between requests
    (shorter than uvicorn's keep-alive of 5 s) and a request that arrived whole are left alone."""
    with connect(quick, timeout=20) as sock:
        for _ in range(3):
            sock.sendall(head_of("GET", "/healthz", quick, {}))
            assert read_answer(sock)[0] == 200
            time.sleep(1.5)
    body = json.dumps({"username": "nobody", "password": "x"}).encode()
    with connect(quick, timeout=20) as sock:
        sock.sendall(
            head_of("POST", "/web/login", quick, {"Content-Type": "application/json", "Content-Length": str(len(body))})
        )
        time.sleep(0.5)
        sock.sendall(body)
        assert read_answer(sock)[0] == 401
