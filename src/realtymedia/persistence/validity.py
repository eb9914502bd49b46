"""Whether a stored picture's row still says what a rendition URL answers: the read behind every
rendition request (services.renditions.picture), one seam with one implementation per database.

- SQLite (`ReadEveryTime`): the row is read on every request. The read is cheap there (the held
  connection, statements.HeldConnection), and SQLite has no notifications to keep a memory right.
- PostgreSQL (`Notified`): each worker process keeps the rows it read (picture id -> StoredFile,
  bounded, least recently used first) and forgets one when the database says it changed. Migration
  0007's trigger runs `pg_notify(CHANNEL, id)` for every DELETE of a media row and every UPDATE of
  a column the kept value holds (an empty payload for a TRUNCATE: every row); PostgreSQL sends it
  when the change commits (nothing for a rollback), to `MediaChanges`, a dedicated connection of
  the worker that LISTENs.

What `Notified` guarantees:
- a kept row is served only while the listener is connected and LISTENing; when it is down, and
  when it comes back, everything kept is dropped, and until it is up again every request reads;
- a read that had a notification (or a local forget, or the listener going down or up) happen
  while it was under way keeps nothing: the generation counter taken before the read must still
  be the same after it. So a row read before a delete committed is never kept after the delete's
  notification arrived;
- NotFound (no row, or a row with no stored file) is never kept: it is read again each time, as a
  picture made later must be found;
- in the worker that changes a picture, `forget` drops it right after the commit, so that worker's
  next request reads; in the other workers the row is forgotten when the notification arrives (a
  few milliseconds after the commit on a healthy connection). Within that window another worker
  may still answer a deleted picture's URL from what it holds (docs/renditions.md).
A listener whose server went silent (no error, no answer) is found out by a heartbeat: a
`SELECT 1` every HEARTBEAT_SECONDS that must answer within HEARTBEAT_TIMEOUT_SECONDS (kept rows
stop being served the moment it is late).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

import psycopg
from cachetools import LRUCache

log = logging.getLogger(__name__)
T = TypeVar("T")

# The channel of migration 0007's trigger (its payload: the media row's id).
CHANNEL = "realtymedia_media_changed"
# Rows kept per worker process (a StoredFile is a few hundred bytes).
KEPT_ROWS = 32768
HEARTBEAT_SECONDS = 5.0
HEARTBEAT_TIMEOUT_SECONDS = 3.0
CONNECT_TIMEOUT_SECONDS = 5
# Reconnection after a loss: the first retry at once-ish, then doubling up to the last.
BACKOFF_SECONDS = (0.1, 10.0)


class Validity(ABC):
    """The read of a stored picture's row, as each database serves it (see above)."""

    @abstractmethod
    def read(self, key: Hashable, fetch: Callable[[], T | None]) -> T | None:
        """What `fetch()` answers now for `key` (None: nothing, never kept), or what it answered
        lately where that is known to be still true."""

    @abstractmethod
    def forget(self, keys: Iterable[Hashable]) -> None:
        """After a commit that deleted or changed these rows: this worker's next read reads them."""

    @abstractmethod
    async def start(self) -> None:
        """Start what keeps the memory right, on the worker's event loop (the app's lifespan)."""

    @abstractmethod
    async def close(self) -> None:
        """Stop it, on the same loop."""


class ReadEveryTime(Validity):
    """SQLite: nothing kept, every request reads."""

    def read(self, key: Hashable, fetch: Callable[[], T | None]) -> T | None:
        return fetch()

    def forget(self, keys: Iterable[Hashable]) -> None:
        pass

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass


