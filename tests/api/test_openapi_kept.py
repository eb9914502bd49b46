"""The OpenAPI documents the service serves are byte for byte the kept copies in tests/api/openapi/.

The hot routes may be written below the framework (plain Starlette endpoints instead of FastAPI's
dependencies, issue 12) only if what clients and generators read stays exactly what it was. A change
to a document that is meant is made by writing the new copy (`REALTYMEDIA_WRITE_OPENAPI=1` with this
test) and committing it, where review sees it.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from tests.support import Stack

KEPT = Path(__file__).parent / "openapi"
DOCUMENTS = {"realty_image.json": "/realty-image/v2/openapi.json", "is24.json": "/restapi/openapi.json"}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_served_openapi_is_the_kept_copy(stack: Stack, name: str) -> None:
    response = httpx.get(stack.url + DOCUMENTS[name], timeout=60)
    assert response.status_code == 200
    if os.environ.get("REALTYMEDIA_WRITE_OPENAPI") == "1":
        (KEPT / name).write_bytes(response.content)
    assert response.content == (KEPT / name).read_bytes()
