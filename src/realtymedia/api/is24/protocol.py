"""IS24's protocol around every resource: representation, authentication, bodies, caching, errors.

- The response is XML or JSON: a `.xml` / `.json` suffix of the path (or of the query string,
  `path?parameters.xml`) wins, then `Accept`
  (`application/xml`, `text/xml`, `application/json`, with `strict=true` and charset parameters).
  With no Accept, or `*/*` / `application/*`, the answer is XML, IS24's usual default. An Accept
  naming only other types gets a 404 (IS24: "404 instead of 406"), in XML.
- A POST or PUT needs a Content-Type of XML or JSON (415 otherwise; a suffix is not enough), and
  a body of at most MAX_BODY bytes (413, refused from Content-Length before anything is read;
  app.py bounds every body of the dialect with server.bodies.BodyLimit).
- OAuth 1.0a (3-legged, or 2-legged acting for the consumer's owner), or the web page's session.
- Reads carry an ETag (a hash of the representation) and Last-Modified (the project's last change);
  If-None-Match, else If-Modified-Since (a date in the future is ignored), answer 304.
- A read whose answer depends only on a version it names (a project's attachments) is rendered
  once per worker and version (`kept`); the request is still authenticated and the version read.
  Both are api/conditional.py's, which the Realty Image dialect uses too.
- Every response carries `L-IS24-RequestRefnum`, errors and 401s included.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from urllib.parse import quote

from fastapi import Request, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from realtymedia.api import conditional
from realtymedia.api.common import base_url, core_of
from realtymedia.api.conditional import Rendered
from realtymedia.api.is24 import codec
from realtymedia.api.is24.codec import Document, MalformedBody, Node
from realtymedia.api.is24.errors import BAD_REQUEST, MEDIA_TYPE_UNSUPPORTED, Refusal, translate
from realtymedia.auth import web_sessions
from realtymedia.domain.errors import AccessDenied
from realtymedia.operations.observe import note_reference, note_user
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.server.headers import AddingHeaders
from realtymedia.services import signed_requests
from realtymedia.services.core import Core
from realtymedia.services.results import Principal
from realtymedia.services.signed_requests import SignedRequest

XML, JSON = "xml", "json"
MEDIA_TYPES = {XML: "application/xml;charset=UTF-8", JSON: "application/json;charset=UTF-8"}
READABLE = {"application/xml": XML, "text/xml": XML, "application/json": JSON}
MAX_BODY = 1024 * 1024
REFNUM = "L-IS24-RequestRefnum"
_STATE = "is24"
_UNRESERVED = re.compile(r"[0-9A-Za-z._~-]+").fullmatch


def referenced(scope: Scope) -> list[tuple[bytes, bytes]]:
    """The headers every answer of the dialect carries: a new request reference (also noted for the
    request's log line)."""
    refnum = str(uuid.uuid4())
    note_reference(scope, refnum)
    return [(REFNUM.lower().encode(), refnum.encode())]


class Envelope:
    """Plain ASGI: a request reference on every response, and the `.xml`/`.json` suffix taken off the path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ((_, value),) = stamped = referenced(scope)
        refnum = value.decode()
        state = {"refnum": refnum, "suffix": None}
        path: str = scope["path"]
        query: bytes = scope.get("query_string", b"")
        for suffix in (XML, JSON):
            if path.endswith("." + suffix):
                state["suffix"] = suffix
                scope = {**scope, "path": path[: -len(suffix) - 1]}
                break
            if query.endswith(b"." + suffix.encode()):  # document 003: "path?parameters.xml"
                state["suffix"] = suffix
                break
        scope.setdefault("state", {})
        scope["state"][_STATE] = state
        await self.app(scope, receive, AddingHeaders(send, lambda _: stamped))


@dataclass(frozen=True)
class Representation:
    format: str = XML
    strict: bool = False


def negotiate(request: Request) -> Representation:
    state = request.scope.get("state", {}).get(_STATE, {})
    ranges = _media_ranges(request.headers.get("accept", ""))
    strict = any(params.get("strict") == "true" for _, params, _ in ranges)
    if state.get("suffix"):
        return Representation(state["suffix"], strict)
    if not ranges:
        return Representation(XML)
    for media_type, params, _ in sorted(ranges, key=lambda r: -r[2]):
        if media_type in READABLE:
            return Representation(READABLE[media_type], params.get("strict") == "true")
        if media_type in ("*/*", "application/*"):
            return Representation(XML, params.get("strict") == "true")
    raise Refusal(
        404,
        MEDIA_TYPE_UNSUPPORTED,
        f"The media type [{request.headers.get('accept')}] is not supported by this resource.",
    )


def _media_ranges(header: str) -> list[tuple[str, dict[str, str], float]]:
    ranges = []
    for part in header.split(","):
        media_type, *raw = [p.strip() for p in part.split(";")]
        if not media_type:
            continue
        params = {}
        for item in raw:
            name, _, value = item.partition("=")
            params[name.strip().lower()] = value.strip().strip('"').lower()
        try:
            q = float(params.get("q", "1"))
        except ValueError:
            q = 1.0
        if q > 0:
            ranges.append((media_type.lower(), params, q))
    return ranges


def render(doc: Document, representation: Representation) -> bytes:
    return codec.to_json(doc) if representation.format == JSON else codec.to_xml(doc)


@dataclass
class Reply:
    doc: Document | Rendered | None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # Reads: when the resource last changed; makes the answer conditional (ETag, Last-Modified, 304).
    last_modified: datetime | None = None


@dataclass
class Call:
    """What a resource's handler gets: who asks, for which user path, with what body."""

    core: Core
    principal: Principal
    request: Request
    representation: Representation
    body: Node | None
    username: str | None
    # The request's unit of work, for a handler that does database work (protocol.handle).
    uow: UnitOfWork | None = None

    @property
    def transaction(self) -> UnitOfWork:
        assert self.uow is not None, "a use-case handler has no unit of work of the request's"
        return self.uow

    @property
    def user_id(self) -> int:
        return self.principal.user_id

    @cached_property
    def base_url(self) -> str:
        return base_url(self.request)

    @cached_property
    def container_url(self) -> str:
        """Absolute URL of the user's realestateproject container, as the caller named the user."""
        root = self.request.scope.get("root_path", "")
        user = quote(self.username or self.principal.username, safe="@")
        return f"{self.base_url}{root}/api/offer/v1.0/user/{user}/realestateproject"

    def url(self, *segments: object) -> str:
        """Absolute URL of a resource below the user's realestateproject container."""
        tail = ""
        for segment in segments:
            text = str(segment)
            # Ids (numbers, UUIDs) are unreserved characters: quote only what could need it.
            tail += "/" + (text if _UNRESERVED(text) else quote(text, safe="@"))
        return self.container_url + tail


def kept(call: Call, version: Hashable, make: Callable[[], Document]) -> Rendered:
    """The rendering of `make()`, kept per worker for this version and representation.

    `version` must name everything the document is built from (for a project's attachments:
    the project's version, read before them). The key adds what the rendering also depends on:
    the representation and the URLs' prefix (public base, mount, the user as the caller named
    them). Answers are never shared between users: the version is read with the owner checked.
    Each worker keeps its own; a change made through any worker moves the version it reads.
    """
    key = ("is24", version, call.representation, call.container_url)
    return conditional.kept(call.core.renderings, key, lambda: render(make(), call.representation))


Handler = Callable[[Call], Reply]
UseCaseHandler = Callable[[Call], Awaitable[Reply]]


def _signed(request: Request) -> SignedRequest:
    return SignedRequest(full_url(request), request.method, request.headers, request.cookies.get(web_sessions.COOKIE))


def _call(
    request: Request,
    representation: Representation,
    principal: Principal,
    username: str | None,
    raw: bytes | None,
    uow: UnitOfWork | None,
) -> Call:
    note_user(request.scope, principal.user_id)
    if username is not None and username != "me" and username != principal.username:
        raise AccessDenied(f"You are not allowed to access the resources of user [{username}].")
    body = parse_body(request, raw) if raw is not None else None
    return Call(core_of(request), principal, request, representation, body, username, uow)


async def _prepare(request: Request, reads_body: bool) -> tuple[Representation, bytes | None] | Response:
    try:
        representation = negotiate(request)
    except Refusal as refusal:
        return error_response(refusal, Representation())
    try:
        raw = await read_body(request) if reads_body else None
        if raw is not None and _media_type(request) == FORM_ENCODED:
            # Its parameters would be signed (RFC 5849 3.4.1.3.1), but the dialect reads no form: the
            # answer is the media type's 415, before a signature check that could only fail.
            parse_body(request, raw)
    except Exception as error:  # the client went away (or its body passed the bound, or is a form)
        return error_response(error, representation)
    return representation, raw


async def handle(request: Request, handler: Handler, *, username: str | None, reads_body: bool = False) -> Response:
    """Answer with `handler`: database work only, in the request's own unit of work (the one that
    spends its nonce: services.signed_requests.perform)."""
    prepared = await _prepare(request, reads_body)
    if isinstance(prepared, Response):
        return prepared
    representation, raw = prepared

    def step(uow: UnitOfWork, principal: Principal) -> Reply:
        return handler(_call(request, representation, principal, username, raw, uow))

    core = core_of(request)
    try:
        reply = await core.run(signed_requests.perform, _signed(request), step)
        return _response(request, reply, representation)
    except Exception as error:  # every refusal, and any failure, answered in IS24's form
        return error_response(error, representation)


async def handle_use_case(
    request: Request, handler: UseCaseHandler, *, username: str | None, reads_body: bool = False
) -> Response:
    """Answer with `handler`, which calls a use case that touches the storage (with units of work
    of its own): the caller is authenticated first, its nonce spent on its own."""
    prepared = await _prepare(request, reads_body)
    if isinstance(prepared, Response):
        return prepared
    representation, raw = prepared
    core = core_of(request)
    try:
        principal = await core.run(signed_requests.authenticate, _signed(request))
        reply = await handler(_call(request, representation, principal, username, raw, None))
        return _response(request, reply, representation)
    except Exception as error:  # every refusal, and any failure, answered in IS24's form
        return error_response(error, representation)


def full_url(request: Request) -> str:
    """The URL as the client signed it: public base, the raw path (percent-encoding as sent) and query."""
    raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    query = request.scope.get("query_string", b"")
    url = base_url(request) + raw_path.decode("latin-1")
    return url + ("?" + query.decode("latin-1") if query else "")


async def read_body(request: Request) -> bytes:
    """The body, at most MAX_BODY bytes: the dialect's BodyLimit (app.py) cuts off a longer one."""
    return await request.body()


FORM_ENCODED = "application/x-www-form-urlencoded"


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def parse_body(request: Request, raw: bytes) -> Node:
    content_type = request.headers.get("content-type")
    if not content_type:
        raise Refusal(
            415, MEDIA_TYPE_UNSUPPORTED, "The request has no Content-Type: send application/xml or application/json."
        )
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in READABLE:
        raise Refusal(
            415, MEDIA_TYPE_UNSUPPORTED, f"The media type [{content_type}] is not supported by this resource."
        )
    try:
        return codec.from_json(raw) if READABLE[media_type] == JSON else codec.from_xml(raw)
    except MalformedBody as error:
        raise Refusal(400, BAD_REQUEST, f"The request body could not be read: {error}.") from None


def error_response(error: BaseException, representation: Representation) -> Response:
    status, doc, headers = translate(error)
    return Response(render(doc, representation), status, headers, media_type=MEDIA_TYPES[representation.format])


def _response(request: Request, reply: Reply, representation: Representation) -> Response:
    media_type = MEDIA_TYPES[representation.format]
    if isinstance(reply.doc, Rendered):
        rendered: Rendered | None = reply.doc
        content = reply.doc.body
    else:
        rendered = None
        content = render(reply.doc, representation) if reply.doc is not None else b""
    if reply.last_modified is not None and request.method == "GET":
        return conditional.answer(
            request.headers,
            rendered or Rendered.of(content),
            media_type,
            last_modified=reply.last_modified,
            headers=reply.headers,
        )
    return Response(content, reply.status, reply.headers, media_type=media_type)
