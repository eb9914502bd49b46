"""uvicorn's configuration, in one place for `realtymedia serve` and for servers in the tests.

On SIGTERM each worker stops accepting connections, lets the requests in flight finish (uploads
included) for settings.shutdown_grace_seconds, then cancels what is left and exits; with
`--workers N` uvicorn's supervisor passes the signal on to every worker.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from realtymedia.operations import logs, metrics
from realtymedia.server.protocol import protocol_for
from realtymedia.settings import Settings

# By name: every worker process imports it and reads the limits from its own environment.
PROTOCOL = "realtymedia.server.protocol:LimitedHttpTools"


def options(settings: Settings) -> dict[str, Any]:
    """What `realtymedia serve` passes to uvicorn.run besides the address and the workers."""
    return {
        "http": PROTOCOL,
        "loop": settings.event_loop,
        "proxy_headers": True,
        "date_header": False,  # the application dates its answers (server.dates)
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
    }


def serving(settings: Settings, workers: int, request_lines: bool) -> dict[str, Any]:
    """What `realtymedia serve` passes to uvicorn.run besides the address: options(), the workers,
    and the logging of operations.logs (it logs every request itself: no access log of uvicorn's).
    Prepares the metrics of several workers first (prepare_metrics)."""
    prepare_metrics(settings, workers)
    return {
        **options(settings),
        "workers": workers,
        # uvicorn restarts a worker that has not answered its supervisor within this (default 5 s):
        # on a busy machine a worker's start-up (imports, checker processes) can take longer.
        "timeout_worker_healthcheck": 60,
        "access_log": False,
        "log_config": logs.config(settings.log_format, request_lines),
    }


def prepare_metrics(settings: Settings, workers: int) -> None:
    """With several workers, prometheus-client's multiprocess mode: a fresh directory for their
    values, named in the environment the workers inherit (it must be set before they import it)."""
    if workers <= 1:
        os.environ.pop(metrics.MULTIPROCESS_DIR, None)
        return
    directory = settings.resolved_data_dir / "metrics"
    shutil.rmtree(directory, ignore_errors=True)  # values of an earlier run's processes
    directory.mkdir(parents=True)
    os.environ[metrics.MULTIPROCESS_DIR] = str(directory)


def in_process(settings: Settings) -> dict[str, Any]:
    """The same for a uvicorn.Config of an application built in this process (the tests)."""
    return {**options(settings), "http": protocol_for(settings)}
