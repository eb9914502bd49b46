"""HTTP side of the local backend: the S3-compatible browser POST, and reading stored files.

The POST is parsed as a stream: form fields are checked against the signed policy when the
file part begins, the file goes to disk in chunks under a temporary name, and only a complete,
in-policy file is renamed to its key. Memory per upload stays at about one write buffer.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit
from xml.sax.saxutils import escape

import anyio
from fastapi import APIRouter, Request, Response
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.routing import BaseRoute
from starlette.types import Scope

from realtymedia.storage.base import Storage
from realtymedia.storage.keys import is_safe_key
from realtymedia.storage.post_policy import (
    MAX_PRE_DATA_BYTES,
    Digest,
    S3Error,
    SizeRange,
    check_form,
    check_key_length,
    declared_digests,
    object_key,
    pre_data_too_large,
)

if TYPE_CHECKING:
    from realtymedia.storage.local import LocalStorage

WRITE_BUFFER = 1024 * 1024
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag, Location"}


# RFC 2046: a boundary has 1 to 70 characters.
MAX_BOUNDARY = 70
# S3's answer to a body that is not multipart/form-data as its Content-Type says.
MALFORMED_POST = S3Error(
    400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data."
)


def s3_error_response(error: S3Error, resource: str = "") -> Response:
    parts = [f"<Code>{escape(error.code)}</Code>", f"<Message>{escape(error.message)}</Message>"]
    parts += [f"<{k}>{escape(v)}</{k}>" for k, v in error.extra.items()]
    if resource:
        parts.append(f"<Resource>{escape(resource)}</Resource>")
    body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>"
    return Response(body, status_code=error.status, media_type="application/xml", headers=CORS)


def slow_down(scope: Scope, seconds: int) -> Response:
    """S3's answer to a client over its request rate (operations.limits adds Retry-After)."""
    return s3_error_response(S3Error(503, "SlowDown", "Please reduce your request rate."))


