"""Locks that die with their process: who is still working on something, across workers.

A worker holds a lock by name while it works on that thing (a Request-ID's request, say); another
worker asks whether anyone alive still holds it. The lock is released when the block ends, and
also when the process dies however it dies (kill -9 included): PostgreSQL drops the session-level
advisory locks of a connection that goes away, and the operating system drops the record locks
(fcntl) of a process that exits. So a claim whose lock is free belongs to nobody alive.

One process's locks are bookkept here as well: record locks and advisory locks are the process's
(or its connection's), so two threads of one process must not both think they hold one.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)


def _number(name: str) -> int:
    """A 63-bit number for a name (PostgreSQL's advisory locks take a bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") >> 1


class Locks(ABC):
    def __init__(self) -> None:
        self._mine: set[int] = set()
        self._guard = threading.Lock()

    @contextmanager
    def holding(self, name: str) -> Iterator[bool]:
        """Try to take the lock `name` for the block: yields True when taken, False when someone
        alive (this process or another) holds it. Never waits."""
        number = _number(name)
        with self._guard:
            taken = number not in self._mine and self._take(number)
            if taken:
                self._mine.add(number)
        try:
            yield taken
        finally:
            if taken:
                with self._guard:
                    self._mine.discard(number)
                    self._release(number)

    @abstractmethod
    def _take(self, number: int) -> bool: ...

    @abstractmethod
    def _release(self, number: int) -> None: ...

    @abstractmethod
    def close(self) -> None: ...


class FileLocks(Locks):
    """Record locks on one byte each of a lock file (for SQLite, beside its database file).

    One descriptor for the process's whole life: closing any descriptor of the file would drop
    all of the process's locks on it (POSIX record locks belong to the process, not the descriptor).
    """

    _RANGE = 2**31

    def __init__(self, path: str) -> None:
        super().__init__()
        self._path = path
        self._fd: int | None = None

    def _descriptor(self) -> int:
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._fd

    def _take(self, number: int) -> bool:
        try:
            fcntl.lockf(self._descriptor(), fcntl.LOCK_EX | fcntl.LOCK_NB, 1, number % self._RANGE)
        except OSError:
            return False
        return True

    def _release(self, number: int) -> None:
        fcntl.lockf(self._descriptor(), fcntl.LOCK_UN, 1, number % self._RANGE)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class AdvisoryLocks(Locks):
    """PostgreSQL's session-level advisory locks, on one connection of their own (autocommit)."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self._engine: Engine = create_engine(url, poolclass=StaticPool, isolation_level="AUTOCOMMIT")
        self._connection: Connection | None = None

    def _run(self, statement: str, number: int) -> bool:
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = self._engine.connect()
            try:
                return bool(self._connection.execute(text(statement), {"number": number}).scalar())
            except DBAPIError:
                # The connection is gone, and the server dropped its locks with it: the work of
                # those claims goes on here, but another worker may now take them over.
                log.warning("the advisory lock connection was lost, with %d locks", len(self._mine), exc_info=True)
                self._connection.invalidate()
                self._connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _take(self, number: int) -> bool:
        return self._run("SELECT pg_try_advisory_lock(:number)", number)

    def _release(self, number: int) -> None:
        try:
            self._run("SELECT pg_advisory_unlock(:number)", number)
        except DBAPIError:  # a lost connection released it already
            pass

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._engine.dispose()
