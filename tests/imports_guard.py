"""A fresh interpreter that may import only the standard library and what some distributions
declare (their requirements, recursively): what a `pip install` of just those would give."""

from __future__ import annotations

import subprocess
import sys

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

allowed_dists = closure(DISTRIBUTIONS)
allowed = {*OWN_MODULES, *sys.stdlib_module_names}
for module, dists in importlib.metadata.packages_distributions().items():
    if any(d.lower().replace("_", "-") in allowed_dists for d in dists):
        allowed.add(module)

class Hiding(importlib.abc.MetaPathFinder):
    # Finds only what is allowed, so that the rest looks absent, to imports and to probes alike.

    def __init__(self, inner):
        self.inner = inner

    def find_spec(self, fullname, path, target=None):
        top = fullname.split(".")[0]
        if top not in allowed and not top.startswith("_"):
            return None
        return self.inner.find_spec(fullname, path, target)

    def __getattr__(self, name):
        return getattr(self.inner, name)

sys.meta_path[:] = [Hiding(finder) for finder in sys.meta_path]
"""


def guarded(distributions: list[str], own_modules: list[str], body: str) -> list[str]:
    """The command line of a Python that runs `body` under the guard."""
    script = f"DISTRIBUTIONS = {distributions!r}\nOWN_MODULES = {own_modules!r}\n" + GUARD + body
    return [sys.executable, "-c", script]


def run_guarded(distributions: list[str], own_modules: list[str], body: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(guarded(distributions, own_modules, body), capture_output=True, text=True, timeout=120)
