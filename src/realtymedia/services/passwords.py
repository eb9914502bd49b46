"""Password checks in a small pool of their own, refused at once when it is full.

argon2 is slow on purpose (tens of milliseconds of CPU and 64 MiB of memory per check). In the
worker threads that every request shares, a few dozen concurrent wrong logins, which need no
account, made ordinary reads wait seconds (docs/benchmarks.md). Here the checks of a process run
in `threads` threads of their own, at most `queue` more wait for one, and any beyond that are
refused before anything is done for them
(`Overloaded`, answered 503 with Retry-After): a flood of logins costs the rest of the service at
most these few threads' share of the CPU, and an honest login waits behind at most `queue` others.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from realtymedia.domain.errors import Overloaded

P = ParamSpec("P")
T = TypeVar("T")


class PasswordChecks:
    def __init__(self, threads: int, queue: int) -> None:
        self._pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="password")
        self._admitted = threading.BoundedSemaphore(max(1, threads) + max(0, queue))

    async def run(self, check: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`check(*args)` in the pool, awaited without holding any other thread; `Overloaded` when
        the pool and its queue are full."""
        if not self._admitted.acquire(blocking=False):
            raise Overloaded("Too many logins at once: try again in a moment.", retry_after=1)
        try:
            future = self._pool.submit(check, *args, **kwargs)
        except BaseException:
            self._admitted.release()
            raise
        # Released when the check ends, not when its caller stops waiting (a client that went
        # away leaves its check running): the bound is on checks, not on waiters.
        future.add_done_callback(lambda _: self._admitted.release())
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
