"""Renditions over HTTP: the URL templates the dialects hand out, and the route that answers them.

Both dialects answer the same rendition URLs below their own prefix,
`{prefix}/pictures/{picture id}/{version}/{MODE}/{W}x{H}.{jpg|webp|avif}`, each refusing in its own
error format. Answers are delivered as originals are (api.delivery).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from realtymedia.api.common import core_of
from realtymedia.api.delivery import Delivery, deliver, not_modified
from realtymedia.domain.errors import Invalid, NotFound
from realtymedia.images import Mode, RenditionFailed
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
            if not_modified(request, cheap):  # a revalidation costs no rendition
                return deliver(request, cheap)
            served = await renditions.serve(stored, spec)
        except Invalid as error:
            violation = error.violations[0]
            return refuse(request, 400, violation.message, violation.field, {})
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


__all__ = ["PATH", "rendition_endpoint", "templates"]
