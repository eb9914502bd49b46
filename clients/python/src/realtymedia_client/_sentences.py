"""What went wrong with a file, in a sentence a person understands, naming the file; the service's
own code (and its request reference) follows in brackets for whoever answers the support call."""

from __future__ import annotations

from pathlib import Path

from realtymedia_client._errors import (
    APIError,
    AuthenticationError,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    StorageError,
    TransportError,
)

# Storage codes (S3's, and the local endpoint's, which speaks S3) for a file's own fault.
_STORAGE = {
    "EntityTooLarge": "is larger than the service accepts",
    "EntityTooSmall": "is empty",
    "AccessDenied": "was refused by the storage: its upload grant has expired or does not admit this file",
}


def sentence(error: BaseException, path: Path | None = None) -> str:
    name = path.name if path is not None else "the upload"
    if isinstance(error, OSError):
        return f"{name} could not be read on this computer: {error.strerror or error}"
    if isinstance(error, StorageError):
        said = _STORAGE.get(error.code, f"was refused by the storage ({error.message})")
        return f"{name} {said} [storage: {error.status_code} {error.code}]"
    if isinstance(error, TransportError):
        return f"{name} could not be sent: the service did not answer ({error})"
    if isinstance(error, APIError):
        return f"{_api(error, name)} [{_support(error)}]"
    return f"{name} failed: {error or type(error).__name__}"


def _api(error: APIError, name: str) -> str:
    text = " ".join([error.code, error.message, *(f"{d.code} {d.message}" for d in error.details)])
    if isinstance(error, AuthenticationError):
        return "The service did not accept your credentials: check the token or the OAuth keys"
    if isinstance(error, PermissionDenied):
        return f"{name}: you may not change this realty or project"
    if isinstance(error, NotFound):
        return f"{name}: the realty or project was not found among yours (check its ID)"
    if isinstance(error, RateLimited):
        return f"{name}: the service is busy; run the command again in a minute"
    if isinstance(error, ServerError):
        return f"{name}: the service failed on its side; try again later"
    if isinstance(error, Conflict) or "published" in text:
        return f"{name}: the realty's images are published, so this change is refused"
    if "numberOfItemsExceeded" in text:
        return f"{name} was not added: the project already has as many of this kind as it may (one logo each)"
    if "deniedForProduct" in text:
        return f"{name} was not added: the project's product does not include this (brochures need PROFESSIONAL)"
    if "LENGTH_EXCEEDED_OR_TOO_SMALL" in text and "title" in text:
        return f"{name} was not added: its title is too short or too long (give --title, or rename the file)"
    if "damaged or truncated" in text:
        return f"{name} is damaged or truncated: the service could not read the whole picture"
    if "UPLOAD_INCOMPLETE" in text or "nothing has been uploaded" in text:
        return f"{name} did not reach the storage completely; run the command again"
    if "INVALID_TYPE" in text or "CONTENT_MISMATCH" in text or ("declared" in text and ", found" in text):
        return f"{name} is not a picture or document of a kind the service accepts (JPEG, PNG, GIF, WebP; PDF)"
    if "too large" in text or "exceeds" in text:
        return f"{name} is larger than the service accepts"
    if "expired" in text:
        return f"{name} was sent too long ago: its upload grant has expired; run the command again"
    return f"{name} was refused by the service: {error.message}"


def _support(error: APIError) -> str:
    codes = [error.code, *(d.code for d in error.details if d.code and d.code != error.code)]
    reference = f", request {error.request_id}" if error.request_id else ""
    return f"service: {error.status_code} {' '.join(dict.fromkeys(codes))}{reference}"
