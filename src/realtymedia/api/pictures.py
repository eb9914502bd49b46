"""Renditions over HTTP: the URL templates the dialects hand out, and the route that answers them.

Both dialects answer the same rendition URLs below their own prefix,
`{prefix}/pictures/{picture id}/{version}/{MODE}/{W}x{H}.{jpg|webp|avif}`, each refusing in its own
error format. Answers are delivered as originals are (api.delivery).

The URLs never change meaning, so behind a CDN an origin sees mostly revalidations and the same few
renditions again (a CDN's many edges and a cache's evictions). Those are answered by
StoredRenditions, a plain ASGI layer ahead of both dialects' apps: one read that says the picture
still exists (a deleted picture's URLs answer 404 whatever a worker still holds: at once on SQLite,
on PostgreSQL once the delete's notification reached the worker, persistence.validity), then a
304, or bytes this worker served lately, with no thread hop. Everything else (a rendition to make
or fetch, a refusal) goes on to the dialect's own route. A plain GET of bytes held is answered
further out still, by Ahead, ahead of the outer layers (Date, metrics and logs, security headers,
CORS) with their headers and counts made inside it (docs/renditions.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from realtymedia.api.common import SECURITY_HEADERS, core_of, route_path
from realtymedia.api.delivery import Delivery, deliver, not_modified, respond
from realtymedia.domain.errors import Invalid, NotFound, neutral
from realtymedia.images import Mode, RenditionFailed, Spec
from realtymedia.operations import metrics
from realtymedia.operations.observe import RECORD, Record, enter, finish, leave
from realtymedia.persistence.pictures import StoredFile
from realtymedia.server.dates import http_date
from realtymedia.services.core import Core, Memo
from realtymedia.services.renditions import VERSION_LENGTH, Busy, parse_spec, picture
from realtymedia.storage import StorageError

PATH = "/pictures/{picture_id}/{version}/{mode}/{name}"
# How a dialect words a refusal: (request, status, message, the parameter at fault or None, headers).
Refuse = Callable[[Request, int, str, str | None, dict[str, str]], Response]


def templates(pictures_base: str, picture_id: str, sha256: str) -> dict[str, str]:
    """Each mode's URL template (`%WIDTH%` and `%HEIGHT%` for the client to replace), JPEG as IS24's
    are; a client asking for WebP or AVIF replaces the `.jpg` suffix. `pictures_base` is the public
    base URL and the dialect's prefix."""
    base = f"{pictures_base}/pictures/{picture_id}/{sha256[:VERSION_LENGTH]}"
    return {mode.value: f"{base}/{mode.value}/%WIDTH%x%HEIGHT%.jpg" for mode in Mode}


def rendition_endpoint(refuse: Refuse) -> Callable[[Request], Awaitable[Response]]:
    """The rendition route of one dialect; `refuse` words its refusals."""

    async def rendition(request: Request) -> Response:
        core = core_of(request)
        renditions = core.renditions
        params = request.path_params
        size, _, extension = str(params["name"]).partition(".")
        try:
            spec = parse_spec(params["mode"], size, extension, core.settings.rendition_max_side)
            stored = await core.run(picture, params["picture_id"], params["version"])
            etag = renditions.etag(stored, spec)
            cheap = Delivery(0, spec.format.content_type, etag, stored.created_at, b"")
            if not_modified(request.headers, cheap):  # a revalidation costs no rendition
                return deliver(request, cheap)
            served = await renditions.serve(stored, spec)
        except Invalid as error:
            violation = error.violations[0]
            return refuse(request, 400, violation.sentence(), neutral(violation.parts), {})
        except NotFound:
            return refuse(request, 404, f"The picture [{params['picture_id']}] was not found.", None, {})
        except Busy as error:
            message = f"Too many pictures are being rendered; try again shortly ({error})."
            return refuse(request, 503, message, None, {"Retry-After": "2"})
        except RenditionFailed as error:
            return refuse(request, 500, f"The picture cannot be rendered: {error}.", None, {})
        except StorageError:
            return refuse(request, 503, "The picture could not be read from storage.", None, {"Retry-After": "5"})
        data = served.data
        return deliver(request, Delivery(len(data), served.content_type, served.etag, served.last_modified, data))

    return rendition


