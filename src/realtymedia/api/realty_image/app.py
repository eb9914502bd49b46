"""The Realty Image API 2.0 dialect (mounted at the configured base path).

A thin front door: parse, call services.realty_images / services.realties, render. Errors become
the vendor's body in errors.py; Request-IDs are services.idempotency's.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any
from urllib.parse import parse_qsl
from uuid import UUID

from fastapi import APIRouter, Body, Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match, Route
from starlette.types import Scope

from realtymedia.api import conditional, pictures
from realtymedia.api.common import base_url, core_of, telemetry
from realtymedia.api.realty_image import errors, schemas
from realtymedia.api.realty_image.docs import DESCRIPTION, install_docs
from realtymedia.api.realty_image.errors import ApiError
from realtymedia.auth import callers, web_sessions
from realtymedia.domain.errors import DomainError
from realtymedia.domain.realty_images import GRANT_CONTENT_TYPES
from realtymedia.operations.observe import note_user
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.server.bodies import BodyLimit
from realtymedia.services import idempotency, realties, realty_images, results
from realtymedia.services.core import Core
from realtymedia.services.idempotency import Answer, RequestKey
from realtymedia.services.results import Principal

REPLAYED_HEADER = "Idempotent-Replayed"

bearer = HTTPBearer(
    scheme_name="bearerAuth",
    bearerFormat="opaque",
    description="A bearer token of the account (`realtymedia users create` prints one). "
    "The web page's session cookie `rm_session` (with header `X-CSRF-Token` on changes) is accepted too.",
    auto_error=False,
)


async def caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    """The bearer token's or the web session's user (auth.callers.realty_image)."""
    token = None if credentials is None else credentials.credentials
    principal = await callers.realty_image(
        core_of(request),
        request.method,
        token,
        request.cookies.get(web_sessions.COOKIE),
        request.headers.get(web_sessions.CSRF_HEADER),
    )
    if principal is None:
        refusal = "Authentication required: send a bearer token." if token is None else "The bearer token is not valid."
        raise ApiError(401, refusal)
    note_user(request.scope, principal.user_id)
    return principal


async def request_id(
    value: Annotated[
        UUID,
        Header(
            alias="Request-ID",
            description="A unique id which identifies the HTTP request, created by the client. "
            "Echoed in the response. Repeating a request with the same Request-ID within 24 hours "
            "returns the first answer again (header `Idempotent-Replayed: true`) without doing it twice; "
            "the same Request-ID with a different request is a 409.",
            examples=["9031d1c5-7d40-41dd-b2b8-7919a2fc4fe9"],
        ),
    ],
) -> str:
    return str(value)


async def json_body(request: Request) -> None:
    """A body must be JSON; anything else is a 415 (not a confusing validation error)."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not media_type:
        if _no_body(request):
            return  # no body at all (an optional one left out): nothing to read, nothing to refuse
        raise ApiError(415, "The request has no Content-Type: send application/json.")
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise ApiError(415, f"Content type {media_type} is not supported: send application/json.")


def _no_body(request: Request) -> bool:
    headers = request.headers
    return "transfer-encoding" not in headers and headers.get("content-length", "0").strip() == "0"


# 200 items with 2000-character descriptions fit well within; a larger body is a 413 (from its
# Content-Length alone when it declares one, before any of it is read).
MAX_BODY = 4 * 1024 * 1024

User = Annotated[Principal, Depends(caller)]
RequestId = Annotated[str, Depends(request_id)]
# The document's pattern: a lowercase hyphenated UUID of version 1-5 and the RFC 4122 variant.
REALTY_ID_PATTERN = r"^([0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$"
_REALTY_ID = re.compile(REALTY_ID_PATTERN)
RealtyId = Annotated[
    str,
    Path(
        alias="realtyId",
        description="Unique realty identifier in UUID format.",
        examples=[schemas.EXAMPLE_REALTY],
        pattern=REALTY_ID_PATTERN,
        json_schema_extra={"format": "uuid"},
    ),
]


