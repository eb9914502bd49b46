"""What the clients return: plain frozen dataclasses, each keeping the service's own fields in ``raw``."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def _int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


@dataclass(frozen=True)
class UploadForm:
    """A signed S3 browser-POST form: post every field, then the file (field ``file``), to ``url``."""

    url: str
    fields: Mapping[str, str]
    method: str = "POST"
    # The IS24 dialect names the attachment before the file exists; the Realty Image API uses ``fields["key"]``.
    attachment_id: str | None = None

    @property
    def key(self) -> str:
        for name, value in self.fields.items():
            if name.lower() == "key":
                return value
        raise KeyError("key")

    @property
    def expires_at(self) -> float | None:
        """When the form (and with it the right to save what was sent with it) expires, as a POSIX
        time: the ``expiration`` of the S3 POST policy it carries. None if it carries none."""
        for name, value in self.fields.items():
            if name.lower() == "policy":
                try:
                    policy = json.loads(base64.b64decode(value))
                    return datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00")).timestamp()
                except (binascii.Error, ValueError, KeyError, TypeError, AttributeError):
                    return None
        return None


@dataclass(frozen=True)
class RealtyImage:
    id: str
    url: str | None
    description: str
    order: int | None
    published: bool
    content_type: str | None
    width: int | None
    height: int | None
    size: int | None
    sha256: str | None
    created_at: str | None
    # URL templates by mode (SCALE, SCALE_AND_CROP, WHITE_FILLING): see fill_template.
    renditions: Mapping[str, str] = field(default_factory=dict)
    placeholder: str | None = None
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RealtyImage:
        return cls(
            id=str(data["id"]),
            url=data.get("url"),
            description=data.get("description") or "",
            order=_int(data.get("order")),
            published=bool(data.get("published", False)),
            content_type=data.get("contentType"),
            width=_int(data.get("width")),
            height=_int(data.get("height")),
            size=_int(data.get("size")),
            sha256=data.get("sha256"),
            created_at=data.get("createdAt"),
            renditions=dict(data.get("renditions") or {}),
            placeholder=data.get("placeholder"),
            raw=dict(data),
        )


@dataclass(frozen=True)
class Realty:
    id: str
    name: str
    published: bool
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Realty:
        return cls(
            id=str(data["id"]),
            name=data.get("name") or "",
            published=bool(data.get("published", False)),
            raw=dict(data),
        )


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    title: str
    product: str | None
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)


@dataclass(frozen=True)
class Attachment:
    """An attachment of an IS24 project. ``kind`` is Picture, PDFDocument or Link; ``type`` its
    pictureType, pdfDocumentType or linkType; ``url`` the file's or the link's address."""

    id: str
    kind: str
    type: str | None
    title: str | None
    url: str | None
    urls: Mapping[str, str] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)
