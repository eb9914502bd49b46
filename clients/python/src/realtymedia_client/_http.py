"""What both clients share: retries, the direct POST to object storage, and facts about local files."""

from __future__ import annotations

import hashlib
import mimetypes
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any, Self
from xml.etree import ElementTree

import httpx

from realtymedia_client._errors import StorageError, TransportError

ProgressCallback = Callable[[int, int], None]
"""Called with (bytes sent so far, total bytes) while a file goes to storage."""

# Statuses after which the same request may succeed; only requests that are safe to repeat are retried.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_MAGIC = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
]


def parse_xml(content: bytes) -> ElementTree.Element:
    """An XML answer of the service or the storage, by the standard library's parser: it resolves
    no external entities, and the expat it is built on (2.4.1 or later) refuses entity expansion
    bombs, which is what defusedxml guards against; keeping it out keeps the SDK on httpx alone."""
    return ElementTree.fromstring(content)  # noqa: S314  # see the docstring


def content_type_of(path: Path) -> str:
    """What the file's first bytes say it is; its extension only when they say nothing we know."""
    with path.open("rb") as handle:
        head = handle.read(16)
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Connections:
    """What each dialect's client holds: its connection pool to the service, and one to storage,
    which gets no credentials of ours (the signed form is its own authorisation). Use the client
    as a context manager, or ``close()`` it."""

    def __init__(self, timeout: float, retries: int, transport: httpx.BaseTransport | None, **service: Any) -> None:
        self.retries = retries
        self._http = httpx.Client(timeout=timeout, transport=transport, **service)
        self._storage = httpx.Client(timeout=timeout, transport=transport)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
        self._storage.close()


# A rate limit's refusal names how long to wait (Retry-After); waits longer than this, or beyond
# it in all for one request, are not begun: the refusal is the answer (RateLimited).
RATE_LIMIT_WAIT = 30.0


def with_retries(
    send: Callable[[], httpx.Response], retries: int, backoff: float = 0.25, *, only_refusals: bool = False
) -> httpx.Response:
    """Send, and send again after a transport error or a passing status, up to `retries` more times;
    after a rate limit's refusal, after the wait its Retry-After names, for as long as those waits
    add up to at most RATE_LIMIT_WAIT (several clients of one credential take turns at its limit).

    `send` builds the request anew each time (a fresh OAuth nonce), but must keep anything that
    makes a repeat harmless (the Realty Image API's Request-ID). A request that is not harmless to
    repeat is still sent again after a rate limit's refusal (``only_refusals``): the service
    refuses it before doing anything.
    """
    attempt = 0
    waited = 0.0
    while True:
        try:
            response = send()
        except httpx.TransportError as error:
            if attempt >= retries or only_refusals:
                raise TransportError(f"{type(error).__name__}: {error}") from error
            wait = backoff * 2**attempt
            attempt += 1
        else:
            asked = _retry_after(response)
            if response.status_code not in RETRY_STATUSES:
                return response
            if asked is None:  # a passing status: `retries` more times, backing off
                if attempt >= retries or only_refusals:
                    return response
                wait = backoff * 2**attempt
                attempt += 1
            else:  # a rate limit's refusal: as long as the waits it names stay within the bound
                wait = max(asked, backoff)
                if waited + wait > RATE_LIMIT_WAIT or (only_refusals and response.status_code != 429):
                    return response
                waited += wait
        time.sleep(wait)


def _retry_after(response: httpx.Response) -> float | None:
    """The seconds a refusal asks to wait (Retry-After in seconds), or None."""
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None


class _Counting:
    """A file that reports how much of it httpx has read into the request body."""

    def __init__(self, handle: IO[bytes], total: int, progress: ProgressCallback | None) -> None:
        self._handle = handle
        self._total = total
        self._progress = progress
        self._sent = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        self._sent += len(chunk)
        if self._progress is not None:
            self._progress(self._sent, self._total)
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        if offset == 0 and whence == 0:
            self._sent = 0
        return self._handle.seek(offset, whence)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


def post_to_storage(
    http: httpx.Client,
    url: str,
    fields: Mapping[str, str],
    path: Path,
    content_type: str,
    progress: ProgressCallback | None = None,
    retries: int = 2,
) -> None:
    """The S3 browser POST: every field of the form, then the file last. Repeating it is harmless
    (the same key is written again), so transport errors and passing statuses are retried."""
    total = path.stat().st_size

    def send() -> httpx.Response:
        with path.open("rb") as handle:
            files = {"file": (path.name, _Counting(handle, total, progress), content_type)}
            return http.post(url, data=dict(fields), files=files)  # type: ignore[arg-type]  # a file-like enough

    response = with_retries(send, retries)
    if response.status_code >= 300:
        code, message = "HTTP_" + str(response.status_code), response.text[:300]
        try:
            root = parse_xml(response.content)
            code = root.findtext("Code") or code
            message = root.findtext("Message") or message
        except ElementTree.ParseError:
            pass
        raise StorageError(response.status_code, code, message)