def _error(description: str) -> dict[str, Any]:
    return {"model": schemas.ErrorBody, "description": description}


COMMON: dict[int | str, dict[str, Any]] = {
    400: _error("Bad parameters (`BAD_REQUEST_PARAMETERS`) or body (`BAD_REQUEST_BODY`); `errors` names each."),
    401: _error("`UNAUTHORIZED`: no valid bearer token or web session."),
    404: _error("`NOT_FOUND`: no such realty or image, or not the caller's."),
    409: _error("`STATUS_CONFLICT`: the Request-ID was used for another request, or that request is in progress."),
    500: _error("`TECHNICAL_ERROR`."),
}
WITH_BODY: dict[int | str, dict[str, Any]] = {
    **COMMON,
    413: _error(f"`PAYLOAD_TOO_LARGE`: the body is larger than {MAX_BODY} bytes (refused before it is read)."),
    415: _error("`UNSUPPORTED_MEDIA_TYPE`: the body is not application/json."),
}


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_none=False)


def _image_model(image: results.RealtyImage, pictures_base: str) -> schemas.RealtyImage:
    """The wire model of an image, without validation: the values come from our own database.
    `pictures_base` is where the dialect's rendition URLs start (_pictures_base)."""
    return schemas.RealtyImage.model_construct(
        id=UUID(image.id),
        url=image.url,
        renditions=schemas.Renditions.model_construct(
            None, **pictures.templates(pictures_base, image.id, image.sha256)
        ),
        placeholder=image.placeholder,
        description=image.description,
        order=image.order,
        published=image.published,
        contentType=image.content_type,
        width=image.width,
        height=image.height,
        size=image.size,
        sha256=image.sha256,
        createdAt=image.created_at,
    )


def _image(image: results.RealtyImage, pictures_base: str) -> dict[str, Any]:
    return _dump(_image_model(image, pictures_base))


def _pictures_base(core: Core, base: str) -> str:
    """The public base URL and this dialect's prefix."""
    return base + core.settings.realty_image_base_path.rstrip("/")


def _realty(realty: results.Realty) -> dict[str, Any]:
    model = schemas.Realty(
        id=UUID(realty.id),
        name=realty.name,
        published=realty.published,
        publishedAt=realty.published_at,
        imageCount=realty.image_count,
        createdAt=realty.created_at,
        updatedAt=realty.updated_at,
    )
    return _dump(model)


def _grant_fields(fields: dict[str, str]) -> dict[str, str]:
    """botocore's field names in the vendor's capitalisation (S3 reads them case-insensitively)."""
    names = {
        "policy": "Policy",
        "x-amz-algorithm": "X-Amz-Algorithm",
        "x-amz-credential": "X-Amz-Credential",
        "x-amz-date": "X-Amz-Date",
        "x-amz-signature": "X-Amz-Signature",
        "x-amz-security-token": "X-Amz-Security-Token",
        "content-type": "Content-Type",
    }
    return {names.get(name.lower(), name): value for name, value in fields.items()}


def _key(request: Request, user: Principal, rid: str, payload: Any) -> RequestKey:
    print_ = idempotency.fingerprint(request.method, request.url.path, request.url.query, payload)
    return RequestKey(user.user_id, rid, print_)


def _answer(status: int, content: Any) -> Answer:
    return Answer(status, bytes(JSONResponse(content, status_code=status).body))


def _refusal(error: DomainError) -> Answer:
    response = errors.from_domain(error)
    return Answer(response.status_code, bytes(response.body))


def _respond(answer: Answer) -> Response:
    headers = {REPLAYED_HEADER: "true"} if answer.replayed else None
    return Response(answer.body, answer.status, headers, media_type="application/json")


def _once(request: Request, user: Principal, rid: str, payload: Any, action: Callable[[], tuple[int, Any]]) -> Response:
    """The action once per Request-ID (services.idempotency.once: it may touch the storage)."""

    def work() -> Answer:
        return _answer(*action())

    return _respond(idempotency.once(core_of(request), _key(request, user, rid, payload), work, _refusal))


