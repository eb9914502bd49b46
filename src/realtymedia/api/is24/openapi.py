"""The IS24 dialect's OpenAPI 3.1 document: its resources in XML and JSON, the documents' own examples
(examples.py, verbatim from documents 000-002), its OAuth 1.0a security scheme and its error bodies.

IS24 publishes no OpenAPI document; this one describes what this service implements of the dialect
(README.md beside this module). JSON schemas describe the JSON representation (IS24's mapping of the
XML: attributes as `@` members, one-element lists as lists); each XML media type names its root
element and namespace, and carries the XML examples.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from realtymedia.api.is24 import examples
from realtymedia.api.is24.codec import COMMON, NAMESPACES, REALESTATEPROJECT

XML, JSON = "application/xml", "application/json"
TYPES = ["image/jpeg", "image/gif", "image/png", "application/pdf"]
MESSAGE_CODES = [
    "MESSAGE_RESOURCE_CREATED",
    "MESSAGE_RESOURCE_UPDATED",
    "MESSAGE_RESOURCE_DELETED",
    "ERROR_RESOURCE_VALIDATION",
    "ERROR_RESOURCE_NOT_FOUND",
    "ERROR_COMMON_AUTHENTICATION_REQUIRED",
    "ERROR_COMMON_ACCESS_DENIED",
    "ERROR_COMMON_REQUEST_CONFLICT",
    "ERROR_COMMON_MEDIA_TYPE_UNSUPPORTED",
    "ERROR_COMMON_BAD_REQUEST",
    "ERROR_COMMON_TOO_MANY_REQUESTS",
    "ERROR_COMMON_SERVICE_UNAVAILABLE",
    "ERROR_COMMON_INTERNAL_SERVER_ERROR",
]
ROOT = "/api/offer/v1.0/user/{username}/realestateproject"

DESCRIPTION = """
Real estate project attachments as IS24's REST API has them: an IS24 client works by changing only
its host. Files never pass through the service: get an upload ticket, POST the file straight to
storage with its fields (an S3 browser POST), then assign it to the project.

Every resource answers XML or JSON, chosen by `Accept` (XML when absent) or a `.xml` / `.json`
suffix; `Accept: application/json;strict=true` makes lists references only. Reads carry `ETag` and
`Last-Modified` and answer 304 to `If-None-Match` / `If-Modified-Since`. Every answer carries the
request reference `L-IS24-RequestRefnum`. Errors are `common.messages` in the representation asked
for. What this service chose where IS24's documents are silent: `src/realtymedia/api/is24/README.md`.
"""


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _wrapped(root: str, body: dict[str, Any], namespace: str = "realestateproject") -> dict[str, Any]:
    """IS24's JSON: the root element as the only member, named `<namespace>.<element>`."""
    return {
        "type": "object",
        "required": [f"{namespace}.{root}"],
        "additionalProperties": False,
        "properties": {f"{namespace}.{root}": body},
    }


def _xml(root: str, namespace: str = REALESTATEPROJECT) -> dict[str, Any]:
    prefix, uri = NAMESPACES[namespace]
    return {
        "type": "object",
        "description": "The XML representation: the same elements as the JSON one, attributes as XML attributes.",
        "xml": {"name": root, "namespace": uri, "prefix": prefix},
    }


def _example(text: str, media_type: str) -> Any:
    return json.loads(text) if media_type == JSON else text


def _content(
    json_schema: str, xml_schema: str, pair: dict[str, str] | None = None, **named: dict[str, str]
) -> dict[str, Any]:
    """Both representations; `pair` (or the `named` pairs) are the documents' {"xml", "json"} examples."""
    pairs = {"document": pair} if pair else named
    content: dict[str, Any] = {}
    for media_type, schema, fmt in ((XML, xml_schema, "xml"), (JSON, json_schema, "json")):
        entry: dict[str, Any] = {"schema": _ref(schema)}
        if pairs:
            entry["examples"] = {
                name: {"summary": f"from IS24's document ({name})", "value": _example(p[fmt], media_type)}
                for name, p in pairs.items()
            }
        content[media_type] = entry
    return content


def _messages(description: str, **named: dict[str, str]) -> dict[str, Any]:
    return {"description": description, "content": _content("Messages", "MessagesXml", **named)}


