"""Fixtures: databases (SQLite always, PostgreSQL when reachable or when CI demands it), moto's S3
server, and the service itself on real HTTP for each combination of database and storage."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import Stack, ThreadedServer, free_port, make_settings, postgres_database

# Every API test runs on each of these; together they cover both databases and both storages.
STACKS = ["sqlite-local", "postgresql-s3"]
ALL_STACKS = ["sqlite-local", "sqlite-s3", "postgresql-local", "postgresql-s3"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    made = postgres_database()
    if made is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is unreachable, and CI requires the PostgreSQL tests to run")
        pytest.skip("PostgreSQL is unreachable")
    url, drop = made
    yield url
    drop()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def database_url_for(kind: str, request: pytest.FixtureRequest, data_dir: Path) -> str:
    if kind == "postgresql":
        base: str = request.getfixturevalue("postgres_url")
        return base
    return f"sqlite:///{data_dir / 'realtymedia.sqlite3'}"


def start_stack(
    name: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, **overrides: Any
) -> Iterator[Stack]:
    from realtymedia.app import create_app
    from realtymedia.services.core import Core

    db_kind, storage = name.split("-")
    data_dir = tmp_path_factory.mktemp(name)
    database_url = database_url_for(db_kind, request, data_dir)
    s3_endpoint = request.getfixturevalue("moto_endpoint") if storage == "s3" else ""
    settings = make_settings(data_dir, database_url, storage, s3_endpoint, **overrides)
    if storage == "s3":
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=s3_endpoint,
            region_name="eu-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        try:
            s3.create_bucket(Bucket=settings.s3_bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
    core = Core.from_settings(settings)
    core.db.upgrade()
    with ThreadedServer(create_app(core), settings) as server:
        yield Stack(name, settings, core, server.url)
    core.close()


@pytest.fixture(scope="session", params=STACKS)
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from start_stack(request.param, request, tmp_path_factory)


@pytest.fixture(scope="session", params=["sqlite-local", "postgresql-local"])
def local_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The local storage backend, whose POST endpoint enforces the policy itself."""
    yield from start_stack(request.param, request, tmp_path_factory)


@pytest.fixture(scope="session", params=ALL_STACKS)
def any_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from start_stack(request.param, request, tmp_path_factory)