router = APIRouter()


@router.get(
    "/uploadGrants",
    tags=["Realty Images"],
    summary="Get short-lived grant for uploading realty image",
    response_model=schemas.UploadGrant,
    responses=COMMON,
)
async def upload_grants(
    request: Request,
    user: User,
    rid: RequestId,
    type: Annotated[
        schemas.ImageContentType,
        Query(description="Content type of the image that is going to be uploaded.", examples=["image/png"]),
    ],
) -> Response:
    """Uploading a realty image starts here: the answer is an S3 presigned POST (send every field,
    then the file as field `file`, to `url`). Then save the image with POST /realty/{realtyId}/images."""
    return await _grant(request, user, rid, type)


async def _grant(request: Request, user: Principal, rid: str, content_type: str) -> Response:
    core = core_of(request)
    base = base_url(request)

    def step(uow: UnitOfWork) -> Answer:
        granted = realty_images.grant(core, uow, user.user_id, content_type, base)
        fields = {"key": granted.key, **_grant_fields(granted.form.fields)}
        grant = schemas.UploadGrant(url=granted.form.url, method="POST", fields=fields)  # type: ignore[arg-type]
        # No X-Amz-Security-Token unless the credentials have one: an empty field would break the policy.
        return _answer(200, grant.model_dump(mode="json", by_alias=True, exclude_none=True))

    # Database work and signing only: in the Request-ID record's unit of work, on the event loop.
    return _respond(await core.run(idempotency.once_in, _key(request, user, rid, None), step, _refusal))


_CANONICAL_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_GRANT_TYPES = frozenset(GRANT_CONTENT_TYPES)
_READ = "realtymedia.plain_read"  # what a PlainRoute read of its request, in the request's scope


class PlainRoute(Route):
    """A hot GET route without FastAPI's dependency resolution, for the requests it reads exactly as
    its documented route (below) would: one bearer token, and what `read` finds in the plain form
    (None: not one of those). Every other request (a web session, another form of a parameter, a
    value the document refuses) is not matched here and goes on to the documented route, so the
    answers and refusals the OpenAPI document describes stay the documented route's; the document
    itself is the documented route's alone (tests/api/test_openapi_kept.py)."""

    def __init__(
        self,
        path: str,
        read: Callable[[Scope, dict[str, Any]], Any],
        serve: Callable[[Request, Principal, Any], Awaitable[Response]],
    ) -> None:
        super().__init__(path, self._endpoint, methods=["GET"], include_in_schema=False)
        self.methods = {"GET"}  # as the documented routes: no HEAD
        self._read, self._serve = read, serve

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        matched, child = super().matches(scope)
        if matched is not Match.FULL:
            return Match.NONE, {}
        token = _bearer_token(scope)
        found = None if token is None else self._read(scope, child["path_params"])
        if found is None:
            return Match.NONE, {}
        return matched, {**child, _READ: (token, found)}

    async def _endpoint(self, request: Request) -> Response:
        token, found = request.scope[_READ]
        principal = await callers.realty_image(core_of(request), "GET", token, None, None)
        if principal is None:
            raise ApiError(401, "The bearer token is not valid.")
        note_user(request.scope, principal.user_id)
        return await self._serve(request, principal, found)


def _bearer_token(scope: Scope) -> str | None:
    """The token of the request's one Authorization header, read as HTTPBearer reads it."""
    found = [value for name, value in scope["headers"] if name == b"authorization"]
    if len(found) != 1:
        return None
    scheme, _, token = found[0].decode("latin-1").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _grant_read(scope: Scope, path_params: dict[str, Any]) -> tuple[str, str] | None:
    """(Request-ID, type) of a grant request: one Request-ID in its canonical form, one allowed type."""
    rids = [value for name, value in scope["headers"] if name == b"request-id"]
    if len(rids) != 1 or _CANONICAL_UUID.fullmatch(rids[0]) is None:
        return None
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    types = [value for name, value in query if name == "type"]
    if len(types) != 1 or types[0] not in _GRANT_TYPES:
        return None
    return rids[0].decode(), types[0]


