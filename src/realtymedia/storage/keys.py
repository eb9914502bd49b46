"""The object key layout: every key this service makes is made here, and only here.

    uploads/{ticket id}                                   a Realty Image grant's upload
    {project id}/{ticket id}.{ext}                        an IS24 upload ticket's upload
    media/{owner kind}-{owner id}/{ticket id}.{attempt}.{ext}   a confirmed, checked copy
    realties/{realty id}/{image id}.{ext}                 an image copied from another realty
    renditions/{picture id}/{version}/{name}              a rendition of a stored picture

Upload keys stay writable through their ticket's form until it expires; the other areas are
written by the service alone. Each area's keys have one depth (`AREA_DEPTH`), so no key of the
layout is ever a folder of another: a backend that keeps keys as paths can store these as they are.
Any other key (S3's are any UTF-8 of up to 1024 bytes, `a` beside `a/b`) the backend maps itself.
"""

from __future__ import annotations

import re
import uuid

# The file extension of each content type the service admits.
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
GRANT_OWNER = "user"  # a grant is issued to a user: the realty is named only when it is saved

MAX_KEY_BYTES = 1024  # S3's limit, in UTF-8 bytes
# The number of segments of every key of an area; keys of other first segments are IS24 uploads.
AREA_DEPTH = {"uploads": 2, "media": 3, "realties": 3, "renditions": 4}
OTHER_DEPTH = 2

_SAFE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_GRANT_KEY = re.compile(rf"uploads/{_UUID}")


def upload_key(owner_kind: str, owner_id: str, ticket_id: str, content_type: str) -> str:
    """Where a ticket's form stores its file."""
    if owner_kind == GRANT_OWNER:
        return f"uploads/{ticket_id}"
    return f"{owner_id}/{ticket_id}.{EXTENSIONS[content_type]}"


def is_grant_key(key: str) -> bool:
    """Whether `key` could be a grant's upload (cheap to test before any lookup)."""
    return bool(_GRANT_KEY.fullmatch(key))


def stored_key(owner_kind: str, owner_id: str, ticket_id: str, content_type: str) -> str:
    """A fresh key for a confirmed copy; each attempt gets its own, so retries never collide."""
    ext = EXTENSIONS[content_type]
    return f"{stored_prefix(owner_kind, owner_id, ticket_id)}{uuid.uuid4().hex[:12]}.{ext}"


def stored_prefix(owner_kind: str, owner_id: str, ticket_id: str) -> str:
    """The prefix of every confirmed copy a ticket's upload may have (one per attempt)."""
    return f"media/{owner_kind}-{owner_id}/{ticket_id}."


def ticket_id_of(key: str) -> str | None:
    """The ticket a confirmed copy came from (see stored_key), or None for keys of other areas."""
    parts = key.split("/")
    if len(parts) == 3 and parts[0] == "media":
        return parts[2].split(".", 1)[0]
    return None


def copy_key(realty_id: str, image_id: str, content_type: str | None) -> str:
    return f"{realty_prefix(realty_id)}{image_id}.{EXTENSIONS.get(content_type or '', 'bin')}"


def realty_prefix(realty_id: str) -> str:
    """The prefix of every image copied to a realty."""
    return f"realties/{realty_id}/"


def rendition_prefix(picture_id: str) -> str:
    """The prefix of every stored rendition of one picture (removed with it)."""
    return f"renditions/{picture_id}/"


def rendition_key(picture_id: str, version: str, name: str) -> str:
    """A rendition: `name` says mode, size, quality and format (`SCALE-400x300-q82.jpg`), `version`
    the picture's, so that a key is written at most once and never changes meaning."""
    return f"{rendition_prefix(picture_id)}{version}/{name}"


def is_safe_key(key: str) -> bool:
    """Keys of this layout's alphabet: slash-separated segments of letters, digits and ._- with no '..'.
    Every key the service makes is one; only these are served under /files."""
    return len(key) <= 300 and bool(_SAFE_KEY.fullmatch(key)) and ".." not in key


def is_layout_shaped(key: str) -> bool:
    """A safe key of its area's depth: such keys never collide with one another as paths (a file
    `a` against a folder `a/`), since within an area all have the same depth. Every key the service
    makes is one."""
    if not is_safe_key(key):
        return False
    area, _, _ = key.partition("/")
    return key.count("/") + 1 == AREA_DEPTH.get(area, OTHER_DEPTH)
