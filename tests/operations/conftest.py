"""Stacks of the operations tests: the suite's two (SQLite + local disk, PostgreSQL + S3), served
with /metrics on, and actors on them speaking both dialects."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import STACKS, start_stack
from tests.faults.conftest import Actor, actor
from tests.support import Stack

METRICS_TOKEN = "metrics-secret-token"


@pytest.fixture(scope="module", params=STACKS)
def metered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from start_stack(request.param, request, tmp_path_factory, metrics_token=METRICS_TOKEN)


@pytest.fixture
def carol(metered: Stack) -> Iterator[Actor]:
    yield from actor(metered)