async def _grant_served(request: Request, user: Principal, found: tuple[str, str]) -> Response:
    return await _grant(request, user, *found)


def _images_read(scope: Scope, path_params: dict[str, Any]) -> str | None:
    realty_id = path_params.get("realtyId")
    return realty_id if isinstance(realty_id, str) and _REALTY_ID.fullmatch(realty_id) else None


def plain_routes() -> list[PlainRoute]:
    """The hot routes, to be matched ahead of the documented ones."""
    return [
        PlainRoute("/uploadGrants", _grant_read, _grant_served),
        PlainRoute("/realty/{realtyId}/images", _images_read, _images),
    ]


@router.post(
    "/realty/{realtyId}/images",
    tags=["Realty Images"],
    summary="Save realty images using uploaded files",
    response_model=schemas.RealtyImages,
    responses=WITH_BODY,
    dependencies=[Depends(json_body)],
)
def save_images(
    request: Request, user: User, rid: RequestId, realty_id: RealtyId, payload: schemas.SaveImagesRequest
) -> Response:
    """Each upload is checked (present, within size, and truly the declared image type), then all are
    added after the realty's existing images in array order: all or none. A realty holds at most 200
    images. An item whose key was not granted to the caller, expired, was not uploaded, is already
    saved, or whose bytes are not the declared type is a 400 naming it (`uploadedImages[i].key`)."""
    core = core_of(request)
    uploads = [realty_images.Upload(item.key, item.description) for item in payload.uploadedImages]

    def action() -> tuple[int, Any]:
        saved = realty_images.save(core, user.user_id, str(realty_id), uploads, base_url(request))
        pictures_base = _pictures_base(core, base_url(request))
        return 200, {"realtyImages": [_image(image, pictures_base) for image in saved]}

    return _once(request, user, rid, payload.model_dump(mode="json", exclude_unset=True), action)


@router.get(
    "/realty/{realtyId}/images",
    tags=["Realty Images"],
    summary="Fetch realty images",
    response_model=schemas.RealtyImages,
    responses={k: v for k, v in COMMON.items() if k != 409},
)
async def fetch_images(request: Request, user: User, realty_id: RealtyId) -> Response:
    """Metadata of the realty's images, in their order. The answer carries an ETag; a GET with
    `If-None-Match` naming it is answered 304 while the images are unchanged."""
    return await _images(request, user, str(realty_id))


async def _images(request: Request, user: Principal, rid: str) -> Response:
    core, base = core_of(request), base_url(request)
    # Rendered once per version of the realty and kept: a list of 200 images is read far more
    # often than it changes. Every request still reads the version, so a change made through any
    # worker shows at once (see realty_images.images_version).
    version = await core.run(realty_images.images_version, user.user_id, rid)
    key = ("realty images", rid, version, base)
    rendered = conditional.already_kept(core.renderings, key)
    if rendered is None:
        render = partial(_render_images, core, user.user_id, rid, base)
        rendered = await run_in_threadpool(conditional.kept, core.renderings, key, render)
    return conditional.answer(request.headers, rendered, "application/json")


def _render_images(core: Core, user_id: int, realty_id: str, base: str) -> bytes:
    found = realty_images.images(core, user_id, realty_id, base)
    pictures_base = _pictures_base(core, base)
    listing = schemas.RealtyImages.model_construct(realtyImages=[_image_model(i, pictures_base) for i in found])
    return listing.model_dump_json(by_alias=True).encode()