ERRORS: dict[str, Any] = {
    "400": _messages("The body is not well-formed XML or JSON (or has a DTD): ERROR_COMMON_BAD_REQUEST."),
    "401": _messages(
        "Not signed, or the OAuth 1.0a signature, nonce or timestamp does not hold: "
        "ERROR_COMMON_AUTHENTICATION_REQUIRED."
    ),
    "403": _messages("The token's user is not the path's user: ERROR_COMMON_ACCESS_DENIED."),
    "404": _messages("No such project or attachment of this user, or an Accept this dialect does not speak."),
    "413": _messages("The body is larger than 1 MiB: ERROR_COMMON_BAD_REQUEST."),
    "415": _messages("A body neither XML nor JSON: ERROR_COMMON_MEDIA_TYPE_UNSUPPORTED."),
    "429": _messages("Over a rate limit (ours; IS24 documents none): ERROR_COMMON_TOO_MANY_REQUESTS."),
    "500": _messages("ERROR_COMMON_INTERNAL_SERVER_ERROR."),
}

PARAMETERS = {
    "username": {
        "name": "username",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": "The user's name, or `me` for the user of the OAuth token (3-legged).",
    },
    "realestateprojectid": {
        "name": "realestateprojectid",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
        "description": "The project's id.",
    },
    "attachmentid": {
        "name": "attachmentid",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 36, "maxLength": 36},
        "description": "The attachment's id (a ticket's attachmentId, for files).",
    },
}


def _operation(
    summary: str,
    responses: dict[str, Any],
    *params: str,
    body: dict[str, Any] | None = None,
    errors: tuple[str, ...] = ("400", "401", "403", "404", "413", "415", "429", "500"),
    description: str = "",
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "tags": ["Real estate project attachments"],
        "summary": summary,
        "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in ("username", *params)],
        "responses": {**responses, **{code: {"$ref": f"#/components/responses/E{code}"} for code in errors}},
        "security": [{"OAuth1": []}],
    }
    if description:
        operation["description"] = description
    if body is not None:
        operation["requestBody"] = {"required": True, "content": body}
    return operation


ID = {"type": "string", "minLength": 36, "maxLength": 36}
HREF = {"type": "string", "format": "uri", "description": "An absolute URL of the resource (xlink:href)."}
SCALED_URLS = {
    "type": "array",
    "description": "One list of the renditions' URL templates (%WIDTH%, %HEIGHT%) and the original (SCALE_MAX).",
    "items": {
        "type": "object",
        "properties": {
            "url": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["@scale", "@href"],
                    "properties": {"@scale": {"type": "string"}, "@href": {"type": "string"}},
                },
            }
        },
    },
}


