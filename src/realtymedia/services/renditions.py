"""Renditions of stored pictures: made on first request, kept in storage, served from there.

One picture's renditions live under `renditions/{picture id}/` (storage.keys), named by the
picture's version, mode, size, quality and format, so that a name is made at most once and never
changes. What bounds the work, per worker process:
- concurrency: renditions are made in a pool of `rendition_concurrency` threads (Pillow releases
  the GIL while it decodes, resamples and encodes), sizes outside `rendition_sizes` in a pool of
  their own of `rendition_unlisted_concurrency`, so that they never take every core;
- waiting: at most `rendition_queue` renditions (`rendition_unlisted_queue` of other sizes) wait
  for a thread; beyond that a first request is refused (Busy) at once, and a request that waits
  longer than `rendition_timeout_seconds` too;
- memory: the pool size times one decode (a JPEG is decoded at the DCT scale the box needs;
  the source is within `max_image_pixels`, checked when it was uploaded and again here);
- storage: only sizes in `rendition_sizes` are kept; any other is made, served and forgotten, so
  a client asking for thousands of sizes fills no disk (docs/renditions.md).
Concurrent first requests of one rendition share its making (one render, one stored object).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from realtymedia.domain import codes
from realtymedia.domain.errors import NotFound, invalid
from realtymedia.images import FORMATS, Engine, Mode, RenditionFailed, Spec, make_engine
from realtymedia.operations import metrics
from realtymedia.persistence import pictures as queries
from realtymedia.persistence.db import Database
from realtymedia.persistence.pictures import StoredFile
from realtymedia.services.core import Core, Memo, on_event_loop
from realtymedia.settings import Settings
from realtymedia.storage import Storage, StorageError, keys, usable_cores

log = logging.getLogger(__name__)
# The picture's version in its URLs: the start of its SHA-256 (a picture's bytes never change under
# its id, so this only tells a URL from one of a picture that had the same id).
VERSION_LENGTH = 12
RENDITION_TYPES = {f.content_type for f in FORMATS.values()}
PICTURE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")


class Busy(Exception):
    """Too many renditions wait to be made in this worker; the client should retry shortly."""


@dataclass(frozen=True)
class Served:
    """Bytes to send, and what the HTTP caching headers say of them."""

    data: bytes
    content_type: str
    etag: str
    last_modified: datetime


def version_of(stored: StoredFile) -> str:
    return stored.sha256[:VERSION_LENGTH]


def parse_spec(mode: str, size: str, extension: str, max_side: int) -> Spec:
    """The rendition a URL names (`SCALE_AND_CROP`, `400x300`, `jpg`); Invalid naming what is wrong."""
    try:
        parsed_mode = Mode(mode)
    except ValueError:
        names = ", ".join(m.value for m in Mode)
        raise invalid("mode", mode, codes.INVALID_VALUE, f"mode must be one of {names}") from None
    fmt = FORMATS.get(extension)
    if fmt is None:
        raise invalid("format", extension, codes.INVALID_VALUE, f"format must be one of {', '.join(FORMATS)}")
    width, _, height = size.partition("x")
    if not (width.isdigit() and height.isdigit() and 1 <= int(width) <= max_side and 1 <= int(height) <= max_side):
        raise invalid("size", size, codes.INVALID_VALUE, f"size must be WIDTHxHEIGHT, each 1..{max_side}")
    return Spec(parsed_mode, int(width), int(height), fmt)


def parse_names(names: Iterable[str], max_side: int) -> list[Spec]:
    """Specs written as in URLs, `SCALE_AND_CROP/400x300.webp` (the warm-up setting)."""
    specs = []
    for name in names:
        mode, _, rest = name.partition("/")
        size, _, extension = rest.partition(".")
        specs.append(parse_spec(mode, size, extension, max_side))
    return specs


@on_event_loop(writes=False)
def picture(core: Core, picture_id: str, version: str) -> StoredFile:
    """The stored picture a rendition URL names (NotFound: gone, another version, not a picture).

    A small indexed read (one statement, so no unit of work: a transaction around it would cost
    more than the read), through the database's Validity: on SQLite run on every request, so a
    deleted picture's URLs answer 404 at once; on PostgreSQL kept by each worker while its listener
    hears every change, so a deleted picture's URLs answer 404 at once in the worker that deleted
    it and once the notification arrives in the others (persistence.validity)."""
    stored = queries.stored_picture(core.db, core.transactions, picture_id)
    if stored is None or stored.content_type not in PICTURE_TYPES or version_of(stored) != version:
        raise NotFound("picture", picture_id)
    return stored


class Renditions:
    def __init__(self, settings: Settings, storage: Storage, db: Database, engine: Engine | None = None) -> None:
        self.settings = settings
        self.storage = storage
        self.db = db
        self.engine = engine or make_engine(settings.rendition_quality, settings.max_image_pixels)
        self.quality = settings.rendition_quality
        self.listed = {tuple(int(n) for n in size.split("x")) for size in settings.rendition_sizes}
        self.warm_specs = parse_names(settings.rendition_warm, settings.rendition_max_side)
        workers = settings.rendition_concurrency or max(1, usable_cores())
        self._listed_pool = ThreadPoolExecutor(workers, thread_name_prefix="rendition")
        self._unlisted_pool = ThreadPoolExecutor(settings.rendition_unlisted_concurrency, thread_name_prefix="unlisted")
        self._warm_pool = ThreadPoolExecutor(1, thread_name_prefix="warm-up")
        self._lock = threading.Lock()
        # Renditions being made, by key: their bytes, and whether they were made (not fetched).
        self._making: dict[str, Future[tuple[bytes, bool]]] = {}
        # Renditions submitted and not finished, of listed sizes (True) and of others (False).
        self._waiting = {True: 0, False: 0}
        self._queue = {True: settings.rendition_queue, False: settings.rendition_unlisted_queue}
        # Renditions served lately, by storage key: keys never change meaning, so a kept one is
        # never stale; picture() says on every request whether the picture still exists.
        self._recent = Memo(32 * 1024 * 1024, sizeof=len)
        # How often this worker has made (rendered, not fetched) each rendition, by storage key.
        self.made: Counter[str] = Counter()

    def close(self) -> None:
        for pool in (self._warm_pool, self._unlisted_pool, self._listed_pool):
            pool.shutdown(wait=False, cancel_futures=True)

    # -- names ------------------------------------------------------------------------------

    def key(self, stored: StoredFile, spec: Spec) -> str:
        return self.key_of(stored.id, version_of(stored), spec)

    def key_of(self, picture_id: str, version: str, spec: Spec) -> str:
        """The storage key of a rendition, from what its URL says (whether it exists or not)."""
        name = f"{spec.mode.value}-{spec.width}x{spec.height}-q{self.quality}.{spec.format.extension}"
        return keys.rendition_key(picture_id, version, name)

    def etag(self, stored: StoredFile, spec: Spec) -> str:
        name = f"{spec.mode.value}-{spec.width}x{spec.height}-q{self.quality}-{spec.format.extension}"
        return f'"{version_of(stored)}-{name}"'

    def recent(self, key: str) -> bytes | None:
        """A rendition this worker served lately, by its key (never proof that its picture exists)."""
        data: bytes | None = self._recent.get(key)
        return data

    def is_listed(self, spec: Spec) -> bool:
        return (spec.width, spec.height) in self.listed

    # -- serving ----------------------------------------------------------------------------

    async def serve(self, stored: StoredFile, spec: Spec) -> Served:
        key = self.key(stored, spec)
        data = self._recent.get(key)
        if data is not None:
            metrics.RENDITIONS_FROM_STORAGE.inc()
        else:
            future = self._make(stored, spec, key)
            try:
                data, made = await asyncio.wait_for(
                    asyncio.shield(asyncio.wrap_future(future)), self.settings.rendition_timeout_seconds
                )
            except TimeoutError:
                raise Busy(f"the rendition took longer than {self.settings.rendition_timeout_seconds} s") from None
            if not made:
                metrics.RENDITIONS_FROM_STORAGE.inc()
            if self.is_listed(spec):  # other sizes are kept nowhere, not even here
                self._recent.put(key, data)
        return Served(data, spec.format.content_type, self.etag(stored, spec), stored.created_at)

    def _make(self, stored: StoredFile, spec: Spec, key: str) -> Future[tuple[bytes, bool]]:
        """The one making of this rendition in this worker: joined if under way, else started."""
        listed = self.is_listed(spec)
        with self._lock:
            future = self._making.get(key)
            if future is not None:
                return future
            if self._waiting[listed] >= self._queue[listed]:
                raise Busy(f"{self._waiting[listed]} renditions of such sizes are under way")
            self._waiting[listed] += 1
            pool = self._listed_pool if listed else self._unlisted_pool
            future = pool.submit(self._fetch_or_render, stored, spec, key, listed)
            self._making[key] = future

        def done(_: Future[tuple[bytes, bool]]) -> None:
            with self._lock:
                self._waiting[listed] -= 1
                self._making.pop(key, None)

        future.add_done_callback(done)
        return future

    def _fetch_or_render(self, stored: StoredFile, spec: Spec, key: str, listed: bool) -> tuple[bytes, bool]:
        if listed:
            try:
                with self.storage.open(key) as stream:
                    return stream.read(), False
            except StorageError:
                pass  # not made yet
        with self.storage.open(stored.key) as source:
            rendered = self.engine.render(source, spec)
        with self._lock:
            self.made[key] += 1
        metrics.RENDITIONS_MADE.inc()
        if listed:
            self.storage.put(key, rendered.data, rendered.content_type)
        return rendered.data, True

    # -- warm-up and removal ----------------------------------------------------------------

    def warm(self, picture_ids: Iterable[str]) -> None:
        """Make the `rendition_warm` renditions of these pictures in the background (after a save
        or assign): the caller does not wait, a failure is only logged."""
        ids = list(picture_ids)
        if ids and self.warm_specs:
            self._warm_pool.submit(self._warm, ids)

    def _warm(self, picture_ids: list[str]) -> None:
        for picture_id in picture_ids:
            try:
                with self.db.unit_of_work(write=False) as uow:
                    stored = queries.file_by_id(uow.connection, picture_id)
                if stored is None or stored.content_type not in PICTURE_TYPES:
                    continue
                for spec in self.warm_specs:
                    key = self.key(stored, spec)
                    if self.is_listed(spec) and self.storage.head(key) is None:
                        self._make(stored, spec, key).result()
            except (Busy, RenditionFailed, StorageError):
                log.warning("warm-up of picture %s stopped", picture_id, exc_info=True)

    def forget(self, picture_ids: Iterable[str]) -> None:
        """After the commit that removed the pictures: their stored renditions go. A failure leaks
        objects (logged), never serves them: the pictures' rows are gone, so their URLs are 404."""
        for picture_id in picture_ids:
            try:
                for key in self.storage.list_keys(keys.rendition_prefix(picture_id)):
                    self.storage.delete(key)
            except StorageError:
                log.warning("could not remove the renditions of %s; left for cleanup", picture_id, exc_info=True)
