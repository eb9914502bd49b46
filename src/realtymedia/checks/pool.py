"""Byte checks in a few processes of their own, shared fairly between users.

Decoding a file is CPU and memory that the file decides, and every user's uploads are checked by
the same processes. So a check runs in a checker process (`worker.main`) with an address-space
limit, at a lower priority than the server, and is killed when it passes its deadline; and the
queue of checks is served by user: the next free process takes the oldest check of the user who
has the fewest running, and no user holds more than all but one of the processes. One user's
hostile files (or a 200-file save) can then slow that user alone: another user's check starts as
soon as a process is free, and one always is while that user has none running.

Each process is driven by one dispatcher thread that hands it the file's descriptor (no bytes are
copied through the pipe) and waits for the answer; the caller's thread only waits for a Future.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from multiprocessing.reduction import send_handle
from typing import BinaryIO

from realtymedia.checks import worker
from realtymedia.domain.errors import Invalid
from realtymedia.domain.media import Limits, MediaInfo, refusal
from realtymedia.operations import metrics

MiB = 1024 * 1024


@dataclass(frozen=True)
class Bounds:
    """How many checker processes, and what one check may take of them."""

    processes: int
    seconds: float
    memory_bytes: int

    @property
    def per_user(self) -> int:
        return max(1, self.processes - 1)


@dataclass
class _Job:
    owner: Hashable
    declared: str
    descriptor: int | None  # a duplicate of the file's, closed once handed over
    data: bytes | None  # the bytes, for a stream with no descriptor
    future: Future[MediaInfo] = field(default_factory=Future)
    order: int = 0


class _Checker:
    """One checker process and the parent's end of its connection."""

    def __init__(self, context: BaseContext, memory_bytes: int) -> None:
        ours, theirs = context.Pipe()
        self.process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=worker.main, args=(theirs, memory_bytes), daemon=True, name="realtymedia-check"
        )
        self.process.start()
        theirs.close()
        self.connection: Connection = ours

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()


