"""What the use cases answer: frozen values in the domain's own words, built from the stored rows
inside the unit of work that read them. No ORM row leaves the services.

Each front door renders these in its own format: the IS24 codec (api.is24.resources), the Realty
Image schemas (api.realty_image.app), the CLI's JSON (cli.admin).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Realty:
    """A realty of the Realty Image dialect, with how many images it holds now."""

    id: str
    name: str
    published: bool
    published_at: datetime | None
    image_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Attachment:
    """An attachment of an IS24 project: a Picture or PDFDocument (a stored file) or a Link.

    `subtype` is its pictureType, pdfDocumentType or linkType; `url` a Link's address, `file_url`
    where a stored file is read (None for a Link); `sha256` names the file's version (renditions'
    URLs carry it)."""

    id: str
    project_id: int
    kind: str
    subtype: str | None
    title: str | None
    url: str | None
    file_url: str | None
    sha256: str
    placeholder: str | None


@dataclass(frozen=True)
class Project:
    """An IS24 real estate project and its attachments in their order."""

    id: int
    product: str
    name: str
    title: str
    description: str
    homepage_url: str
    updated_at: datetime
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class RealtyImage:
    """An image of a realty. `url` is where the stored file is read; `sha256` that of the file as
    uploaded (it names the image's version); `order` its place in the realty's list, from 0."""

    id: str
    realty_id: str
    url: str
    description: str | None
    order: int
    published: bool
    content_type: str
    width: int | None
    height: int | None
    size: int
    sha256: str
    created_at: datetime
    updated_at: datetime
    placeholder: str | None = None


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, as every front door sees it."""

    user_id: int
    username: str


@dataclass(frozen=True)
class OAuthCredentials:
    """A new user's OAuth 1.0a consumer and access token (IS24), shown once."""

    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str


@dataclass(frozen=True)
class NewUser:
    """A user just made, with every credential in clear: the only time the secrets are shown
    (the service keeps the password's argon2 hash and the bearer token's SHA-256)."""

    id: int
    username: str
    password: str
    oauth: OAuthCredentials
    bearer_token: str


@dataclass(frozen=True)
class Session:
    """A web page session that has not ended: whose it is, and the CSRF token its changes must carry."""

    principal: Principal
    csrf_token: str


@dataclass(frozen=True)
class NewSession(Session):
    """A session just opened: also the cookie's value, handed to the browser once (the service
    keeps only its SHA-256)."""

    cookie: str


@dataclass(frozen=True)
class Cleanup:
    """What one cleanup removed: objects of long-expired unused tickets, objects no row names
    (left by a crash between a copy and its commit), and partial uploads the storage kept."""

    deleted_objects: int
    removed_leftovers: int
    removed_partial_uploads: int


__all__ = [
    "Attachment",
    "Cleanup",
    "NewSession",
    "NewUser",
    "OAuthCredentials",
    "Principal",
    "Project",
    "Realty",
    "RealtyImage",
    "Session",
]