# What makes a GET more than "the whole rendition, please" (names as the server gives them).
_CONDITIONS = frozenset({b"range", b"if-range", b"if-none-match", b"if-modified-since"})
_REVALIDATIONS = frozenset({b"if-none-match", b"if-modified-since"})
# The headers a dialect puts on every answer (its request reference, an echoed Request-ID).
Stamp = Callable[[Scope], list[tuple[bytes, bytes]]]
# Rendition URLs parsed lately (a listing page asks for the same few again and again).
_PARSED = 4096
# What sends a GET the whole way (`Ahead`): a condition, or an Origin (CORS answers it).
_NOT_PLAIN = _CONDITIONS | {b"origin"}
_VARY = (b"vary", b"Origin")
_Headers = list[tuple[bytes, bytes]]

log = logging.getLogger(__name__)


class _Named(NamedTuple):
    """What a rendition URL names, once parsed."""

    picture_id: str
    version: str
    spec: Spec
    key: str


class StoredRenditions:
    """Rendition URLs answered ahead of the dialects' apps where the worker already holds the answer
    (see above); `dialects` are (prefix, dialect name, its stamp), as the root app mounts them."""

    def __init__(self, app: ASGIApp, core: Core, dialects: list[tuple[str, str, Stamp]]) -> None:
        self.app = app
        self.core = core
        self.dialects = [(prefix.rstrip("/") + "/pictures/", prefix.rstrip("/"), name, stamp)
                         for prefix, name, stamp in dialects]  # fmt: skip
        self.max_side = core.settings.rendition_max_side
        self._named: dict[str, _Named] = {}
        # The headers of a plain GET's 200, by rendition key (built once: a tenth of an answer's cost).
        self._heads = Memo(4096)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path = route_path(scope["path"], scope.get("root_path", ""))
            for start, prefix, dialect, stamp in self.dialects:
                if path.startswith(start):
                    if await self._answer(scope, receive, send, path[len(prefix) :], (prefix, dialect, stamp)):
                        return
                    break
        await self.app(scope, receive, send)

    def _name(self, path: str) -> _Named | None:
        """What `path` (below the dialect's prefix) names; None for anything but a rendition URL."""
        named = self._named.get(path)
        if named is not None:
            return named
        parts = path.split("/")  # "", "pictures", id, version, mode, name
        if len(parts) != 6:
            return None
        picture_id, version, mode, name = parts[2:]
        size, _, extension = name.partition(".")
        try:
            spec = parse_spec(mode, size, extension, self.max_side)
        except Invalid:
            return None
        named = _Named(picture_id, version, spec, self.core.renditions.key_of(picture_id, version, spec))
        if len(self._named) >= _PARSED:  # a client asking for ever new URLs only empties it
            self._named.clear()
        self._named[path] = named
        return named

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, path: str, dialect: tuple[str, str, Stamp]
    ) -> bool:
        """Answer from what this worker holds, or say False (nothing sent) for the dialect to answer."""
        named = self._name(path)
        if named is None:
            return False
        renditions = self.core.renditions
        data = renditions.recent(named.key)
        asked = {name for name, _ in scope["headers"]}
        if data is None and not asked & _REVALIDATIONS:
            return False  # to be fetched or made: the dialect's route does that, and refuses in its format
        try:
            stored = await self.core.run(picture, named.picture_id, named.version)
        except NotFound:
            return False
        prefix, name_of_dialect, stamp = dialect
        record: Record | None = scope.get(RECORD)
        if record is not None:
            record.dialect, record.route = name_of_dialect, prefix + PATH
        if data is not None and scope["method"] == "GET" and not asked & _CONDITIONS:
            head = self._heads.get(named.key)
            if head is None:  # the same for every plain GET of this key: its bytes and validators never change
                etag = renditions.etag(stored, named.spec)
                item = Delivery(len(data), named.spec.format.content_type, etag, stored.created_at, data)
                head = list(respond("GET", {}, item).raw_headers)
                self._heads.put(named.key, head)
            metrics.RENDITIONS_FROM_STORAGE.inc()
            await send({"type": "http.response.start", "status": 200, "headers": [*head, *stamp(scope)]})
            await send({"type": "http.response.body", "body": data})
            return True
        headers = Headers(scope=scope)
        etag = renditions.etag(stored, named.spec)
        item = Delivery(len(data or b""), named.spec.format.content_type, etag, stored.created_at, data or b"")
        if data is None and not not_modified(headers, item):
            return False
        response = respond(scope["method"], headers, item)
        if response.status_code != 304:
            metrics.RENDITIONS_FROM_STORAGE.inc()
        response.raw_headers.extend(stamp(scope))
        await response(scope, receive, send)
        return True

    def ahead(self, app: ASGIApp, cors_covers: Callable[[Scope], bool]) -> Ahead:
        """`app` (the outer layers, with this one inside) behind `Ahead`; `cors_covers` says
        whether CrossOrigin answers a request (api.cors)."""
        return Ahead(app, self, cors_covers)


