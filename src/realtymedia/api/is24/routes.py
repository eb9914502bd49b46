"""The realestateproject resources: parse, call the use case, build the answer. Nothing else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from realtymedia.api import pictures
from realtymedia.api.common import base_url
from realtymedia.api.is24 import resources
from realtymedia.api.is24.codec import Document
from realtymedia.api.is24.errors import BAD_REQUEST, INTERNAL_SERVER_ERROR, RESOURCE_NOT_FOUND, Refusal, messages
from realtymedia.api.is24.protocol import (
    Call,
    Reply,
    Representation,
    error_response,
    handle,
    handle_use_case,
    kept,
    negotiate,
)
from realtymedia.domain.errors import NotFound
from realtymedia.services import attachments
from realtymedia.services.results import Attachment

ROOT = "/api/offer/v1.0/user/{username}/realestateproject"
Endpoint = Callable[[Request], Awaitable[Response]]
# Plain Starlette routes: the dialect parses, negotiates, authenticates and answers errors itself
# (protocol.handle), so FastAPI's parameter solving and route contexts would only add to every request.
routes: list[Route] = []


def _route(method: str, *paths: str) -> Callable[[Endpoint], Endpoint]:
    def register(endpoint: Endpoint) -> Endpoint:
        for path in paths:
            route = Route(ROOT + path, endpoint, methods=[method])
            route.methods = {method}  # no implicit HEAD: IS24 has none (405, in IS24's form)
            routes.append(route)
        return endpoint

    return register


def _path(request: Request, *names: str) -> tuple[str, ...]:
    return tuple(str(request.path_params[name]) for name in names)


def _project_id(value: str) -> int:
    """Project ids are ASCII numbers; anything else (other scripts' digits too) names no project."""
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise NotFound("realestateproject", value)
    return int(value)


def _templates(call: Call) -> resources.Templates:
    pictures_base = call.base_url + call.request.scope.get("root_path", "")

    def templates(item: Attachment) -> dict[str, str]:
        return pictures.templates(pictures_base, item.id, item.sha256)

    return templates


def _done(code: str, verb: str, attachment_id: str, status: int = 200, **headers: str) -> Reply:
    text = f"Resource [attachment] with id [{attachment_id}] has been {verb}."
    return Reply(messages((code, text, attachment_id)), status, dict(headers))


# -- projects -------------------------------------------------------------------------------


@_route("GET", "", "/")
async def list_projects(request: Request) -> Response:
    (username,) = _path(request, "username")

    def run(call: Call) -> Reply:
        found = attachments.projects_of(call.core, call.transaction, call.user_id, call.base_url)
        changed = max((p.updated_at for p in found), default=None)
        doc = resources.projects(found, call.url, strict=call.representation.strict)
        return Reply(doc, last_modified=changed)

    return await handle(request, run, username=username)


@_route("GET", "/{project_id}")
async def read_project(request: Request) -> Response:
    username, project_id = _path(request, "username", "project_id")

    def run(call: Call) -> Reply:
        pid = _project_id(project_id)
        current = attachments.project_version(call.transaction, call.user_id, pid)

        def make() -> Document:
            found = attachments.project(call.core, call.transaction, call.user_id, pid, call.base_url)
            return resources.project(found, call.url)

        return Reply(kept(call, ("project", current), make), last_modified=current.updated_at)

    return await handle(request, run, username=username)


# -- attachments ----------------------------------------------------------------------------


@_route("POST", "/{project_id}/attachment/upload-ticket")
async def upload_ticket(request: Request) -> Response:
    username, project_id = _path(request, "username", "project_id")

    def run(call: Call) -> Reply:
        content_type = resources.read_ticket_request(call.body)
        issued = attachments.issue_ticket(
            call.core, call.transaction, call.user_id, _project_id(project_id), content_type, base_url(call.request)
        )
        return Reply(resources.upload_ticket(issued))

    return await handle(request, run, username=username, reads_body=True)


@_route("POST", "/{project_id}/attachment")
async def assign(request: Request) -> Response:
    username, project_id = _path(request, "username", "project_id")

    async def run(call: Call) -> Reply:
        pid = _project_id(project_id)
        data = resources.read_attachment(call.body)
        added = await call.core.run(attachments.assign, call.user_id, pid, data)
        location = call.url(pid, "attachment", added)
        return _done("MESSAGE_RESOURCE_CREATED", "created", added, 201, Location=location)

    return await handle_use_case(request, run, username=username, reads_body=True)


@_route("PUT", "/{project_id}/attachment")
async def update(request: Request) -> Response:
    username, project_id = _path(request, "username", "project_id")

    def run(call: Call) -> Reply:
        updated = attachments.update(
            call.core, call.transaction, call.user_id, _project_id(project_id), resources.read_attachment(call.body)
        )
        return _done("MESSAGE_RESOURCE_UPDATED", "updated", updated)

    return await handle(request, run, username=username, reads_body=True)


@_route("PUT", "/{project_id}/attachment/order")
async def order(request: Request) -> Response:
    username, project_id = _path(request, "username", "project_id")

    def run(call: Call) -> Reply:
        given = resources.read_order(call.body)
        ids = attachments.order(call.transaction, call.user_id, _project_id(project_id), given)
        return Reply(resources.attachments_order(ids))

    return await handle(request, run, username=username, reads_body=True)


@_route("GET", "/{project_id}/attachment")
async def list_attachments(request: Request) -> Response:
    username, project_id = _path(request, "username", "project_id")

    def run(call: Call) -> Reply:
        pid = _project_id(project_id)
        # The version first, then (when this worker has no rendering of it) the attachments: a kept
        # answer is never older than the version it is kept for.
        current = attachments.project_version(call.transaction, call.user_id, pid)

        def make() -> Document:
            found = attachments.project(call.core, call.transaction, call.user_id, pid, call.base_url)
            return resources.attachments(
                found.attachments, call.url, _templates(call), strict=call.representation.strict
            )

        return Reply(kept(call, ("attachments", current), make), last_modified=current.updated_at)

    return await handle(request, run, username=username)


@_route("GET", "/{project_id}/attachment/{attachment_id}")
async def read_attachment(request: Request) -> Response:
    username, project_id, attachment_id = _path(request, "username", "project_id", "attachment_id")

    def run(call: Call) -> Reply:
        pid = _project_id(project_id)
        item, changed = attachments.get(call.core, call.transaction, call.user_id, pid, attachment_id, call.base_url)
        return Reply(resources.attachment(item, call.url, _templates(call)), last_modified=changed)

    return await handle(request, run, username=username)


@_route("DELETE", "/{project_id}/attachment/{attachment_id}")
async def delete(request: Request) -> Response:
    username, project_id, attachment_id = _path(request, "username", "project_id", "attachment_id")

    async def run(call: Call) -> Reply:
        await call.core.run(attachments.delete, call.user_id, _project_id(project_id), attachment_id)
        return _done("MESSAGE_RESOURCE_DELETED", "deleted", attachment_id)

    return await handle_use_case(request, run, username=username)


# -- pictures -------------------------------------------------------------------------------


def _refuse(request: Request, status: int, message: str, field: str | None, headers: dict[str, str]) -> Response:
    code = {400: BAD_REQUEST, 404: RESOURCE_NOT_FOUND}.get(status, INTERNAL_SERVER_ERROR)
    try:
        representation = negotiate(request)
    except Refusal:  # an image's Accept names no IS24 format: answered in XML, IS24's default
        representation = Representation()
    return error_response(Refusal(status, code, message, headers), representation)


# Public, as the files are: a listing page loads them without credentials.
routes.append(Route(pictures.PATH, pictures.rendition_endpoint(_refuse), methods=["GET", "HEAD"]))
