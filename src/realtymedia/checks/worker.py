"""The process a byte check runs in: bounded memory, a low priority, one file at a time.

It answers one request after another until its parent goes (EOF on its connection) or an
allocation failed (a fresh process then takes its place: a heap that hit the limit is no longer
trusted). The parent kills it outright when a check passes its deadline.
"""

from __future__ import annotations

import io
import os
import resource
import signal
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle
from typing import BinaryIO

from realtymedia.domain.errors import Invalid
from realtymedia.domain.media import Limits, inspect

# Checks run behind the server's own work on a busy machine: they take what CPU is left.
NICENESS = 10


def main(connection: Connection, memory_bytes: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which ends its checkers
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    os.nice(NICENESS)
    while True:
        try:
            declared, limits, by_descriptor = connection.recv()
            stream: BinaryIO = (
                os.fdopen(recv_handle(connection), "rb") if by_descriptor else io.BytesIO(connection.recv_bytes())
            )
        except (EOFError, OSError):
            return
        answer = _check(stream, declared, limits)
        connection.send(answer)
        if answer[0] == "memory":
            return


def _check(stream: BinaryIO, declared: str, limits: Limits) -> tuple[str, object]:
    try:
        with stream:
            return "ok", inspect(stream, declared, limits)
    except Invalid as refused:
        return "invalid", refused.violations
    except MemoryError:
        return "memory", None
    except Exception as error:  # answered, so that the parent can tell it from a crash
        return "error", f"{type(error).__name__}: {error}"[:300]
