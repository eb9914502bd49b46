"""The SDK is a distribution of its own that needs httpx and rich only, so an agency's laptop
installs it (and `realtymedia-upload`) without the server's FastAPI, SQLAlchemy, boto3, Pillow or psycopg."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "python"


def name_of(requirement: str) -> str:
    return Requirement(requirement).name.lower()


def test_declares_httpx_and_rich_only() -> None:
    declared = tomllib.loads((CLIENT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert {name_of(r) for r in declared} == {"httpx", "rich"}
    installed = importlib.metadata.requires("realtymedia-client") or []
    assert {name_of(r) for r in installed} == {"httpx", "rich"}
    assert importlib.metadata.entry_points(group="console_scripts", name="realtymedia-upload")


# Run in a fresh interpreter: every import outside the standard library must belong to httpx, rich
# or what they themselves require; anything else (the server's packages, oauthlib, defusedxml) fails.
GUARD = r"""
import importlib.abc, importlib.metadata, sys
from packaging.requirements import Requirement

def closure(names):
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name.lower())
    return seen

allowed_dists = closure(["realtymedia-client"])
allowed = {"realtymedia_client", *sys.stdlib_module_names}
for module, dists in importlib.metadata.packages_distributions().items():
    if any(d.lower().replace("_", "-") in allowed_dists for d in dists):
        allowed.add(module)

class Guard(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        top = fullname.split(".")[0]
        if top not in allowed and not top.startswith("_"):
            raise ImportError(f"the SDK imported {fullname}, which is not among its dependencies")
        return None

sys.meta_path.insert(0, Guard())
import realtymedia_client, realtymedia_client.upload
from realtymedia_client import IS24Client, RealtyImageClient
IS24Client("http://127.0.0.1:9", "k", "s", "t", "ts").close()
RealtyImageClient("http://127.0.0.1:9", "rm_x").close()
sys.argv = ["realtymedia-upload", "--help"]
realtymedia_client.upload.main()
"""


def test_imports_nothing_but_its_dependencies() -> None:
    result = subprocess.run([sys.executable, "-c", GUARD], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "usage: realtymedia-upload" in result.stdout