@router.put(
    "/realty/{realtyId}/images",
    tags=["Realty Images"],
    summary="Updates metadata for realty's images",
    response_model=schemas.Empty,
    responses=WITH_BODY,
    dependencies=[Depends(json_body)],
)
def update_images(
    request: Request, user: User, rid: RequestId, realty_id: RealtyId, payload: schemas.UpdateImagesRequest
) -> Response:
    """The array is the full list of the realty's images, each once; its order becomes the images' order.
    A list that is not exactly the realty's images (missing, unknown or repeated ids) is a 400 and
    changes nothing. A `description` that is absent is left as it is."""
    core = core_of(request)
    changes = [
        realty_images.ImageChange(str(item.id), item.description, "description" in item.model_fields_set)
        for item in payload.realtyImages
    ]

    def action() -> tuple[int, Any]:
        realty_images.update(core, user.user_id, str(realty_id), changes)
        return 200, {}

    return _once(request, user, rid, payload.model_dump(mode="json", exclude_unset=True), action)


@router.delete(
    "/realty/{realtyId}/images/{realtyImageId}",
    tags=["Realty Images"],
    summary="Deletes a realty image",
    response_model=schemas.Empty,
    responses={**COMMON, 409: _error("`STATUS_CONFLICT`: the image has been published (or the Request-ID conflicts).")},
)
def delete_image(
    request: Request,
    user: User,
    rid: RequestId,
    realty_id: RealtyId,
    image_id: Annotated[
        UUID, Path(alias="realtyImageId", description="ID of the realty image.", examples=[schemas.EXAMPLE_IMAGE])
    ],
) -> Response:
    """Deletes the image and its stored file. A published image cannot be deleted (409)."""
    core = core_of(request)

    def action() -> tuple[int, Any]:
        realty_images.delete(core, user.user_id, str(realty_id), str(image_id))
        return 200, {}

    return _once(request, user, rid, None, action)


ImageId = Annotated[
    UUID, Path(alias="realtyImageId", description="ID of the realty image.", examples=[schemas.EXAMPLE_IMAGE])
]


@router.patch(
    "/realty/{realtyId}/images/{realtyImageId}",
    tags=["Realty Images (our addition)"],
    summary="Update one realty image",
    response_model=schemas.RealtyImage,
    responses=WITH_BODY,
    dependencies=[Depends(json_body)],
)
def patch_image(
    request: Request, user: User, rid: RequestId, realty_id: RealtyId, image_id: ImageId, payload: schemas.ImagePatch
) -> Response:
    """Our addition: one image's description and/or place, without the full list that PUT needs,
    so that a client editing one image never fails because another added or removed images
    meanwhile. The other images keep their order. Answers the image as it is now."""
    core = core_of(request)
    change = realty_images.ImagePatch(
        description=payload.description,
        set_description="description" in payload.model_fields_set,
        position=payload.position,
    )

    def action() -> tuple[int, Any]:
        base = base_url(request)
        patched = realty_images.patch(core, user.user_id, str(realty_id), str(image_id), change, base)
        return 200, _image(patched, _pictures_base(core, base))

    return _once(request, user, rid, payload.model_dump(mode="json", exclude_unset=True), action)


@router.post(
    "/realty/{realtyId}/images/copy",
    tags=["Copying Realty Images"],
    summary="Copies realty images",
    response_model=schemas.Empty,
    responses=WITH_BODY,
    dependencies=[Depends(json_body)],
)
def copy_images(
    request: Request, user: User, rid: RequestId, realty_id: RealtyId, payload: schemas.CopyRequest
) -> Response:
    """Copies the source realty's images, metadata and order after this realty's images, as new
    unpublished images with files of their own. Both realties must be the caller's; the 200 limit holds."""
    core = core_of(request)

    def action() -> tuple[int, Any]:
        realty_images.copy(core, user.user_id, str(realty_id), str(payload.sourceRealtyId))
        return 200, {}

    return _once(request, user, rid, payload.model_dump(mode="json"), action)


@router.post(
    "/realty",
    tags=["Realties (our addition)"],
    summary="Create a realty",
    status_code=201,
    response_model=schemas.Realty,
    responses=WITH_BODY,
    dependencies=[Depends(json_body)],
)
def create_realty(
    request: Request, user: User, rid: RequestId, payload: Annotated[schemas.RealtyCreate | None, Body()] = None
) -> Response:
    """Our addition: a new realty of the caller. The body is optional."""
    core = core_of(request)
    given = payload or schemas.RealtyCreate()

    def action() -> tuple[int, Any]:
        return 201, _realty(realties.create(core, user.user_id, given.name))

    return _once(request, user, rid, given.model_dump(mode="json"), action)


