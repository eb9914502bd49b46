"""/healthz (the process answers) and /readyz (the database and the storage answer, in time).

A load balancer or Kubernetes asks these every few seconds: neither is rate limited, and their
request lines are logged at debug, not info (operations.observe).
"""

from __future__ import annotations

from collections.abc import Callable

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from realtymedia.services.core import Core

# A key no ticket ever names (tickets' keys start with an owner or `uploads/`, confirmed copies
# with `media/`): the storage answers "not there" for it, which is an answer all the same.
READINESS_KEY = "readiness-probe"
PATHS = ("/healthz", "/readyz")


def routes(core: Core) -> list[Route]:
    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> JSONResponse:
        timeout = core.settings.readiness_timeout_seconds
        checks: dict[str, Callable[[], object]] = {"database": lambda: _query(core), "storage": lambda: _head(core)}
        results: dict[str, str] = {}

        async def check(part: str, probe: Callable[[], object]) -> None:
            # A hung connection keeps its worker thread until the driver gives up; the answer does not wait.
            results[part] = f"no answer within {timeout:g} s"
            with anyio.move_on_after(timeout):
                try:
                    await anyio.to_thread.run_sync(probe, abandon_on_cancel=True)
                except Exception as error:  # the part's own failure, named without its details (URLs, keys)
                    results[part] = f"failed: {type(error).__name__}"
                else:
                    results[part] = "ok"

        async with anyio.create_task_group() as group:
            for part, probe in checks.items():
                group.start_soon(check, part, probe)
        failed = [part for part in checks if results[part] != "ok"]
        body = {"status": "unavailable" if failed else "ready", "failed": failed, **results}
        return JSONResponse(body, status_code=503 if failed else 200, headers={"Cache-Control": "no-store"})

    return [Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]


def _query(core: Core) -> None:
    with core.unit_of_work(write=False) as uow:
        uow.accounts.ping()


def _head(core: Core) -> None:
    core.storage.head(READINESS_KEY)
