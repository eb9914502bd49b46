"""What the service will accept, asked before an upload: so the page checks size, type and the
contract's free slots in advance and never carries a copy of the rules itself.

The numbers come from the settings and the domain's rules, the slots from the project's contract
as services.attachments.slots reads it; the dialects enforce the same rules again on every change.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from realtymedia.api.common import core_of
from realtymedia.auth import web_sessions
from realtymedia.domain import realty_images
from realtymedia.domain.attachments import FILE_CONTENT_TYPES, TITLE_MAX, TITLE_MIN
from realtymedia.domain.errors import AccessDenied, NotFound
from realtymedia.services import attachments
from realtymedia.services.results import Principal
from realtymedia.web.session import NO_STORE, refused

router = APIRouter(prefix="/web", include_in_schema=False)


def _principal(request: Request) -> Principal | None:
    found = web_sessions.read(core_of(request), request.cookies.get(web_sessions.COOKIE))
    return found.principal if found else None


@router.get("/rules")
def rules(request: Request) -> Response:
    """The Realty Image rules a file or a description must meet."""
    if _principal(request) is None:
        return refused(401, "UNAUTHORIZED", "Not logged in.")
    return JSONResponse(
        {
            "maxUploadBytes": core_of(request).settings.max_upload_bytes,
            "realtyImages": {
                "contentTypes": list(realty_images.GRANT_CONTENT_TYPES),
                "maxImages": realty_images.MAX_IMAGES,
                "descriptionMaxLength": realty_images.DESCRIPTION_MAX,
            },
        },
        headers=NO_STORE,
    )


@router.get("/projects/{project_id}/rules")
def project_rules(request: Request, project_id: str) -> Response:
    """A project's contract now: for each subtype, its content types and whether one more is
    admitted (`refusal` is the rule code an assign would break: `deniedForProduct`,
    `numberOfItemsExceeded`)."""
    principal = _principal(request)
    if principal is None:
        return refused(401, "UNAUTHORIZED", "Not logged in.")
    if not project_id.isdigit() or len(project_id) > 18:
        return refused(404, "NOT_FOUND", f"No project {project_id}.")
    core = core_of(request)
    try:
        product, slots = attachments.slots(core, principal.user_id, int(project_id))
    except (NotFound, AccessDenied):
        return refused(404, "NOT_FOUND", f"No project {project_id}.")
    return JSONResponse(
        {
            "product": product,
            "maxUploadBytes": core.settings.max_upload_bytes,
            "titleLength": [TITLE_MIN, TITLE_MAX],
            "slots": [
                {
                    "kind": slot.kind.value,
                    "type": slot.subtype,
                    "contentTypes": list(FILE_CONTENT_TYPES.get(slot.kind, ())),
                    "single": slot.single,
                    "free": slot.refusal is None,
                    "refusal": slot.refusal,
                }
                for slot in slots
            ],
        },
        headers=NO_STORE,
    )
