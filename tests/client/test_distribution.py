"""The SDK is a distribution of its own that needs httpx and rich only, so an agency's laptop
installs it (and `realtymedia-upload`) without the server's FastAPI, SQLAlchemy, boto3, Pillow or psycopg."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from tests.imports_guard import run_guarded

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "python"


def name_of(requirement: str) -> str:
    return Requirement(requirement).name.lower()


def test_declares_httpx_and_rich_only() -> None:
    declared = tomllib.loads((CLIENT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert {name_of(r) for r in declared} == {"httpx", "rich"}
    installed = importlib.metadata.requires("realtymedia-client") or []
    assert {name_of(r) for r in installed} == {"httpx", "rich"}
    assert importlib.metadata.entry_points(group="console_scripts", name="realtymedia-upload")


BODY = """
import realtymedia_client, realtymedia_client.upload
from realtymedia_client import IS24Client, RealtyImageClient
IS24Client("http://127.0.0.1:9", "k", "s", "t", "ts").close()
RealtyImageClient("http://127.0.0.1:9", "rm_x").close()
sys.argv = ["realtymedia-upload", "--help"]
realtymedia_client.upload.main()
"""


def test_imports_nothing_but_its_dependencies() -> None:
    # Anything outside the standard library, httpx, rich and what they require (the server's
    # packages, oauthlib, defusedxml) fails the import.
    result = run_guarded(["realtymedia-client"], ["realtymedia_client"], BODY)
    assert result.returncode == 0, result.stderr
    assert "usage: realtymedia-upload" in result.stdout
