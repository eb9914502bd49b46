"""The browser tests' service: SQLite and local storage, so the page and its storage share an origin.

axe-core comes from npm, pinned in tests/e2e/axe/package-lock.json: `npm ci` installs it into
build/e2e-axe/ (never committed) the first time, and `axe_check` injects axe.min.js into a page.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import start_stack
from tests.support import Stack

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE_SPEC = Path(__file__).parent / "axe"
AXE_DIR = ROOT / "build" / "e2e-axe"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def web_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from start_stack("sqlite-local", request, tmp_path_factory)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def _pinned_axe() -> str:
    lock = json.loads((AXE_SPEC / "package-lock.json").read_text())
    return str(lock["packages"]["node_modules/axe-core"]["version"])


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe.min.js of the pinned version, installed by `npm ci` from the committed lock file."""
    installed = AXE_DIR / "node_modules" / "axe-core"
    version = _pinned_axe()
    if (
        not (installed / "package.json").exists()
        or json.loads((installed / "package.json").read_text())["version"] != version
    ):
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed for the accessibility check (apt-get install npm)")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(AXE_SPEC / name, AXE_DIR / name)
        subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=AXE_DIR, check=True, timeout=300)
    return (installed / "axe.min.js").read_text()


@pytest.fixture
def axe_check(axe_source: str) -> Callable[[Any, str], list[dict[str, Any]]]:
    """Run axe-core on the page as it is now; returns the serious and critical violations.

    The page's CSP admits only its own scripts: the test injects axe through the DevTools protocol
    (page.evaluate), which a CSP does not govern, so the page is checked with its real policy.
    """

    def check(page: Any, name: str) -> list[dict[str, Any]]:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source + "\n;undefined")
        results = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
        assert len(results["passes"]) > 10, "axe-core checked nothing"
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(results["violations"], indent=1))
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["html"] for n in v["nodes"]][:5]}
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return check


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop-sized page of its own context; any script error on it fails the test."""
    context = browser.new_context(viewport=DESKTOP)
    made = context.new_page()
    errors: list[str] = []
    made.on("pageerror", lambda error: errors.append(str(error)))
    yield made
    context.close()
    assert errors == [], errors
