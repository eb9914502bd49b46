"""Property-based run against the served OpenAPI document: no 5xx, and every answer matches the
document (status, content type, headers, body schema). Bounded: a few examples per operation."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode, checks
from tests.support import Stack

from realtymedia.services import accounts, realties

BASE = "/realty-image/v2"
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def caller(stack: Stack) -> Iterator[dict[str, Any]]:
    user = accounts.create_user(stack.core, f"st{uuid.uuid4().hex[:10]}", "pw")
    realty = realties.create(stack.core, user.id)
    yield {"token": user.bearer_token, "realty": realty.id}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_keeps_its_own_document(stack: Stack, caller: dict[str, Any], mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{stack.url}{BASE}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 12  # the vendor's 6 and our 6 additions
    started = time.monotonic()
    seen: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
        def run(case: Any) -> None:
            exercise(case, stack, caller, seen)

        run()
    assert time.monotonic() - started < 90
    # The run reached the operations' logic, not only their front checks.
    assert {200, 400} <= set(seen), seen


def exercise(case: Any, stack: Stack, caller: dict[str, Any], seen: list[int]) -> None:
    # Most generated realty ids name no realty; point the valid ones at a real realty of the caller,
    # so the operations run their real logic too.
    if isinstance(case.path_parameters, dict) and _is_uuid(case.path_parameters.get("realtyId")):
        case.path_parameters["realtyId"] = caller["realty"]
    headers = {"Authorization": f"Bearer {caller['token']}"}
    # A fresh Request-ID per call, unless this case tests a malformed or missing one.
    if isinstance(case.headers, dict) and _is_uuid(case.headers.get("Request-ID")):
        case.headers["Request-ID"] = str(uuid.uuid4())
    response = case.call_and_validate(base_url=f"{stack.url}{BASE}", headers=headers, checks=CHECKS, timeout=30)
    seen.append(response.status_code)


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)