class _Upload:
    """State of one streaming multipart POST."""

    def __init__(self, storage: LocalStorage, bucket: str, max_body: int) -> None:
        self.storage = storage
        self.bucket = bucket
        self.max_body = max_body
        self.fields: dict[str, str] = {}
        self.key = ""
        self.pre_data = 0  # bytes of the parts before the file, headers included
        self.events: list[tuple[str, Any]] = []
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._current: str | None = None  # "field:<name>", "file", or "skip"
        self._value = bytearray()
        self.file_seen = False
        self.file_done = False
        self.size_range = SizeRange()
        self.size = 0
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.digests: list[Digest] = []
        self.path: Any = None
        self.handle: Any = None
        # Parts of the file not yet written, as the parser sliced them: joined by no one, written in one go.
        self.pending: list[bytes] = []
        self.pending_size = 0

    # Parser callbacks: synchronous, so they only record; `feed` acts on the record.
    def on_part_begin(self) -> None:
        self._headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]
        self._count_pre_data(end - start)

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]
        self._count_pre_data(end - start)

    def _count_pre_data(self, size: int) -> None:
        if not self.file_seen:
            self.pre_data += size
            if self.pre_data > MAX_PRE_DATA_BYTES:
                raise pre_data_too_large()

    def on_header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace").lower()
        if self.file_seen:
            self._current = "skip"  # S3 ignores everything after the file
        elif name == "file":
            self.file_seen = True
            self._current = "file"
            filename = options.get(b"filename")
            self.events.append(("file_begin", None if filename is None else filename.decode("utf-8", "replace")))
        else:
            self._current = f"field:{name}"
            self._value = bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._current == "file":
            self.events.append(("file_data", data[start:end]))
        elif self._current and self._current.startswith("field:"):
            self._value += data[start:end]
            self._count_pre_data(end - start)

    def on_part_end(self) -> None:
        if self._current == "file":
            self.events.append(("file_end", None))
        elif self._current and self._current.startswith("field:"):
            self.fields[self._current[6:]] = self._value.decode("utf-8", "replace")
        self._current = None

    async def handle_events(self) -> None:
        events, self.events = self.events, []
        for kind, data in events:
            if kind == "file_begin":
                # The policy's conditions see the key as it will be stored, `${filename}` replaced.
                self.key = object_key(self.fields, data)
                self.size_range = check_form({**self.fields, "key": self.key}, self.bucket, self.storage.secret_for)
                check_key_length(self.key)
                self.digests = declared_digests(self.fields)
                self.path = self.storage.new_incoming()
                self.handle = await anyio.to_thread.run_sync(open, self.path, "wb")
            elif kind == "file_data":
                self.size += len(data)
                if self.size_range.maximum is not None and self.size > self.size_range.maximum:
                    self.size_range.check(self.size)
                self.pending.append(data)
                self.pending_size += len(data)
                if self.pending_size >= WRITE_BUFFER:
                    await self._flush()
            elif kind == "file_end":
                await self._flush()
                await anyio.to_thread.run_sync(_close_synced, self.handle)
                self.handle = None
                self.file_done = True

    async def _flush(self) -> None:
        if self.pending:
            # The parts go to the thread as they are (no copy), and the digest is taken there too, off the
            # event loop that every upload shares; flushes of one upload run in order, so the MD5 does too.
            chunks, self.pending, self.pending_size = self.pending, [], 0
            await anyio.to_thread.run_sync(self._write, chunks)

    def _write(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self.md5.update(chunk)
            for digest in self.digests:
                digest.hash.update(chunk)
        self.handle.writelines(chunks)

    async def discard(self) -> None:
        if self.handle is not None:
            await anyio.to_thread.run_sync(self.handle.close)
        if self.path is not None:
            await anyio.to_thread.run_sync(_unlink_quietly, self.path)

    def discard_now(self) -> None:
        if self.handle is not None:
            self.handle.close()
        if self.path is not None:
            _unlink_quietly(self.path)


def _close_synced(handle: Any) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()


def _unlink_quietly(path: Any) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def post_routes(local: LocalStorage) -> list[BaseRoute]:
    """The local backend's S3-compatible POST endpoint, at its tickets' URL."""
    router = APIRouter(include_in_schema=False)
    max_upload_bytes = local.max_upload_bytes

    @router.options("/storage/{bucket}")
    async def preflight(bucket: str) -> Response:
        return Response(
            status_code=200,
            headers={
                **CORS,
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": "*",
            },
        )

    @router.post("/storage/{bucket}")
    async def post_object(bucket: str, request: Request) -> Response:
        resource = f"/{bucket}"
        if bucket != local.bucket:
            return s3_error_response(
                S3Error(404, "NoSuchBucket", "The specified bucket does not exist.", {"BucketName": bucket}),
                resource,
            )
        content_type, options = parse_options_header(request.headers.get("content-type", ""))
        boundary = options.get(b"boundary")
        if boundary is not None and len(boundary) > MAX_BOUNDARY:
            return s3_error_response(MALFORMED_POST, resource)
        if content_type != b"multipart/form-data" or not boundary:
            return s3_error_response(
                S3Error(
                    412,
                    "PreconditionFailed",
                    "At least one of the pre-conditions you specified did not hold",
                    {"Condition": "Bucket POST must be of the enclosure-type multipart/form-data"},
                ),
                resource,
            )
        # Refuse a body that cannot fit before reading it. 64 KiB covers the form fields.
        max_body = max_upload_bytes + 64 * 1024
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_body:
            return s3_error_response(
                S3Error(
                    400,
                    "EntityTooLarge",
                    "Your proposed upload exceeds the maximum allowed size",
                    {"ProposedSize": declared, "MaxSizeAllowed": str(max_upload_bytes)},
                ),
                resource,
            )
        upload = _Upload(local, bucket, max_body)
        parser = MultipartParser(
            boundary,
            {
                "on_part_begin": upload.on_part_begin,
                "on_part_data": upload.on_part_data,
                "on_part_end": upload.on_part_end,
                "on_header_field": upload.on_header_field,
                "on_header_value": upload.on_header_value,
                "on_header_end": upload.on_header_end,
                "on_headers_finished": upload.on_headers_finished,
            },
        )
        try:
            received = 0
            async for chunk in request.stream():
                received += len(chunk)
                if received > max_body:
                    raise S3Error(
                        400,
                        "EntityTooLarge",
                        "Your proposed upload exceeds the maximum allowed size",
                        {"ProposedSize": str(received), "MaxSizeAllowed": str(max_upload_bytes)},
                    )
                parser.write(chunk)
                await upload.handle_events()
                if upload.file_done:
                    break  # fields after the file are ignored
            parser.finalize()
            await upload.handle_events()
            if not upload.file_done:
                if not upload.file_seen:
                    check_form(upload.fields, bucket, local.secret_for)
                raise S3Error(
                    400,
                    "InvalidArgument",
                    "POST requires exactly one file upload per request.",
                    {"ArgumentName": "file"},
                )
            upload.size_range.check(upload.size)
            for digest in upload.digests:
                digest.check()
            key = upload.key
            await anyio.to_thread.run_sync(local.commit, upload.path, key)
            upload.path = None
        except MultipartParseError:
            await upload.discard()
            return s3_error_response(MALFORMED_POST, resource)
        except S3Error as error:
            await upload.discard()
            return s3_error_response(error, resource)
        except Exception:
            await upload.discard()
            raise
        except BaseException:
            # Cancelled: a graceful shutdown's grace period ran out. No await is sure to run again
            # before the process exits, so the part file goes now, on the loop (a close, an unlink).
            upload.discard_now()
            raise
        etag = f'"{upload.md5.hexdigest()}"'
        location = f"{str(request.base_url).rstrip('/')}/storage/{bucket}/{quote(key, safe='/')}"
        headers = {**CORS, "ETag": etag, "Location": location}
        headers.update({d.field: d.calculated for d in upload.digests if d.field != "content-md5"})
        redirect = upload.fields.get("success_action_redirect") or upload.fields.get("redirect")
        if redirect and _is_redirect_url(redirect):
            query = urlencode({"bucket": bucket, "key": key, "etag": etag})
            headers["Location"] = f"{redirect}{'&' if '?' in redirect else '?'}{query}"
            return Response(status_code=303, headers=headers)
        status = upload.fields.get("success_action_status", "204")
        if status == "201":
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse>'
                f"<Location>{escape(location)}</Location><Bucket>{escape(bucket)}</Bucket>"
                f"<Key>{escape(key)}</Key><ETag>{escape(etag)}</ETag></PostResponse>"
            )
            return Response(body, status_code=201, media_type="application/xml", headers=headers)
        return Response(status_code=200 if status == "200" else 204, headers=headers)

    return router.routes


def _is_redirect_url(value: str) -> bool:
    """S3 redirects to an absolute http(s) URL, and acts as if the field were absent otherwise."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c in value for c in "\r\n")


def make_router(storage: Storage, content_type_of: Callable[[str], str | None]) -> APIRouter:
    """Routes of the storage endpoint. `content_type_of(key)` tells whether a key is published media."""
    router = APIRouter(include_in_schema=False)
    router.routes.extend(storage.routes())

    @router.api_route("/files/{key:path}", methods=["GET", "HEAD"])
    async def read_file(key: str, request: Request) -> Response:
        content_type = await anyio.to_thread.run_sync(content_type_of, key) if is_safe_key(key) else None
        if content_type is None:
            return Response("Not Found", status_code=404, media_type="text/plain")
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=31536000, immutable"}
        if content_type == "application/pdf":
            headers["Content-Disposition"] = "attachment"
        # Off the event loop: a stat on disk, or botocore, which may fetch credentials over HTTP to sign.
        served = await anyio.to_thread.run_sync(
            storage.serve, key, content_type, headers, request.headers, request.method
        )
        if served is None:
            return Response("Not Found", status_code=404, media_type="text/plain")
        return served

    return router