def _schemas() -> dict[str, Any]:
    message = {
        "type": "object",
        "required": ["messageCode", "message"],
        "properties": {
            "messageCode": {"enum": MESSAGE_CODES},
            "message": {"type": "string"},
            "id": {"type": "string", "description": "The resource's id (created, updated, deleted)."},
        },
    }
    attachment_input: dict[str, Any] = {
        "type": "object",
        "required": ["@xsi.type"],
        "properties": {
            "@xsi.type": {
                "enum": ["realestateproject:Picture", "realestateproject:PDFDocument", "realestateproject:Link"]
            },
            "@id": {**ID, "description": "Picture and PDFDocument: the upload ticket's attachmentId."},
            "pictureType": {"enum": ["COMPANY_LOGO", "PROJECT_LOGO", "IMAGE"]},
            "title": {"type": "string", "minLength": 3, "maxLength": 100, "description": "Pictures of type IMAGE."},
            "pdfDocumentType": {"enum": ["BROCHURE"]},
            "url": {"type": "string", "description": "Link: a supported virtual tour's URL."},
            "linkType": {"enum": ["VIRTUAL_TOUR"]},
        },
    }
    attachment = {
        **attachment_input,
        "required": ["@xsi.type", "@id", "@xlink.href"],
        "properties": {
            **attachment_input["properties"],
            "@xlink.href": HREF,
            "url": {"type": "string", "description": "PDFDocument: the file's URL. Link: the tour's URL."},
            "urls": SCALED_URLS,
            "placeholder": {"type": "string", "description": "Ours: a tiny data: URL to show while a rendition loads."},
        },
    }
    reference = {
        "type": "object",
        "required": ["@xsi.type", "@id", "@xlink.href"],
        "properties": {"@xsi.type": attachment_input["properties"]["@xsi.type"], "@id": ID, "@xlink.href": HREF},
    }
    project = {
        "type": "object",
        "required": ["@id", "@xlink.href", "name", "product"],
        "properties": {
            "@id": {"type": "string"},
            "@xlink.href": HREF,
            "name": {"type": "string", "maxLength": 40},
            "title": {"type": "string", "maxLength": 100},
            "description": {"type": "string"},
            "homepageUrl": {"type": "string"},
            "product": {"enum": ["BASIC", "PROFESSIONAL"]},
            "attachments": {
                "type": "object",
                "properties": {"@xlink.href": HREF, "attachment": {"type": "array", "items": reference}},
            },
        },
    }
    return {
        "Message": message,
        "Messages": _wrapped(
            "messages",
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["message"],
                    "properties": {"message": {"oneOf": [message, {"type": "array", "items": message}]}},
                },
            },
            namespace=COMMON,
        ),
        "MessagesXml": _xml("messages", COMMON),
        "UploadTicketRequest": _wrapped(
            "uploadTicketRequest",
            {
                "type": "object",
                "required": ["attachmentContentType"],
                "properties": {"attachmentContentType": {"enum": TYPES}},
            },
        ),
        "UploadTicketRequestXml": _xml("uploadTicketRequest"),
        "UploadTicket": _wrapped(
            "uploadTicket",
            {
                "type": "object",
                "required": ["url", "attachmentId", "fields"],
                "properties": {
                    "url": {"type": "string", "format": "uri", "description": "Where to POST the form."},
                    "attachmentId": ID,
                    "fields": {
                        "type": "array",
                        "description": "The S3 POST form's fields, in order: send each, then the file as `file`.",
                        "items": {
                            "type": "object",
                            "properties": {
                                "field": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["@key", "@value"],
                                        "properties": {"@key": {"type": "string"}, "@value": {"type": "string"}},
                                    },
                                }
                            },
                        },
                    },
                },
            },
        ),
        "UploadTicketXml": _xml("uploadTicket"),
        "AttachmentInput": _wrapped("attachment", attachment_input),
        "AttachmentInputXml": _xml("attachment"),
        "Attachment": _wrapped("attachment", attachment),
        "AttachmentXml": _xml("attachment"),
        "Attachments": _wrapped(
            "attachments",
            {
                "type": "array",
                "items": {"type": "object", "properties": {"attachment": {"type": "array", "items": attachment}}},
            },
        ),
        "AttachmentsXml": _xml("attachments"),
        "AttachmentsOrder": _wrapped(
            "attachmentsOrder",
            {
                "type": "object",
                "required": ["attachmentId"],
                "properties": {"attachmentId": {"type": "array", "items": {"type": "string"}}},
            },
        ),
        "AttachmentsOrderXml": _xml("attachmentsOrder"),
        "RealEstateProject": _wrapped("realEstateProject", project),
        "RealEstateProjectXml": _xml("realEstateProject"),
        "RealEstateProjects": _wrapped(
            "realEstateProjects",
            {
                "type": "array",
                "items": {"type": "object", "properties": {"realEstateProject": {"type": "array", "items": project}}},
            },
        ),
        "RealEstateProjectsXml": _xml("realEstateProjects"),
    }


def _ok(description: str, schema: str, **named: dict[str, str]) -> dict[str, Any]:
    return {"description": description, "content": _content(schema, schema + "Xml", **named)}


