"""uvicorn's configuration, in one place for `realtymedia serve` and for servers in the tests."""

from __future__ import annotations

from typing import Any

from realtymedia.server.protocol import protocol_for
from realtymedia.settings import Settings

# By name: every worker process imports it and reads the limits from its own environment.
PROTOCOL = "realtymedia.server.protocol:LimitedHttpTools"


def options(settings: Settings) -> dict[str, Any]:
    """What `realtymedia serve` passes to uvicorn.run besides the address and the workers."""
    return {"http": PROTOCOL, "loop": settings.event_loop, "proxy_headers": True}


def in_process(settings: Settings) -> dict[str, Any]:
    """The same for a uvicorn.Config of an application built in this process (the tests)."""
    return {**options(settings), "http": protocol_for(settings)}
