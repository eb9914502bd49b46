"""Kill -9 and SIGTERM of the server mid-load, restart: consistent, nothing acknowledged lost (one
round each, SQLite).

`make soak` runs more and longer rounds on both databases (tests/faults/soak_faults.py).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from realtymedia.services import tickets
from realtymedia.storage.local import LocalStorage
from tests.faults.killing import assert_clean, kill_round
from tests.support import Stack


def test_kill9_mid_load_sqlite(tmp_path: Path) -> None:
    figures = kill_round(tmp_path, f"sqlite:///{tmp_path / 'realtymedia.sqlite3'}", seconds=3)
    print(json.dumps(figures, indent=1))
    assert_clean(figures)


def test_sigterm_mid_load_sqlite(tmp_path: Path) -> None:
    """The same load stopped gracefully: in-flight requests answered or cut, no partial file left,
    nothing acknowledged lost, gone within the grace period (make soak runs more rounds of it)."""
    figures = kill_round(tmp_path, f"sqlite:///{tmp_path / 'realtymedia.sqlite3'}", seconds=3, stop="sigterm")
    print(json.dumps(figures, indent=1))
    assert_clean(figures)
    assert sum(figures["rounds"][0]["in_flight_at_signal_ended"].values()) > 0, figures


def test_cleanup_removes_partial_files_of_killed_uploads(local_stack: Stack) -> None:
    storage = local_stack.core.storage
    assert isinstance(storage, LocalStorage)
    partial = storage.new_incoming()
    partial.write_bytes(b"\xff\xd8\xff" + b"half a photo" * 1000)  # what a killed upload leaves
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(partial, (two_days_ago, two_days_ago))
    try:
        tickets.cleanup(local_stack.core)
        assert not partial.exists()
    finally:  # the stack is shared: other tests expect an empty .incoming
        partial.unlink(missing_ok=True)