def _rendition(method: str) -> dict[str, Any]:
    """GET or HEAD of a rendition URL (docs/renditions.md): public, as the files are."""
    immutable = {"schema": {"type": "string"}, "example": "public, max-age=31536000, immutable"}
    validators = {
        "ETag": {"description": "Strong, per URL.", "schema": {"type": "string"}},
        "Last-Modified": {"description": "When the picture was stored.", "schema": {"type": "string"}},
        "Cache-Control": immutable,
    }
    body: dict[str, Any] = {"type": "string", "contentMediaType": "image/jpeg"}
    images = {
        media_type: {"schema": {**body, "contentMediaType": media_type}}
        for media_type in ("image/jpeg", "image/webp", "image/avif")
    }
    whole = {"description": "The rendition (made on first request, stored after).", "headers": validators}
    part = {"description": "The one byte range asked for (`Range`, `If-Range`).", "headers": validators}
    if method == "get":
        whole, part = {**whole, "content": images}, {**part, "content": images}
    return {
        "tags": ["Pictures"],
        "summary": "A picture scaled to a size in one of IS24's scale modes (the `<urls>` templates of a Picture)",
        "description": "A Picture's `<urls>` hold these URLs as templates: replace `%WIDTH%` and `%HEIGHT%`, "
        "and `.jpg` by `.webp` or `.avif` for those formats. The URLs never change meaning: answers are "
        "immutable, and `If-None-Match` / `If-Modified-Since` answer 304. A deleted picture's URLs answer 404.",
        "parameters": [
            {"name": "pictureid", "in": "path", "required": True, "schema": ID, "description": "The Picture's id."},
            {
                "name": "version",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "pattern": "^[0-9a-f]{12}$"},
                "description": "The start of the picture's SHA-256, as its templates carry it.",
            },
            {
                "name": "mode",
                "in": "path",
                "required": True,
                "schema": {"enum": ["SCALE", "SCALE_AND_CROP", "WHITE_FILLING"]},
                "description": "SCALE: fit inside, never enlarged; SCALE_AND_CROP: exactly the size, centre-cropped; "
                "WHITE_FILLING: exactly the size, the fitted picture centred on white.",
            },
            {
                "name": "size",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "pattern": "^[0-9]+x[0-9]+\\.(jpg|webp|avif)$"},
                "example": "400x300.jpg",
                "description": "WIDTHxHEIGHT (each 1..3840 by default) and the format.",
            },
        ],
        "responses": {
            "200": whole,
            "206": part,
            "304": {"description": "Not modified (`If-None-Match`, `If-Modified-Since`).", "headers": validators},
            "400": _messages("A mode, size or format this route does not know: ERROR_COMMON_BAD_REQUEST."),
            "404": _messages("No such picture (or another version, or deleted): ERROR_RESOURCE_NOT_FOUND."),
            "416": {"description": "A range outside the rendition."},
            "429": {"$ref": "#/components/responses/E429"},
            "500": _messages("The stored picture cannot be rendered: ERROR_COMMON_INTERNAL_SERVER_ERROR."),
            "503": {
                **_messages("Too many renditions under way, or storage unavailable; retry after `Retry-After`."),
                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            },
        },
        "security": [],
    }


