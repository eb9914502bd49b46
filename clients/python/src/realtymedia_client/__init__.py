"""The realtymedia client SDK: both API dialects over httpx.

    from realtymedia_client import RealtyImageClient

    with RealtyImageClient("https://media.example.com", token) as client:
        images = client.upload(realty_id, sorted(Path("photos").glob("*.jpg")))

Errors are ``RealtyMediaError`` and its subclasses (the tree is written down in ``_errors``).
"""

from realtymedia_client._errors import (
    APIError,
    AuthenticationError,
    Conflict,
    ErrorDetail,
    NotFound,
    PermissionDenied,
    RateLimited,
    RealtyMediaError,
    ServerError,
    StorageError,
    TransportError,
    UploadFailed,
    UploadInterrupted,
    ValidationError,
)
from realtymedia_client._http import content_type_of, sha256_of
from realtymedia_client._models import Attachment, Project, Realty, RealtyImage, UploadForm
from realtymedia_client._templates import fill_template
from realtymedia_client.is24 import IS24Client
from realtymedia_client.realty_image import RealtyImageClient, UploadEvent

__all__ = [
    "APIError",
    "Attachment",
    "AuthenticationError",
    "Conflict",
    "ErrorDetail",
    "IS24Client",
    "NotFound",
    "PermissionDenied",
    "Project",
    "RateLimited",
    "Realty",
    "RealtyImage",
    "RealtyImageClient",
    "RealtyMediaError",
    "ServerError",
    "StorageError",
    "TransportError",
    "UploadEvent",
    "UploadFailed",
    "UploadInterrupted",
    "UploadForm",
    "ValidationError",
    "content_type_of",
    "fill_template",
    "sha256_of",
]
