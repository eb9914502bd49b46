"""The served OpenAPI document (with what we chose where the vendor's document is silent) and the
Swagger UI page over it (api/openapi_viewer.py: offline, and able to render OpenAPI 3.1)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from realtymedia.api.openapi_viewer import viewer_routes

DESCRIPTION = """
Realty Image API allows an agent to manage the images of a realty. Files never pass through the
service: get an upload grant, POST the file straight to object storage with it, then save it.

**Where the vendor's document is silent, this service chose:**

- Statuses: saving images answers 200 with the saved images; update, delete and copy answer 200
  with an empty object; `POST /realty` answers 201.
- Errors always have the body `{"errorCode", "message", "errors": [{"target", "errorCode", "message"}]}`.
  Top-level codes: `BAD_REQUEST_PARAMETERS` (query, path or header) and `BAD_REQUEST_BODY` (400),
  `UNAUTHORIZED` (401), `NOT_FOUND` (404, also for realties of other users), `METHOD_NOT_ALLOWED`
  (405, ours), `STATUS_CONFLICT` (409), `UNSUPPORTED_MEDIA_TYPE` (415), `TOO_MANY_REQUESTS` (429),
  `TECHNICAL_ERROR` (500). An item's `errorCode` is `VALUE_REQUIRED` for a missing value,
  `INVALID_TYPE` for a value of the wrong type or a file whose bytes are not the declared image
  type, else the top-level code; `target` names the input, e.g. `uploadedImages[3].key`.
- A realty holds at most 200 images; a save or copy that would pass it is a 400 that changes nothing.
- `Request-ID` (a UUID) is required on every change and on `uploadGrants`, and echoed on every
  answer. It is an idempotency key per user for 24 hours: a repeat of the same request (method,
  path, query and body) gets the first answer again with header `Idempotent-Replayed: true`, and
  nothing happens twice; the same Request-ID with a different request, or while the first is still
  running, is a 409 `STATUS_CONFLICT`. Answers of 500 are not kept: a retry executes again, and so
  does a retry after the server crashed in the middle of the request.
- Authentication: `Authorization: Bearer <token>`, or the web page's session cookie `rm_session`
  (with its `X-CSRF-Token` header on changes).

**Our additions:** the `sha256` of each image; `POST /realty`, `GET /realty`,
`GET /realty/{realtyId}` and `POST /realty/{realtyId}/publish`.

Interactive documentation: `docs` under this base path (Swagger UI served locally).
"""


def install_docs(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                contact=app.contact,
                servers=app.servers,
            )
            _drop_fastapi_validation_errors(schema)
            _keep_null_examples(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.router.routes.extend(viewer_routes("Realty Image API"))


def _keep_null_examples(schema: dict[str, Any]) -> None:
    """FastAPI's encoder drops None from the document, examples included: `Realty`'s example lost
    its required `publishedAt: null`. The models' own examples are put back as written."""
    from realtymedia.api.realty_image import schemas as models

    for name, component in schema.get("components", {}).get("schemas", {}).items():
        model: Any = getattr(models, name, None)
        examples = model.model_json_schema().get("examples") if hasattr(model, "model_json_schema") else None
        if examples:
            component["examples"] = examples


def _drop_fastapi_validation_errors(schema: dict[str, Any]) -> None:
    """This dialect answers 400 with the vendor's body, never FastAPI's 422."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            operation.get("responses", {}).pop("422", None)
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
