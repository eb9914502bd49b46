"""The dialect's JSON shapes. Pydantic models, used for parsing and for the served OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from realtymedia.domain.realty_images import DESCRIPTION_MAX, GRANT_CONTENT_TYPES, MAX_IMAGES

# The content types the domain allows, as one type for the schemas and the query parameter: the
# list lives in domain.realty_images only. (Literal of a tuple is Literal of its items.)
ImageContentType = Literal[GRANT_CONTENT_TYPES]  # type: ignore[valid-type]

EXAMPLE_REALTY = "ddc25849-7bc7-43c0-9c3b-602cb03f7806"
EXAMPLE_IMAGE = "940bf547-122f-4811-8ca0-6ffb9776f035"
EXAMPLE_KEY = "uploads/5f0c8d8e-8f3e-4a57-9d1e-0d8e2f5b1c3a"


def _example(value: Any) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [value]})


class UploadGrantFields(BaseModel):
    """The form fields of an S3 presigned POST (SigV4), signed with temporary credentials. Send them
    all, then the file as field `file` (the document's sample form does exactly that)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    key: str
    policy: str = Field(alias="Policy")
    algorithm: str = Field(alias="X-Amz-Algorithm")
    credential: str = Field(alias="X-Amz-Credential")
    date: str = Field(alias="X-Amz-Date")
    signature: str = Field(alias="X-Amz-Signature")
    # Absent only where the storage signs with long-lived keys (S3 without STS: form sessions off).
    security_token: str | None = Field(default=None, alias="X-Amz-Security-Token")


class UploadGrant(BaseModel):
    model_config = _example(
        {
            "url": "https://realtymedia.s3.eu-west-1.amazonaws.com/",
            "method": "POST",
            "fields": {
                "key": EXAMPLE_KEY,
                "Policy": "eyJleHBpcmF0aW9uIjogIjIwMjYtMTEtMjJUMTI6MjU6MDBaIiwgImNvbmRpdGlvbnMiOiBbXX0=",
                "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                "X-Amz-Credential": "ASIAEXAMPLE/20261122/eu-west-1/s3/aws4_request",
                "X-Amz-Date": "20261122T120000Z",
                "X-Amz-Signature": "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
                "X-Amz-Security-Token": "RMST1.eyJrIjoiQVNJQUVYQU1QTEUiLCJlIjoxNzk1MDAwMDAwfQ.c2lnbmF0dXJl",
            },
        }
    )

    url: str = Field(description="Where to POST the form (multipart/form-data).")
    method: Literal["POST"]
    fields: UploadGrantFields


class UploadedImage(BaseModel):
    key: str = Field(
        min_length=1, max_length=300, description="The `fields.key` of the grant the file was uploaded with."
    )
    description: str | None = Field(
        default=None,
        max_length=DESCRIPTION_MAX,
        description="A one-line caption: no control characters or line breaks.",
    )


class SaveImagesRequest(BaseModel):
    model_config = _example({"uploadedImages": [{"key": EXAMPLE_KEY, "description": "Living room"}]})

    uploadedImages: list[UploadedImage] = Field(min_length=1, max_length=MAX_IMAGES)


EXAMPLE_PICTURES = f"https://media.example.com/realty-image/v2/pictures/{EXAMPLE_IMAGE}/9f86d081884c"


class Renditions(BaseModel):
    """URL templates of the image's renditions: replace `%WIDTH%` and `%HEIGHT%` (pixels, each
    1..3840 by default) with the size wanted; replace the `.jpg` suffix with `.webp` or `.avif` for
    those formats. The URLs change when the image does: answers are cacheable for a year."""

    model_config = _example(
        {
            "SCALE": f"{EXAMPLE_PICTURES}/SCALE/%WIDTH%x%HEIGHT%.jpg",
            "SCALE_AND_CROP": f"{EXAMPLE_PICTURES}/SCALE_AND_CROP/%WIDTH%x%HEIGHT%.jpg",
            "WHITE_FILLING": f"{EXAMPLE_PICTURES}/WHITE_FILLING/%WIDTH%x%HEIGHT%.jpg",
        }
    )

    SCALE: str = Field(description="Fit inside WIDTHxHEIGHT keeping the aspect ratio, never enlarged.")
    SCALE_AND_CROP: str = Field(description="Exactly WIDTHxHEIGHT, filled and centre-cropped.")
    WHITE_FILLING: str = Field(description="Exactly WIDTHxHEIGHT, the fitted image centred on white.")


class RealtyImage(BaseModel):
    model_config = _example(
        {
            "id": EXAMPLE_IMAGE,
            "url": f"https://media.example.com/files/{EXAMPLE_KEY}",
            "renditions": {
                "SCALE": f"{EXAMPLE_PICTURES}/SCALE/%WIDTH%x%HEIGHT%.jpg",
                "SCALE_AND_CROP": f"{EXAMPLE_PICTURES}/SCALE_AND_CROP/%WIDTH%x%HEIGHT%.jpg",
                "WHITE_FILLING": f"{EXAMPLE_PICTURES}/WHITE_FILLING/%WIDTH%x%HEIGHT%.jpg",
            },
            "placeholder": "data:image/webp;base64,UklGRkQAAABXRUJQVlA4IDgAAADQAQCdASoQAAsAAUAmJaQAA3AA/vuUAAA=",
            "description": "Living room",
            "order": 0,
            "published": False,
            "contentType": "image/jpeg",
            "width": 1600,
            "height": 1200,
            "size": 354211,
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "createdAt": "2026-11-22T12:00:00Z",
        }
    )

    id: UUID
    url: str = Field(description="Where the image is read, as uploaded (without its metadata: see the README).")
    renditions: Renditions
    placeholder: str | None = Field(
        description="A blurred preview of a few hundred bytes (a WebP data URI) to show until the image loads."
    )
    description: str | None
    order: int = Field(ge=0, description="Position in the realty's list, from 0.")
    published: bool = Field(description="Published images cannot be deleted.")
    contentType: ImageContentType
    width: int | None
    height: int | None
    size: int = Field(ge=0, description="Bytes.")
    sha256: str = Field(
        pattern="^[0-9a-f]{64}$",
        description="Our addition: hex SHA-256 of the file as uploaded (clients use it to skip files already "
        "saved; the file served has its metadata removed, so its bytes may differ).",
    )
    createdAt: datetime


class RealtyImages(BaseModel):
    realtyImages: list[RealtyImage]


class ImageUpdate(BaseModel):
    id: UUID
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX, description="Left as it is when absent.")


