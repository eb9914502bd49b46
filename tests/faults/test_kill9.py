"""Kill -9 of the server mid-load, restart: consistent, nothing acknowledged lost (one round, SQLite).

`make soak` runs more and longer rounds on both databases (tests/faults/soak_faults.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.faults.killing import assert_clean, kill_round


def test_kill9_mid_load_sqlite(tmp_path: Path) -> None:
    figures = kill_round(tmp_path, f"sqlite:///{tmp_path / 'realtymedia.sqlite3'}", seconds=3)
    print(json.dumps(figures, indent=1))
    assert_clean(figures)