class ByteChecks:
    """`inspect` files of any user in the checker processes; see the module's docstring."""

    def __init__(self, bounds: Bounds, limits: Limits) -> None:
        self.bounds = bounds
        self.limits = limits
        # Checkers fork from a server process that has the decoders imported already: a checker
        # killed at its deadline is replaced in milliseconds, and no checker inherits this
        # process's threads, connections or memory.
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload([worker.__name__])
        self._per_user = bounds.per_user
        self._lock = threading.Condition()
        # Each user's checks wait in a queue of their own (oldest first): a take looks at the heads
        # of the users who have checks waiting, never at every queued check.
        self._queues: dict[Hashable, deque[_Job]] = {}
        self._running: dict[Hashable, int] = {}
        self._orders = itertools.count()
        self._dispatchers: list[threading.Thread] = []
        self._closed = False

    def inspect(self, owner: Hashable, stream: BinaryIO, declared: str) -> MediaInfo:
        """domain.media.inspect of `stream` in a checker process, queued behind `owner`'s own checks."""
        return self.submit(owner, stream, declared).result()

    def submit(self, owner: Hashable, stream: BinaryIO, declared: str) -> Future[MediaInfo]:
        """Queue the check of `stream`; the stream may be closed as soon as this returns."""
        try:
            descriptor: int | None = os.dup(stream.fileno())
            data = None
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both of the last two
            descriptor, data = None, stream.read()
        job = _Job(owner, declared, descriptor, data)
        with self._lock:
            if self._closed:
                self._release(job)
                raise RuntimeError("the byte checks are closed")
            job.order = next(self._orders)
            self._queues.setdefault(owner, deque()).append(job)
            if len(self._dispatchers) < self.bounds.processes:
                thread = threading.Thread(target=self._dispatch, name="realtymedia-check-dispatch", daemon=True)
                self._dispatchers.append(thread)
                thread.start()
            self._lock.notify()  # one more job: one idle dispatcher is enough to take it
        return job.future

    def close(self) -> None:
        with self._lock:
            self._closed = True
            queued = [job for jobs in self._queues.values() for job in jobs]
            self._queues.clear()
            self._lock.notify_all()
        for job in queued:
            self._release(job)
            job.future.set_exception(RuntimeError("the byte checks are closed"))

    # -- dispatch ---------------------------------------------------------------------------

    def _next(self) -> _Job | None:
        """The oldest job of the user with the fewest running checks, among users below their share."""
        best: deque[_Job] | None = None
        best_key = (self._per_user, 0)
        for owner, jobs in self._queues.items():
            key = (self._running.get(owner, 0), jobs[0].order)
            if key[0] < self._per_user and (best is None or key < best_key):
                best, best_key = jobs, key
        if best is None:
            return None
        job = best.popleft()
        if not best:
            del self._queues[job.owner]
        return job

    def _take(self) -> _Job | None:
        with self._lock:
            while not self._closed:
                job = self._next()
                if job is not None:
                    self._running[job.owner] = self._running.get(job.owner, 0) + 1
                    return job
                self._lock.wait()
            return None

    def _done(self, job: _Job) -> None:
        with self._lock:
            left = self._running[job.owner] - 1
            if left:
                self._running[job.owner] = left
            else:
                del self._running[job.owner]
            # The dispatcher that ran the job takes the next itself; another idle one is woken only
            # if the owner was held at their share with checks waiting (one of those may start now).
            if left + 1 == self._per_user and job.owner in self._queues:
                self._lock.notify()

    def _dispatch(self) -> None:
        checker: _Checker | None = None
        try:
            while (job := self._take()) is not None:
                try:
                    if checker is None:
                        checker = _Checker(self._context, self.bounds.memory_bytes)
                    with metrics.BYTE_CHECKS.track_inprogress():
                        answer, checker = self._run(checker, job)
                except BaseException as error:  # the future must hear of anything
                    answer = error
                    if checker is not None:
                        checker.kill()
                    checker = None
                finally:
                    self._release(job)
                    self._done(job)
                if isinstance(answer, BaseException):
                    job.future.set_exception(answer)
                else:
                    job.future.set_result(answer)
        finally:
            if checker is not None:
                checker.kill()

    def _run(self, checker: _Checker, job: _Job) -> tuple[MediaInfo | BaseException, _Checker | None]:
        """Run the job on `checker`; returns the answer and the checker to use next (None: start a new one)."""
        connection = checker.connection
        try:
            connection.send((job.declared, self.limits, job.descriptor is not None))
            if job.descriptor is not None:
                send_handle(connection, job.descriptor, checker.process.pid)
            else:
                connection.send_bytes(job.data or b"")
            answered = connection.poll(self.bounds.seconds)
            kind, value = connection.recv() if answered else ("late", None)
        except (EOFError, OSError):
            kind, value = "crashed", None
        if kind == "ok":
            assert isinstance(value, MediaInfo)
            return value, checker
        if kind == "invalid":
            return Invalid(value), checker  # type: ignore[arg-type]
        if kind != "memory":  # a checker that answered MemoryError has ended itself
            checker.kill()
        else:
            checker.process.join()
            checker.connection.close()
        return self._refusal(job.declared, kind, value), None

    def _refusal(self, declared: str, kind: str, value: object) -> Invalid:
        if kind == "late":
            found = f"a file that takes longer than {self.bounds.seconds:g} s to check"
        elif kind == "memory":
            found = f"a file that needs more than {self.bounds.memory_bytes // MiB} MiB to check"
        elif kind == "crashed":
            found = "a file that made its check fail"
        else:
            found = f"a file its check could not read ({value})"
        return refusal(declared, found)

    @staticmethod
    def _release(job: _Job) -> None:
        if job.descriptor is not None:
            os.close(job.descriptor)
            job.descriptor = None
        job.data = None