class UpdateImagesRequest(BaseModel):
    model_config = _example({"realtyImages": [{"id": EXAMPLE_IMAGE, "description": "Kitchen"}]})

    realtyImages: list[ImageUpdate] = Field(
        min_length=1,
        max_length=MAX_IMAGES,
        description="Every image of the realty, each once, in the wanted order.",
    )


class ImagePatch(BaseModel):
    """Our addition: one image's own change, whatever the rest of the list is now."""

    model_config = _example({"description": "Kitchen with a view of the garden", "position": 0})

    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX, description="Left as it is when absent.")
    position: int | None = Field(
        default=None,
        ge=0,
        le=MAX_IMAGES,
        description="The image's new place, from 0; the others keep their order. Past the end: last. "
        "Left as it is when absent.",
    )


class RealtyPatch(BaseModel):
    model_config = _example({"name": "Sunny two-room flat, Kallio"})

    name: str = Field(max_length=200)


class CopyRequest(BaseModel):
    model_config = _example({"sourceRealtyId": "0fb5f172-b06d-4e49-8beb-5140e3b6f944"})

    sourceRealtyId: UUID


class Empty(BaseModel):
    """An empty object, as the vendor answers updates, deletes and copies."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}]})


class RealtyCreate(BaseModel):
    model_config = _example({"name": "Sunny two-room flat, Kallio"})

    name: str = Field(default="", max_length=200)


class Realty(BaseModel):
    model_config = _example(
        {
            "id": EXAMPLE_REALTY,
            "name": "Sunny two-room flat, Kallio",
            "published": False,
            "publishedAt": None,
            "imageCount": 12,
            "createdAt": "2026-11-22T12:00:00Z",
            "updatedAt": "2026-11-22T12:05:00Z",
        }
    )

    id: UUID
    name: str
    published: bool
    publishedAt: datetime | None
    imageCount: int = Field(ge=0)
    createdAt: datetime
    updatedAt: datetime


class Realties(BaseModel):
    realties: list[Realty]
    startIndex: int = Field(ge=0)
    size: int = Field(ge=1, le=200)
    totalCount: int = Field(ge=0)


class ErrorItem(BaseModel):
    target: str = Field(description="The parameter or body field at fault, e.g. `uploadedImages[3].key`.")
    errorCode: str
    message: str


class ErrorBody(BaseModel):
    model_config = _example(
        {
            "errorCode": "BAD_REQUEST_BODY",
            "message": "Invalid request body.",
            "errors": [
                {
                    "target": "uploadedImages[3].key",
                    "errorCode": "INVALID_TYPE",
                    "message": "declared image/jpeg, found image/png",
                }
            ],
        }
    )

    errorCode: Literal[
        "BAD_REQUEST_PARAMETERS",
        "BAD_REQUEST_BODY",
        "UNAUTHORIZED",
        "NOT_FOUND",
        "METHOD_NOT_ALLOWED",
        "STATUS_CONFLICT",
        "UNSUPPORTED_MEDIA_TYPE",
        "TOO_MANY_REQUESTS",
        "TECHNICAL_ERROR",
    ]
    message: str
    errors: list[ErrorItem]