class Ahead:
    """A plain GET (no condition, no Range, no Origin) of a rendition this worker holds, answered
    ahead of the outer layers (Dated, Observe, the security headers, CORS) with their work done
    here: the prebuilt headers of the key, the dialect's stamp, `Vary: Origin` where CORS covers
    the path, the security headers, the Date of `Dated`'s per-second clock; then the request's
    metrics and log line as `Observe` makes them. It still reads that the picture exists, on
    every request. Anything else, or any failure before the answer starts, goes the whole way
    (to `app`), which answers it as before."""

    def __init__(self, app: ASGIApp, held: StoredRenditions, cors_covers: Callable[[Scope], bool]) -> None:
        self.app = app
        self.held = held
        self.cors_covers = cors_covers
        # By rendition key: the headers ahead of the stamp, and the security headers after it.
        self._heads = Memo(4096)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and await self._answer(scope, send):
            return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, send: Send) -> bool:
        start = time.perf_counter()
        held = self.held
        path = route_path(scope["path"], scope.get("root_path", ""))
        for entry in held.dialects:
            if path.startswith(entry[0]):
                _, prefix, dialect, stamp = entry
                break
        else:
            return False
        named = held._name(path[len(prefix) :])
        if named is None:
            return False
        reference = None
        for name, value in scope["headers"]:
            if name in _NOT_PLAIN:
                return False
            if name == b"request-id":
                reference = value.decode("latin-1")[:200]
        data = held.core.renditions.recent(named.key)
        if data is None:
            return False
        record = Record(dialect, prefix + PATH, reference=reference)
        token = enter(scope, record)
        status = 200
        try:
            try:
                stored = await held.core.run(picture, named.picture_id, named.version)
            except Exception:  # NotFound and any failure: the whole way answers (and logs) it
                del scope[RECORD]
                return False
            heads = self._heads.get(named.key)
            if heads is None:
                heads = self._prebuilt(named, stored, data)
                self._heads.put(named.key, heads)
            head, after = heads
            vary = [_VARY] if self.cors_covers(scope) else []
            headers = [*head, *stamp(scope), *vary, *after, (b"date", http_date())]
            metrics.RENDITIONS_FROM_STORAGE.inc()
            try:
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": data})
            except Exception:
                log.exception("request failed")  # as Observe words it; the answer had started
                status = 500
        finally:
            leave(token)
        finish(scope, record, status, time.perf_counter() - start)
        return True

    def _prebuilt(self, named: _Named, stored: StoredFile, data: bytes) -> tuple[_Headers, _Headers]:
        """The same for every plain GET of the key: its bytes and validators never change. (The
        answer has no Vary of its own for CORS to add to: `Vary: Origin` goes after the stamp.)"""
        etag = self.held.core.renditions.etag(stored, named.spec)
        item = Delivery(len(data), named.spec.format.content_type, etag, stored.created_at, data)
        head = list(respond("GET", {}, item).raw_headers)
        names = {name for name, _ in head}
        return head, [(name, value) for name, value in SECURITY_HEADERS if name not in names]


__all__ = ["PATH", "Ahead", "StoredRenditions", "rendition_endpoint", "templates"]
