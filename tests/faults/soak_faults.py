"""The long fault runs of `make soak` (not collected by `make test`: the file name is not test_*).

Bounded in time and loopback only: SOAK_KILL_ROUNDS rounds (default 5) of kill -9 mid-load and
restart, as many of SIGTERM mid-load (the graceful shutdown) and restart, on SQLite and on
PostgreSQL, and a round of hostile uploads (tests/faults/hostile_load.py)
beside another user's work; each round's figures written to $SOAK_RESULTS.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from bench import processes

from tests.faults.hostile_load import hostile_round
from tests.faults.killing import assert_clean, kill_round


@pytest.mark.parametrize("stop", ["kill9", "sigterm"])
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_stop_rounds(tmp_path: Path, database: str, stop: str) -> None:
    rounds = int(os.environ.get("SOAK_KILL_ROUNDS", "5"))
    if database == "sqlite":
        figures = kill_round(tmp_path, f"sqlite:///{tmp_path / 'realtymedia.sqlite3'}", 4, rounds, stop)
    else:
        if not processes.postgres_reachable():
            pytest.fail("PostgreSQL is unreachable")
        with processes.postgres_database("realtymedia_soak") as url:
            figures = kill_round(tmp_path, url, 4, rounds, stop)
    out = Path(os.environ.get("SOAK_RESULTS", str(tmp_path)))
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stop}-{database}.json").write_text(json.dumps(figures, indent=1))
    assert_clean(figures)


def test_hostile_uploads_round(tmp_path: Path) -> None:
    """Beside the kill -9 rounds: one user sends decoder bombs and scripted PDFs from 4 clients for
    SOAK_HOSTILE_SECONDS (default 30) while another assigns ordinary photos. Every bomb is refused,
    nothing is answered 5xx, the other user's assigns all succeed; figures to $SOAK_RESULTS."""
    seconds = float(os.environ.get("SOAK_HOSTILE_SECONDS", "30"))
    figures = hostile_round(tmp_path, seconds)
    out = Path(os.environ.get("SOAK_RESULTS", str(tmp_path)))
    out.mkdir(parents=True, exist_ok=True)
    (out / "hostile.json").write_text(json.dumps(figures, indent=1))
    assert figures["server_errors"] == 0, figures
    assert figures["hostile_accepted"] == 0, figures
    assert figures["other_user"]["refused"] == 0, figures
    assert figures["other_user"]["assigns"] > 0, figures