def _paths() -> dict[str, Any]:
    picture_created = {"Picture": examples.CREATED}
    assign_errors = {
        "404": _messages("Files not uploaded prior to assignment.", **{"not uploaded": examples.NOT_UPLOADED}),
        "412": _messages(
            "The payload breaks a rule of document 001 or of the contract.",
            **{"link exceeded": examples.LINK_EXCEEDED, "invalid payload": examples.INVALID_PAYLOAD},
        ),
    }
    form_urlencoded = {"application/x-www-form-urlencoded": {"schema": {"type": "string"}}}
    oauth_tag = ["OAuth 1.0a"]
    return {
        ROOT: {
            "get": _operation("The user's projects", {"200": _ok("The projects.", "RealEstateProjects")}),
        },
        ROOT + "/{realestateprojectid}": {
            "get": _operation(
                "One project, with references to its attachments",
                {"200": _ok("The project.", "RealEstateProject")},
                "realestateprojectid",
            ),
        },
        ROOT + "/{realestateprojectid}/attachment/upload-ticket": {
            "post": _operation(
                "Create upload ticket for file attachment (document 000)",
                {
                    "200": _ok(
                        "The ticket: POST its fields and the file to its url.", "UploadTicket", ticket=examples.TICKET
                    ),
                    "412": _messages(
                        "Invalid or missing attachment content type.",
                        **{"content type missing": examples.TICKET_CONTENT_TYPE_MISSING},
                    ),
                },
                "realestateprojectid",
                body=_content("UploadTicketRequest", "UploadTicketRequestXml", examples.TICKET_REQUEST),
                description="Tickets are for Pictures and PDFDocuments (image/jpeg, image/gif, image/png, "
                "application/pdf), up to 50 MiB, valid for 25 minutes.",
            ),
        },
        ROOT + "/{realestateprojectid}/attachment": {
            "get": _operation(
                "The project's attachments, in their order",
                {"200": _ok("The attachments.", "Attachments")},
                "realestateprojectid",
            ),
            "post": {
                **_operation(
                    "Assign attachment to real estate project (document 001)",
                    {
                        "201": {
                            **_messages("Assigned: MESSAGE_RESOURCE_CREATED.", **picture_created),
                            "headers": {
                                "Location": {
                                    "description": "The attachment's URL.",
                                    "schema": {"type": "string"},
                                    "example": examples.CREATED_LOCATION,
                                }
                            },
                        },
                        **assign_errors,
                    },
                    "realestateprojectid",
                    body=_content(
                        "AttachmentInput",
                        "AttachmentInputXml",
                        Picture=examples.PICTURE,
                        PDFDocument=examples.PDF,
                        Link=examples.LINK,
                    ),
                    errors=("400", "401", "403", "413", "415", "429", "500"),
                ),
            },
            "put": _operation(
                "Update an attachment (its id in the payload)",
                {
                    "200": _messages("Updated: MESSAGE_RESOURCE_UPDATED."),
                    "412": _messages("The payload breaks a rule of document 001."),
                },
                "realestateprojectid",
                body=_content("AttachmentInput", "AttachmentInputXml"),
            ),
        },
        ROOT + "/{realestateprojectid}/attachment/{attachmentid}": {
            "get": _operation(
                "One attachment", {"200": _ok("The attachment.", "Attachment")}, "realestateprojectid", "attachmentid"
            ),
            "delete": _operation(
                "Delete an attachment (and its stored file)",
                {"200": _messages("Deleted: MESSAGE_RESOURCE_DELETED.")},
                "realestateprojectid",
                "attachmentid",
            ),
        },
        ROOT + "/{realestateprojectid}/attachment/order": {
            "put": _operation(
                "Change order of file attachments (document 002)",
                {
                    "200": _ok(
                        "The new order of all file attachments.", "AttachmentsOrder", order=examples.ORDER_RESPONSE
                    ),
                    "412": _messages("Invalid attachmentId.", **{"invalid ids": examples.ORDER_INVALID}),
                },
                "realestateprojectid",
                body=_content("AttachmentsOrder", "AttachmentsOrderXml", examples.ORDER_REQUEST),
            ),
        },
        "/pictures/{pictureid}/{version}/{mode}/{size}": {"get": _rendition("get"), "head": _rendition("head")},
        "/security/oauth/request_token": {
            "post": {
                "tags": oauth_tag,
                "summary": "OAuth 1.0a: a request token (signed with the consumer key alone)",
                "responses": {"200": {"description": "oauth_token, oauth_token_secret", "content": form_urlencoded}},
                "security": [{"OAuth1": []}],
            }
        },
        "/security/oauth/confirm_access": {
            "get": {
                "tags": oauth_tag,
                "summary": "OAuth 1.0a: the page where the user logs in and allows access",
                "parameters": [{"name": "oauth_token", "in": "query", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}}
                },
                "security": [],
            }
        },
        "/security/oauth/access_token": {
            "post": {
                "tags": oauth_tag,
                "summary": "OAuth 1.0a: exchange the authorized request token and its verifier for an access token",
                "responses": {"200": {"description": "oauth_token, oauth_token_secret", "content": form_urlencoded}},
                "security": [{"OAuth1": []}],
            }
        },
    }


@cache
def document() -> dict[str, Any]:
    """The document, served at /restapi/openapi.json (paths below the server's `/restapi`)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "IS24 real estate project attachments", "version": "1.0", "description": DESCRIPTION},
        "servers": [{"url": "/restapi"}],
        "tags": [
            {"name": "Real estate project attachments", "description": "Documents 000, 001 and 002 of IS24."},
            {"name": "OAuth 1.0a", "description": "The 3-legged flow (document 003)."},
            {"name": "Pictures", "description": "Renditions of Pictures, public (beyond IS24's documents)."},
        ],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "parameters": PARAMETERS,
            "responses": {f"E{code}": response for code, response in ERRORS.items()},
            "securitySchemes": {
                "OAuth1": {
                    "type": "http",
                    "scheme": "OAuth",
                    "description": "OAuth 1.0a (RFC 5849), HMAC-SHA1, every `oauth_*` parameter in the "
                    "Authorization header. 3-legged with an access token; 2-legged (consumer key and secret "
                    "alone) where the user is named in the path.",
                }
            },
        },
    }
