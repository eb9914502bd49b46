"""What `realtymedia-upload` remembers between runs on this machine, per service and target.

For each target (``"<url> realty <id>"`` or ``"<url> project <id>"``), by the file's sha256:
- ``assigned``: the attachment id of each IS24 file assigned (IS24 attachments carry no hash, so
  this is how a re-run knows them; realty images carry their sha256 and need no record);
- ``sent``: files whose bytes reached storage but were not saved yet (an interrupted run), with
  the key or attachment id to save them by and until when their grant allows it.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

# A sent file is reused only if its grant has at least this long to run: the save takes a moment.
MARGIN_SECONDS = 60.0


class StateFile:
    def __init__(self, path: Path, scope: str) -> None:
        self.path = path
        self.scope = scope
        self._lock = threading.Lock()
        try:
            self.data: dict[str, Any] = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            self.data = {}
        mine = self.data.setdefault(scope, {})
        if not ({"assigned", "sent"} >= set(mine)):  # the first format: {sha256: attachment id}
            self.data[scope] = {"assigned": mine}
        self.data[scope].setdefault("assigned", {})
        self.data[scope].setdefault("sent", {})

    @property
    def _mine(self) -> dict[str, dict[str, Any]]:
        mine: dict[str, dict[str, Any]] = self.data[self.scope]
        return mine

    def assigned(self, digest: str) -> str | None:
        found = self._mine["assigned"].get(digest)
        return str(found) if found is not None else None

    def sent(self, digest: str) -> str | None:
        """The key or attachment id of an earlier run's upload of this file, if its grant still runs."""
        found = self._mine["sent"].get(digest)
        if found and float(found.get("expires") or 0) > time.time() + MARGIN_SECONDS:
            return str(found["ref"])
        return None

    def record_sent(self, digest: str, ref: str, expires: float | None) -> None:
        with self._lock:
            self._mine["sent"][digest] = {"ref": ref, "expires": expires or 0}
            self._write()

    def record_saved(self, digest: str, attachment_id: str | None = None) -> None:
        with self._lock:
            self._mine["sent"].pop(digest, None)
            if attachment_id is not None:
                self._mine["assigned"][digest] = attachment_id
            self._write()

    def _write(self) -> None:
        now = time.time()
        for scope in self.data.values():  # expired grants are of no use to anyone
            sent = scope.get("sent", {})
            for digest in [d for d, v in sent.items() if float(v.get("expires") or 0) < now]:
                del sent[digest]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(self.data, indent=1))
        os.replace(temporary, self.path)
