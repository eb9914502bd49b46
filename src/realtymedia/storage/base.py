"""The storage interface that the use cases see."""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO, Protocol

if TYPE_CHECKING:
    from starlette.responses import Response
    from starlette.routing import BaseRoute


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS has one, as on Linux; all of
    the machine's elsewhere, as on macOS)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class StorageError(Exception):
    """The backend failed (not: an object is missing, which `head` answers with None)."""


@dataclass(frozen=True)
class UploadForm:
    """An S3 browser-POST form: send every field, then the file as field `file`, to `url`."""

    url: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ObjectInfo:
    size: int


class Storage(Protocol):
    name: str
    bucket: str
    # How many calls (head, open, copy) a process gains from making at once: round trips overlap on
    # S3; on local disk they are CPU and syscalls, so more threads than cores only contend for the GIL.
    parallel: int

    def presign_post(
        self, key: str, content_type: str | None, max_size: int, expires_in: int, base_url: str, extra: dict[str, str]
    ) -> UploadForm:
        """A signed form that lets a client store one file of 1..max_size bytes at `key`: of exactly
        `content_type`, or, when None, with no Content-Type field at all. Signed with temporary
        credentials, so the form always carries an X-Amz-Security-Token, as the vendors' do."""
        ...

    def head(self, key: str) -> ObjectInfo | None: ...

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """The object's bytes as a seekable binary file."""
        ...

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` at `key` (replacing what was there), visible only once complete."""
        ...

    def copy(self, source: str, target: str, content_type: str | None = None) -> None:
        """A server-side copy; no bytes pass through the service. The copy is stored as
        `content_type` when given (the checked type, where the upload declared none)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; removing one that is not there is not an error."""
        ...

    def list_keys(self, prefix: str) -> list[str]:
        """Every stored key that starts with `prefix`, sorted."""
        ...

    def file_url(self, key: str, base_url: str) -> str:
        """Where clients read the stored object."""
        ...

    def serve(
        self,
        key: str,
        content_type: str,
        headers: Mapping[str, str],
        request_headers: Mapping[str, str],
        method: str = "GET",
    ) -> Response | None:
        """The answer to a GET or HEAD (`method`) of a stored object at its file URL, with `headers`
        added: its bytes, a 304 when the request's If-None-Match or If-Modified-Since says the client
        has them (storage.conditional), a redirect to where the backend serves them itself for that
        method, or None when there is no such object. Blocking: call it off the event loop."""
        ...

    def routes(self) -> list[BaseRoute]:
        """The HTTP routes this backend needs the service to answer (the local backend answers its
        tickets' POST forms itself; S3 needs none)."""
        ...

    def remove_abandoned(self, older_than_seconds: float) -> int:
        """Remove partial uploads left by a crash mid-upload, older than this; returns how many."""
        ...
