"""The realestateproject resources: parse, call the use case, build the answer. Nothing else."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from realtymedia.api.common import base_url
from realtymedia.api.is24 import resources
from realtymedia.api.is24.codec import Document
from realtymedia.api.is24.errors import messages
from realtymedia.api.is24.protocol import Call, Reply, handle, kept
from realtymedia.domain.errors import NotFound
from realtymedia.persistence.models import Media
from realtymedia.services import attachments, media

ROOT = "/api/offer/v1.0/user/{username}/realestateproject"
router = APIRouter()


def _project_id(value: str) -> int:
    """Project ids are ASCII numbers; anything else (other scripts' digits too) names no project."""
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise NotFound("realestateproject", value)
    return int(value)


def _file_url(call: Call) -> resources.FileUrl:
    def file_url(item: Media) -> str | None:
        return media.file_url(call.core, item, call.base_url)

    return file_url


def _done(code: str, verb: str, attachment_id: str, status: int = 200, **headers: str) -> Reply:
    text = f"Resource [attachment] with id [{attachment_id}] has been {verb}."
    return Reply(messages((code, text, attachment_id)), status, dict(headers))


# -- projects -------------------------------------------------------------------------------


@router.get(ROOT)
@router.get(ROOT + "/")
async def list_projects(request: Request, username: str) -> Response:
    def run(call: Call) -> Reply:
        views = attachments.projects_of(call.core, call.user_id)
        changed = max((v.project.updated_at for v in views), default=None)
        doc = resources.projects(views, call.url, strict=call.representation.strict)
        return Reply(doc, last_modified=changed)

    return await handle(request, run, username=username)


@router.get(ROOT + "/{project_id}")
async def read_project(request: Request, username: str, project_id: str) -> Response:
    def run(call: Call) -> Reply:
        pid = _project_id(project_id)
        current = attachments.project_version(call.core, call.user_id, pid)

        def make() -> Document:
            return resources.project(attachments.project(call.core, call.user_id, pid), call.url)

        return Reply(kept(call, ("project", current), make), last_modified=current.updated_at)

    return await handle(request, run, username=username)


# -- attachments ----------------------------------------------------------------------------


@router.post(ROOT + "/{project_id}/attachment/upload-ticket")
async def upload_ticket(request: Request, username: str, project_id: str) -> Response:
    def run(call: Call) -> Reply:
        content_type = resources.read_ticket_request(call.body)
        issued = attachments.issue_ticket(
            call.core, call.user_id, _project_id(project_id), content_type, base_url(call.request)
        )
        return Reply(resources.upload_ticket(issued))

    return await handle(request, run, username=username, reads_body=True)


@router.post(ROOT + "/{project_id}/attachment")
async def assign(request: Request, username: str, project_id: str) -> Response:
    def run(call: Call) -> Reply:
        pid = _project_id(project_id)
        item = attachments.assign(call.core, call.user_id, pid, resources.read_attachment(call.body))
        location = call.url(pid, "attachment", item.id)
        return _done("MESSAGE_RESOURCE_CREATED", "created", item.id, 201, Location=location)

    return await handle(request, run, username=username, reads_body=True)


@router.put(ROOT + "/{project_id}/attachment")
async def update(request: Request, username: str, project_id: str) -> Response:
    def run(call: Call) -> Reply:
        item = attachments.update(
            call.core, call.user_id, _project_id(project_id), resources.read_attachment(call.body)
        )
        return _done("MESSAGE_RESOURCE_UPDATED", "updated", item.id)

    return await handle(request, run, username=username, reads_body=True)


@router.put(ROOT + "/{project_id}/attachment/order")
async def order(request: Request, username: str, project_id: str) -> Response:
    def run(call: Call) -> Reply:
        ids = attachments.order(call.core, call.user_id, _project_id(project_id), resources.read_order(call.body))
        return Reply(resources.attachments_order(ids))

    return await handle(request, run, username=username, reads_body=True)


@router.get(ROOT + "/{project_id}/attachment")
async def list_attachments(request: Request, username: str, project_id: str) -> Response:
    def run(call: Call) -> Reply:
        pid = _project_id(project_id)
        # The version first, then (when this worker has no rendering of it) the attachments: a kept
        # answer is never older than the version it is kept for.
        current = attachments.project_version(call.core, call.user_id, pid)

        def make() -> Document:
            view = attachments.project(call.core, call.user_id, pid)
            return resources.attachments(view.attachments, call.url, _file_url(call), strict=call.representation.strict)

        return Reply(kept(call, ("attachments", current), make), last_modified=current.updated_at)

    return await handle(request, run, username=username)


@router.get(ROOT + "/{project_id}/attachment/{attachment_id}")
async def read_attachment(request: Request, username: str, project_id: str, attachment_id: str) -> Response:
    def run(call: Call) -> Reply:
        owner, item = attachments.get(call.core, call.user_id, _project_id(project_id), attachment_id)
        return Reply(resources.attachment(item, call.url, _file_url(call)), last_modified=owner.updated_at)

    return await handle(request, run, username=username)


@router.delete(ROOT + "/{project_id}/attachment/{attachment_id}")
async def delete(request: Request, username: str, project_id: str, attachment_id: str) -> Response:
    def run(call: Call) -> Reply:
        attachments.delete(call.core, call.user_id, _project_id(project_id), attachment_id)
        return _done("MESSAGE_RESOURCE_DELETED", "deleted", attachment_id)

    return await handle(request, run, username=username)