@router.get(
    "/realty",
    tags=["Realties (our addition)"],
    summary="List the caller's realties",
    response_model=schemas.Realties,
    responses={k: v for k, v in COMMON.items() if k not in (404, 409)},
)
def list_realties(
    request: Request,
    user: User,
    start_index: Annotated[int, Query(alias="startIndex", ge=0, le=2**31, description="First item, from 0.")] = 0,
    size: Annotated[int, Query(ge=1, le=200, description="Items per page.")] = 200,
) -> dict[str, Any]:
    """Our addition: the caller's realties, oldest first, paged as the vendor's lists are."""
    found, total = realties.page_for(core_of(request), user.user_id, start_index, size)
    return {"realties": [_realty(r) for r in found], "startIndex": start_index, "size": size, "totalCount": total}


@router.get(
    "/realty/{realtyId}",
    tags=["Realties (our addition)"],
    summary="Read a realty",
    response_model=schemas.Realty,
    responses={k: v for k, v in COMMON.items() if k != 409},
)
def get_realty(request: Request, user: User, realty_id: RealtyId) -> dict[str, Any]:
    """Our addition."""
    return _realty(realties.get(core_of(request), user.user_id, str(realty_id)))


@router.patch(
    "/realty/{realtyId}",
    tags=["Realties (our addition)"],
    summary="Rename a realty",
    response_model=schemas.Realty,
    responses=WITH_BODY,
    dependencies=[Depends(json_body)],
)
def patch_realty(
    request: Request, user: User, rid: RequestId, realty_id: RealtyId, payload: schemas.RealtyPatch
) -> Response:
    """Our addition: a realty's name (what people know it by; at most 200 characters, one line)."""
    core = core_of(request)

    def action() -> tuple[int, Any]:
        return 200, _realty(realties.rename(core, user.user_id, str(realty_id), payload.name))

    return _once(request, user, rid, payload.model_dump(mode="json"), action)


@router.post(
    "/realty/{realtyId}/publish",
    tags=["Realties (our addition)"],
    summary="Publish a realty",
    response_model=schemas.Realty,
    responses=COMMON,
)
def publish_realty(request: Request, user: User, rid: RequestId, realty_id: RealtyId) -> Response:
    """Our addition: marks the realty and every image it holds now as published; published images
    cannot be deleted. Images saved later are unpublished until the next publish."""
    core = core_of(request)

    def action() -> tuple[int, Any]:
        return 200, _realty(realties.publish(core, user.user_id, str(realty_id)))

    return _once(request, user, rid, None, action)


def _refuse(request: Request, status: int, message: str, field: str | None, headers: dict[str, str]) -> Response:
    code = errors.BAD_REQUEST_PARAMETERS if status == 400 else errors.STATUS_CODES.get(status, errors.TECHNICAL_ERROR)
    items = [{"target": field, "errorCode": code, "message": message}] if field else []
    response = errors.respond(status, code, message, items)
    response.headers.update(headers)
    return response


def create_app(core: Core) -> FastAPI:
    app = FastAPI(
        title="Realty Image API",
        version="2.0",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        contact={"name": "realtymedia"},
        telemetry=telemetry(core),
    )
    app.state.core = core
    app.router.routes.extend(plain_routes())  # ahead of the documented routes: matched first
    app.include_router(router)
    # Inside the Request-ID echo that errors.install adds, so that the 413 carries it too.
    app.add_middleware(BodyLimit, limit=MAX_BODY, refuse=errors.too_large)
    # Public, as the files are: a listing page loads them without credentials.
    app.add_route(pictures.PATH, pictures.rendition_endpoint(_refuse), methods=["GET", "HEAD"], include_in_schema=False)
    errors.install(app)
    install_docs(app)
    return app
