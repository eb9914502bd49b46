"""The long fault runs of `make soak` (not collected by `make test`: the file name is not test_*).

Bounded in time and loopback only: SOAK_KILL_ROUNDS rounds (default 5) of kill -9 mid-load and
restart, on SQLite and on PostgreSQL, each round's figures written to $SOAK_RESULTS.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from bench import processes

from tests.faults.killing import assert_clean, kill_round


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_kill9_rounds(tmp_path: Path, database: str) -> None:
    rounds = int(os.environ.get("SOAK_KILL_ROUNDS", "5"))
    if database == "sqlite":
        figures = kill_round(tmp_path, f"sqlite:///{tmp_path / 'realtymedia.sqlite3'}", 4, rounds)
    else:
        if not processes.postgres_reachable():
            pytest.fail("PostgreSQL is unreachable")
        with processes.postgres_database("realtymedia_soak") as url:
            figures = kill_round(tmp_path, url, 4, rounds)
    out = Path(os.environ.get("SOAK_RESULTS", str(tmp_path)))
    out.mkdir(parents=True, exist_ok=True)
    (out / f"kill9-{database}.json").write_text(json.dumps(figures, indent=1))
    assert_clean(figures)