class Notified(Validity):
    """PostgreSQL: rows kept while a listener says what changed (see above). Thread-safe: reads run
    on the event loop, local forgets in worker threads; the lock is never held across a read."""

    def __init__(self, conninfo: str | None, size: int = KEPT_ROWS) -> None:
        """`conninfo`: where MediaChanges listens (None: no listener, so nothing is ever kept,
        unless a test drives `listening` and `changed` itself)."""
        self._kept: LRUCache[Hashable, Any] = LRUCache(size)
        self._lock = threading.Lock()
        self._generation = 0
        self._live = False
        self._listener = None if conninfo is None else MediaChanges(conninfo, self)

    @property
    def live(self) -> bool:
        """Whether kept rows are served: the listener is connected and LISTENing."""
        return self._live

    @property
    def listener(self) -> MediaChanges | None:
        return self._listener

    def holds(self, key: Hashable) -> bool:
        """Whether the next read of `key` would be answered from memory."""
        with self._lock:
            return self._live and key in self._kept

    def read(self, key: Hashable, fetch: Callable[[], T | None]) -> T | None:
        with self._lock:
            if self._live:
                kept: T | None = self._kept.get(key)
                if kept is not None:
                    return kept
            generation = self._generation
        found = fetch()
        if found is not None:
            with self._lock:
                if self._live and self._generation == generation:
                    self._kept[key] = found
        return found

    def forget(self, keys: Iterable[Hashable]) -> None:
        with self._lock:
            self._generation += 1
            for key in keys:
                self._kept.pop(key, None)

    def changed(self, key: Hashable) -> None:
        """A notification: `key` is forgotten (every row for an empty one: a TRUNCATE), and no read
        under way keeps what it read (it may have read the row as it was)."""
        with self._lock:
            self._generation += 1
            if key == "":
                self._kept.clear()
            else:
                self._kept.pop(key, None)

    def listening(self, live: bool) -> None:
        """The listener is up (LISTEN done) or down: either way what was kept is dropped (changes
        while it was down, or while it connected, were not heard), and reads under way keep nothing."""
        with self._lock:
            self._generation += 1
            self._live = live
            self._kept.clear()

    async def start(self) -> None:
        if self._listener is not None:
            self._listener.start()

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()


class MediaChanges:
    """One psycopg asyncio connection (autocommit) that LISTENs on CHANNEL for one worker process,
    on the event loop that started it; after a loss it connects again, waiting longer each time
    (BACKOFF_SECONDS), and tells `memory` when it is up and down."""

    def __init__(self, conninfo: str, memory: Notified) -> None:
        # Where it connects (libpq's form), read at each connection.
        self.conninfo = conninfo
        self._memory = memory
        self._task: asyncio.Task[None] | None = None
        # The listening connection's server process, while it is up (tests end it to see a loss).
        self.backend_pid: int | None = None
        # How many times it came up (tests wait for a reconnection).
        self.connections = 0

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="media-changes")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._memory.listening(False)

    async def _run(self) -> None:
        delay = BACKOFF_SECONDS[0]
        while True:
            came_up = self.connections
            try:
                await self._listen()
            except (psycopg.Error, OSError, TimeoutError) as error:
                log.warning("the listener of media changes lost its connection (%s); reads go to the database", error)
            except Exception:  # whatever it was, the listener must not stay down for good
                log.exception("the listener of media changes failed; reads go to the database")
            if self.connections != came_up:
                delay = BACKOFF_SECONDS[0]  # it had been up: the first retry soon
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_SECONDS[1])

    async def _listen(self) -> None:
        connection = await psycopg.AsyncConnection.connect(
            self.conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
        )
        try:
            await connection.execute(f"LISTEN {CHANNEL}")
            self.backend_pid = connection.info.backend_pid
            self.connections += 1
            if self.connections > 1:
                log.info("the listener of media changes is back; rows are kept again")
            memory = self._memory
            memory.listening(True)
            while True:
                async for notification in connection.notifies(timeout=HEARTBEAT_SECONDS):
                    memory.changed(notification.payload)
                await self._heartbeat(connection)
        finally:
            self.backend_pid = None
            self._memory.listening(False)
            await connection.close()

    async def _heartbeat(self, connection: psycopg.AsyncConnection[Any]) -> None:
        """`SELECT 1`, answered within HEARTBEAT_TIMEOUT_SECONDS; else the memory stops serving at
        that moment and TimeoutError. (Not asyncio.wait_for around the query: psycopg answers its
        cancellation by a cancel request, then a wait, 10 s at most, and only then would the
        timeout be raised, doubling the time a silent connection leaves rows served.)"""
        ping = asyncio.ensure_future(connection.execute("SELECT 1"))
        try:
            done, _ = await asyncio.wait({ping}, timeout=HEARTBEAT_TIMEOUT_SECONDS)
            if not done:
                self._memory.listening(False)
                raise TimeoutError(f"no answer to the heartbeat within {HEARTBEAT_TIMEOUT_SECONDS} s")
            ping.result()
        finally:
            if not ping.done():  # psycopg ends it (a cancel request, then a wait); live is off already
                ping.cancel()
                try:
                    await asyncio.wait({ping})
                except asyncio.CancelledError:  # closing: interrupted again, psycopg drops the connection
                    ping.cancel()
                    await asyncio.wait({ping})
                    raise
            if not ping.cancelled():
                ping.exception()  # retrieved: the TimeoutError says what happened
