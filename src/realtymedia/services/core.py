"""What every use case needs: settings, the database and the storage backend; and where it runs.

A use case is a function whose first argument is the Core; it opens `with core.unit_of_work() as
uow:` and commits once. Where it runs is part of its definition, not of its callers': one marked
`@on_event_loop` does database work and CPU only and runs on the event loop where the database
allows it (Database.run); any other (storage, byte checks, password hashing) runs in a worker
thread. Front doors call either the same way: `await core.run(use_case, *args)`.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import anyio.to_thread
from cachetools import Cache, LRUCache, TTLCache

from realtymedia.checks import Bounds, ByteChecks
from realtymedia.domain.media import Limits
from realtymedia.persistence.db import Database, Transactions, open_database
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services.passwords import PasswordChecks
from realtymedia.settings import Settings
from realtymedia.storage import Storage, make_storage, usable_cores

if TYPE_CHECKING:
    from realtymedia.services.renditions import Renditions

log = logging.getLogger(__name__)
# The unit of work the current task or thread opened last (see Core.unit_of_work).
_OPENED: ContextVar[UnitOfWork | None] = ContextVar("realtymedia_opened_unit_of_work", default=None)
T = TypeVar("T")
P = ParamSpec("P")
_WRITES = "__realtymedia_on_event_loop_writes__"


class NestedUnitOfWork(RuntimeError):
    """A use case opened a unit of work inside another (see Core.unit_of_work)."""


def after_commit(*steps: Callable[[], object]) -> None:
    """Run the follow-ups of a committed change (the used upload removed, renditions warmed or
    forgotten). The change stands whatever happens here and its answer is already decided, so each
    step's failure is logged and the next still runs: an exception from here would turn a done
    change into an error (and drop its Request-ID, so that a retry runs it again)."""
    for step in steps:
        try:
            step()
        except Exception:
            log.exception("a follow-up of a committed change failed; the change stands")


def on_event_loop(*, writes: bool) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Mark a use case as database work and CPU only: Core.run runs it on the event loop (where the
    database allows). `writes=False` promises that it only reads (enforced: a unit of work for
    writing refuses to open)."""

    def mark(use_case: Callable[P, T]) -> Callable[P, T]:
        setattr(use_case, _WRITES, writes)
        return use_case

    return mark


class Memo:
    """A bounded, thread-safe in-process cache (LRU, or TTL when `seconds` is given).

    Only for values a worker can recompute from the database: many stateless workers each keep
    their own, so nothing may depend on what another worker holds.
    """

    def __init__(
        self, maxsize: int, seconds: float | None = None, sizeof: Callable[[Any], float] | None = None
    ) -> None:
        """At most `maxsize` entries, or `maxsize` in the units of `sizeof` (bytes, say) when given."""
        self._cache: Cache[Hashable, Any] = (
            TTLCache(maxsize, seconds, getsizeof=sizeof) if seconds else LRUCache(maxsize, getsizeof=sizeof)
        )
        self._lock = threading.Lock()
        self.enabled = seconds is None or seconds > 0

    def get(self, key: Hashable) -> Any:
        with self._lock:
            return self._cache.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        if self.enabled:
            with self._lock:
                self._cache[key] = value

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._cache.pop(key, None)

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        found = self.get(key)
        if found is None:
            found = make()
            if found is not None:
                self.put(key, found)
        return found


def _rendered_size(value: Any) -> float:
    """Bytes a kept rendering holds: a body, or an object with a `body` (IS24 keeps it with its ETag)."""
    body = value if isinstance(value, bytes | bytearray) else getattr(value, "body", b"")
    return len(body) + 200


