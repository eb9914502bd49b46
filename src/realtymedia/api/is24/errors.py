"""The one translation of refusals into IS24's `common.messages` and an HTTP status.

Domain errors carry no status; protocol refusals (authentication, media types, body size) are
raised as `Refusal` by the dialect itself. Both end here.

| error                          | status | messageCode                          |
| ------------------------------ | ------ | ------------------------------------ |
| NotAuthenticated               | 401    | ERROR_COMMON_AUTHENTICATION_REQUIRED |
| Invalid (one message per rule) | 412    | ERROR_RESOURCE_VALIDATION            |
| NotFound                       | 404    | ERROR_RESOURCE_NOT_FOUND             |
| AccessDenied                   | 403    | ERROR_COMMON_ACCESS_DENIED           |
| Conflict                       | 409    | ERROR_COMMON_REQUEST_CONFLICT        |
| Refusal                        | its own                                       |
| a rate limit; Throttled        | 429    | ERROR_COMMON_TOO_MANY_REQUESTS (ours: IS24 has none) |
| Overloaded                     | 503    | ERROR_COMMON_SERVICE_UNAVAILABLE (ours, likewise)    |

Throttled and Overloaded carry Retry-After.
| anything else                  | 500    | ERROR_COMMON_INTERNAL_SERVER_ERROR   |

An attachmentId assigned a second time is Invalid (412, code TICKET_USED), like any other
payload that names something it may not: the IS24 client already handles 412 for payloads.
"""

from __future__ import annotations

import logging

from realtymedia.api.is24.codec import COMMON, Document, Node
from realtymedia.domain import codes
from realtymedia.domain.errors import (
    AccessDenied,
    Conflict,
    DomainError,
    Invalid,
    NotAuthenticated,
    NotFound,
    Overloaded,
    Path,
    Throttled,
    Violation,
)

log = logging.getLogger(__name__)

RESOURCE_VALIDATION = "ERROR_RESOURCE_VALIDATION"
RESOURCE_NOT_FOUND = "ERROR_RESOURCE_NOT_FOUND"
AUTHENTICATION_REQUIRED = "ERROR_COMMON_AUTHENTICATION_REQUIRED"
ACCESS_DENIED = "ERROR_COMMON_ACCESS_DENIED"
REQUEST_CONFLICT = "ERROR_COMMON_REQUEST_CONFLICT"
MEDIA_TYPE_UNSUPPORTED = "ERROR_COMMON_MEDIA_TYPE_UNSUPPORTED"
BAD_REQUEST = "ERROR_COMMON_BAD_REQUEST"
INTERNAL_SERVER_ERROR = "ERROR_COMMON_INTERNAL_SERVER_ERROR"
TOO_MANY_REQUESTS = "ERROR_COMMON_TOO_MANY_REQUESTS"
SERVICE_UNAVAILABLE = "ERROR_COMMON_SERVICE_UNAVAILABLE"
AUTHENTICATION_MESSAGE = "Authentication required: sign the request with OAuth 1.0a (HMAC-SHA1)."
AUTHENTICATE = {"WWW-Authenticate": 'OAuth realm="IS24 realm"'}

# Codes IS24's documents print bare; for any other code the human sentence is added, since the
# code alone would not tell the client what was wrong (e.g. what the uploaded bytes were).
DOCUMENTED_CODES = {
    codes.MANDATORY_FIELD_EMPTY,
    codes.LENGTH_EXCEEDED_OR_TOO_SMALL,
    codes.INVALID_URL,
    codes.INVALID_CHARACTERS,
}
CONTRACT_CODES = {codes.NUMBER_OF_ITEMS_EXCEEDED, codes.DENIED_FOR_PRODUCT}


class Refusal(Exception):
    """A refusal of the protocol, not of the domain: it knows its status and message code."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def messages(*items: tuple[str, str, str | None]) -> Document:
    """`common.messages` with one `message` per (messageCode, message, id)."""
    root = Node("messages", wrapped=True)
    for code, text, ident in items:
        message = root.add("message")
        message.add("messageCode", code)
        message.add("message", text)
        if ident is not None:
            message.add("id", ident)
    return Document(COMMON, root)


# IS24's names of the domain's fields, where they are not the names in camel case.
_NAMES = {"kind": "type", "content_type": "attachmentContentType"}


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def word(path: Path) -> str:
    """A field's path in IS24's words, the names of its payloads (`picture_type` is `pictureType`)."""
    return ".".join(_NAMES.get(part, _camel(part)) if isinstance(part, str) else str(part) for part in path)


def validation_message(violation: Violation) -> str:
    value = _value(violation.value)
    code = violation.code
    field = word(violation.parts)
    message = violation.sentence(word)
    if code in CONTRACT_CODES:
        code = f"attachment.{field}.{code}"
    elif message and (code not in DOCUMENTED_CODES or field == "file"):
        code = f"{code} ({message})"
    return f"Error while validating input for the resource. [MESSAGE: {field} : {value} : {code}]"


def _value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def translate(error: BaseException) -> tuple[int, Document, dict[str, str]]:
    """Status, body and extra headers for any error raised while answering a request."""
    if isinstance(error, Refusal):
        return error.status, messages((error.code, error.message, None)), error.headers
    if isinstance(error, NotAuthenticated):
        return 401, messages((AUTHENTICATION_REQUIRED, AUTHENTICATION_MESSAGE, None)), dict(AUTHENTICATE)
    if isinstance(error, Invalid):
        return 412, messages(*[(RESOURCE_VALIDATION, validation_message(v), None) for v in error.violations]), {}
    if isinstance(error, NotFound):
        return 404, messages((RESOURCE_NOT_FOUND, str(error), None)), {}
    if isinstance(error, AccessDenied):
        return 403, messages((ACCESS_DENIED, str(error), None)), {}
    if isinstance(error, Conflict):
        return 409, messages((REQUEST_CONFLICT, str(error), None)), {}
    if isinstance(error, Throttled | Overloaded):
        status, code = (429, TOO_MANY_REQUESTS) if isinstance(error, Throttled) else (503, SERVICE_UNAVAILABLE)
        return status, messages((code, str(error), None)), {"Retry-After": str(error.retry_after)}
    if isinstance(error, DomainError):
        return 412, messages((RESOURCE_VALIDATION, str(error), None)), {}
    log.exception("IS24 request failed", exc_info=error)
    return 500, messages((INTERNAL_SERVER_ERROR, "An internal error occurred.", None)), {}
