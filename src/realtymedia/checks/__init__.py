"""Byte checks of uploaded files in bounded checker processes, shared fairly between users.

`ByteChecks.submit(owner, stream, declared)` runs `domain.media.inspect` on the stream's file in a
checker process with a deadline and a memory limit; see `pool` for how the processes are shared.
"""

from realtymedia.checks.pool import Bounds, ByteChecks

__all__ = ["Bounds", "ByteChecks"]