@dataclass
class Core:
    settings: Settings
    db: Database
    storage: Storage
    # Bearer token hash -> Principal, for settings.bearer_cache_seconds.
    principals: Memo = field(init=False)
    # IS24 (consumer key, access token) -> their credentials, for settings.bearer_cache_seconds too.
    oauth_credentials: Memo = field(init=False)
    # Rendered answers of read endpoints, keyed by what they were rendered from (incl. a version);
    # at most 64 MiB of them per worker, the least recently used go first.
    renderings: Memo = field(init=False)
    # Storage calls of one request made at once (a save's byte checks, a copy's object copies),
    # shared by all requests of the process: at most storage.parallel of them run at any time.
    storage_calls: ThreadPoolExecutor = field(init=False)
    # Password checks (argon2), in a small bounded pool of their own (see services/passwords.py).
    passwords: PasswordChecks = field(init=False)
    # Byte checks of uploaded files, in checker processes shared fairly by users (realtymedia.checks).
    checks: ByteChecks = field(init=False)
    # Renditions of stored pictures: their threads, the ones being made, the ones served lately.
    renditions: Renditions = field(init=False)
    # Where this Core's units of work come from: the database itself, or (in a view of the Core
    # that Core.run hands to a use case on the event loop) the loop's side of it.
    transactions: Transactions = field(init=False)
    _views: dict[int, Core] = field(init=False)

    def __post_init__(self) -> None:
        from realtymedia.services.renditions import Renditions

        self.transactions = self.db
        self._views = {}
        self.renditions = Renditions(self.settings, self.storage, self.db)
        self.passwords = PasswordChecks(self.settings.password_check_threads, self.settings.password_check_queue)
        self.storage_calls = ThreadPoolExecutor(self.storage.parallel, thread_name_prefix="storage")
        settings = self.settings
        self.checks = ByteChecks(
            Bounds(
                settings.check_processes or usable_cores() + 1,
                settings.check_timeout_seconds,
                settings.check_memory_mib * 1024 * 1024,
            ),
            Limits(settings.max_image_pixels, settings.max_animation_frames, settings.max_jpeg_scans),
        )
        self.principals = Memo(4096, self.settings.bearer_cache_seconds)
        self.oauth_credentials = Memo(4096, self.settings.bearer_cache_seconds)
        self.renderings = Memo(64 * 1024 * 1024, sizeof=_rendered_size)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Core:
        settings = settings or Settings()
        return cls(
            settings,
            open_database(settings.resolved_database_url, settings.database_pool_size, settings.database_pool_overflow),
            make_storage(settings),
        )

    def unit_of_work(self, *, write: bool = True) -> UnitOfWork:
        """A transaction for a use case: `with core.unit_of_work() as uow: ...; uow.commit()`.
        `write=False` for one that only reads.

        Never while another is open in the same task or thread (NestedUnitOfWork): the inner one
        would hold a second connection of the pool while the outer waits for it, and with as many
        such requests as the pool has connections every one of them waits for the pool's timeout.
        Work that belongs to the open transaction takes its `uow` instead."""
        opened = _OPENED.get()
        if opened is not None and not opened.closed:
            raise NestedUnitOfWork("a unit of work was opened while another one is open in the same task")
        uow = self.transactions.unit_of_work(write=write)
        _OPENED.set(uow)
        return uow

    async def run(self, use_case: Callable[..., T], *args: Any) -> T:
        """Run `use_case(core, *args)` for an async endpoint, where its definition says (see above)."""
        writes: bool | None = getattr(use_case, _WRITES, None)
        if writes is None:
            return await anyio.to_thread.run_sync(use_case, self, *args)
        return await self.db.run(lambda transactions: use_case(self._on(transactions), *args), writes=writes)

    def _on(self, transactions: Transactions) -> Core:
        """This Core, its units of work taken from `transactions` (one view per source, kept)."""
        if transactions is self.transactions:
            return self
        view = self._views.get(id(transactions))
        if view is None:
            view = copy.copy(self)
            view.transactions = transactions
            self._views[id(transactions)] = view
        return view

    def close(self) -> None:
        self.renditions.close()
        self.storage_calls.shutdown(wait=False)
        self.passwords.close()
        self.checks.close()
        self.db.dispose()


def now() -> datetime:
    return datetime.now(UTC)
