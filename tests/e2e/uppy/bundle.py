"""Uppy, as an integrator's page loads it: installed from npm at the versions pinned in
tests/e2e/uppy/{current,previous}/package-lock.json and bundled with esbuild, once per lock file,
into a cache folder outside the repository (never committed node_modules)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).parent
ENTRY = """import Uppy from '@uppy/core'
import AwsS3 from '@uppy/aws-s3'
window.UppyBundle = { Uppy, AwsS3, version: AwsS3.VERSION }
"""
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "realtymedia-tests" / "uppy"


def uppy_bundle(release: str) -> Path:
    """The bundled script of `release` ("current" or "previous"), built when its lock file changed."""
    source = HERE / release
    lock = (source / "package-lock.json").read_bytes()
    folder = CACHE / f"{release}-{hashlib.sha256(lock + ENTRY.encode()).hexdigest()[:16]}"
    bundle = folder / "uppy.js"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # parallel test runs build it once
        if bundle.exists():
            return bundle
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(source / name, folder / name)
        (folder / "entry.js").write_text(ENTRY)
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install Uppy for the browser tests (apt-get install npm)")
        run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], folder)
        esbuild = folder / "node_modules" / ".bin" / "esbuild"
        run(
            [str(esbuild), "entry.js", "--bundle", "--format=iife", "--outfile=uppy.tmp.js", "--log-level=warning"],
            folder,
        )
        os.replace(folder / "uppy.tmp.js", bundle)
    return bundle


def run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed in {cwd}:\n{done.stdout}\n{done.stderr}")
