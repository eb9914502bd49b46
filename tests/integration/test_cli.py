"""The `realtymedia` command: each prints JSON, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    values = {**os.environ, "REALTYMEDIA_DATA_DIR": str(tmp_path / "data")}
    if request.param == "postgresql":
        values["REALTYMEDIA_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    return values


def run(env: dict[str, str], *args: str, ok: bool = True) -> Any:
    result = subprocess.run(
        [sys.executable, "-m", "realtymedia", *args], env=env, cwd="/", capture_output=True, text=True, timeout=120
    )
    if not ok:
        assert result.returncode != 0
        return json.loads(result.stderr)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


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

    realty = run(env, "realties", "create", "--owner", name)
    assert str(uuid.UUID(realty["id"])) == realty["id"]
    assert realty["published"] is False
    published = run(env, "realties", "publish", realty["id"])
    assert published["published"] is True

    assert "deleted_objects" in run(env, "cleanup")
