"""The README's Python examples run as written against a real server, and the documentation
addresses it gives answer."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from realtymedia.services import accounts, realties
from realtymedia.services.results import NewUser
from realtymedia_client import RealtyImageClient, sha256_of
from tests.client.conftest import write_images
from tests.support import Stack

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
BLOCKS = re.findall(r"^```python\n(.*?)^```$", README, re.M | re.S)
DOCS = re.findall(r"`http://127\.0\.0\.1:8080(/[^`]*(?:docs|openapi)[^`]*)`", README)


def test_the_readme_has_an_sdk_example_and_documentation_addresses() -> None:
    assert BLOCKS and any("client.upload(" in block and "client.reorder(" in block for block in BLOCKS)
    assert DOCS


def test_the_sdk_example_runs_as_written(stack: Stack, tmp_path: Path) -> None:
    account: NewUser = accounts.create_user(stack.core, f"readme{uuid.uuid4().hex[:8]}", "pw")
    realty = str(realties.create(stack.core, account.id, "Lindenstraße 3").id)
    photos = write_images(tmp_path / "photos", 5)
    (tmp_path / "photos" / "notes.txt").write_text("not a photo, and not a .jpg: the example leaves it")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REALTYMEDIA_")},
        "REALTYMEDIA_URL": stack.url,
        "REALTYMEDIA_TOKEN": account.bearer_token,
        "REALTY_ID": realty,
    }
    for number, block in enumerate(BLOCKS):
        script = tmp_path / f"example{number}.py"
        script.write_text(block)
        result = subprocess.run(
            [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stdout + result.stderr
    assert "saved 5 of 5 photos" in result.stdout
    assert "refused, as it should be: STATUS_CONFLICT" in result.stdout, result.stdout

    with RealtyImageClient(stack.url, account.bearer_token) as client:
        images = client.images(realty)
        assert client.realty(realty).published
    expected = [photos[-1], *photos[:-1]]
    assert [image.sha256 for image in images] == [sha256_of(p) for p in expected]
    assert [image.description for image in images] == [p.stem for p in expected]


def test_the_documentation_is_where_the_readme_says(stack: Stack) -> None:
    for path in DOCS:
        response = httpx.get(stack.url + path, timeout=30)
        assert response.status_code == 200, path
