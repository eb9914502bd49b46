"""The `realtymedia` command: each prints JSON, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A database of its own, not yet migrated."""
    values = {**os.environ, "REALTYMEDIA_DATA_DIR": str(tmp_path / "data")}
    if request.param == "sqlite":
        yield values
        return
    if request.getfixturevalue("postgres_url") is None:  # skips (or fails under CI) when unreachable
        return
    made = postgres_database()
    assert made is not None
    url, drop = made
    yield {**values, "REALTYMEDIA_DATABASE_URL": url}
    drop()


def run(env: dict[str, str], *args: str, ok: bool = True) -> Any:
    result = subprocess.run(
        [sys.executable, "-m", "realtymedia", *args], env=env, cwd="/", capture_output=True, text=True, timeout=120
    )
    if not ok:
        assert result.returncode != 0
        return json.loads(result.stderr)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def tables(env: dict[str, str]) -> set[str]:
    from sqlalchemy import create_engine, inspect

    from realtymedia.settings import Settings

    data_dir, database_url = Path(env["REALTYMEDIA_DATA_DIR"]), env.get("REALTYMEDIA_DATABASE_URL", "")
    settings = Settings(data_dir=data_dir, database_url=database_url)
    engine = create_engine(settings.resolved_database_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_only_serve_and_db_upgrade_migrate(env: dict[str, str]) -> None:
    for command in (["users", "create", "bob"], ["realties", "create", "--owner", "bob"], ["cleanup"]):
        refused = run(env, *command, ok=False)
        assert refused["error"] == "NotMigrated"
        assert "run `realtymedia db upgrade` first" in refused["message"], refused
    assert tables(env) == set()  # refused, and nothing was created

    assert run(env, "db", "upgrade")["status"] == "upgraded"
    assert "alembic_version" in tables(env)
    assert run(env, "users", "create", "bob")["username"] == "bob"


def test_accounts_projects_realties(env: dict[str, str]) -> None:
    assert run(env, "db", "upgrade")["status"] == "upgraded"
    name = f"cli{uuid.uuid4().hex[:8]}"
    user = run(env, "users", "create", name, "--password", "s3cret")
    assert user["username"] == name and user["password"] == "s3cret"
    assert set(user["oauth"]) == {"consumer_key", "consumer_secret", "access_token", "access_token_secret"}
    assert user["bearer_token"].startswith("rm_")
    # Credentials go on command lines (`--consumer-secret VALUE`): none may start with "-".
    for credential in ("consumer_secret", "access_token", "access_token_secret"):
        assert all(c in "0123456789abcdef" for c in user["oauth"][credential]), credential
    generated = run(env, "users", "create", name + "x")
    assert len(generated["password"]) >= 12
    duplicate = run(env, "users", "create", name, ok=False)
    assert "already exists" in duplicate["message"]

    project = run(env, "projects", "create", "--owner", name, "--product", "PROFESSIONAL", "--name", "Riverside")
    assert isinstance(project["id"], int) and project["id"] > 0
    assert project["product"] == "PROFESSIONAL" and project["name"] == "Riverside"
    missing = run(env, "projects", "create", "--owner", "nobody-" + name, "--product", "BASIC", "--name", "X", ok=False)
    assert missing["error"] == "NotFound"

    realty = run(env, "realties", "create", "--owner", name, "--name", "Lindenstraße 3")
    assert str(uuid.UUID(realty["id"])) == realty["id"] and realty["name"] == "Lindenstraße 3"
    assert realty["published"] is False
    published = run(env, "realties", "publish", realty["id"])
    assert published["published"] is True

    assert "deleted_objects" in run(env, "cleanup")


def test_output_to_a_closed_pipe_is_no_traceback(env: dict[str, str]) -> None:
    """`realtymedia users create ... | head -c 10`: the reader goes away before the JSON is written."""
    run(env, "db", "upgrade")
    process = subprocess.Popen(
        [sys.executable, "-m", "realtymedia", "users", "create", f"pipe{uuid.uuid4().hex[:8]}"],
        env=env, cwd="/", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # as head does once it has read enough
    error = process.stderr.read()
    assert process.wait(120) == 1
    assert "Traceback" not in error and "BrokenPipeError" not in error, error
