"""The service's Prometheus metrics (prometheus-client), for one worker process or many.

`realtymedia serve --workers N` with N > 1 sets PROMETHEUS_MULTIPROC_DIR before the workers
start (operations.server): each worker then keeps its values in files there, and /metrics,
answered by whichever worker gets the scrape, adds up every worker's (prometheus-client's
multiprocess mode). With one worker the values live in the process, as usual.

Route labels are route templates (`/realty/{realtyId}/images`), never raw paths, so the number of
series stays bounded whatever clients send.
"""

from __future__ import annotations

import hmac
import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import Engine, event
from starlette.requests import Request
from starlette.responses import Response

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "realtymedia_requests", "Requests answered, by dialect, route template and status.", ["dialect", "route", "status"]
)
LATENCY = Histogram(
    "realtymedia_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by dialect and route template.",
    ["dialect", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
TICKETS_ISSUED = Counter(
    "realtymedia_upload_tickets_issued", "Upload tickets (IS24) and upload grants (Realty Image) signed.", ["dialect"]
)
UPLOADS_CONFIRMED = Counter(
    "realtymedia_uploads_confirmed", "Uploads whose stored bytes were checked and accepted.", ["dialect"]
)
UPLOADS_REFUSED = Counter(
    "realtymedia_uploads_refused",
    "Uploads refused when confirmed, by reason (the rule's code; `missing`: nothing was uploaded).",
    ["dialect", "reason"],
)
RENDITIONS_MADE = Counter("realtymedia_renditions_made", "Renditions made from an original.")
RENDITIONS_FROM_STORAGE = Counter(
    "realtymedia_renditions_served_from_storage", "Renditions served as stored earlier, not made again."
)
BYTE_CHECKS = Gauge(
    "realtymedia_byte_checks_in_flight", "Uploads whose bytes are being checked now.", multiprocess_mode="livesum"
)
DATABASE_CONNECTIONS = Gauge(
    "realtymedia_database_connections_in_use",
    "Database connections checked out of a worker's pools, by pool (`threads`, `loop`).",
    ["pool"],
    multiprocess_mode="livesum",
)
RATE_LIMITED = Counter(
    "realtymedia_rate_limit_refusals",
    "Requests refused by a rate limit, by dialect and by what was counted (`credential`, `address`).",
    ["dialect", "limit"],
)

# Owner kinds of tickets (services.tickets) as the dialect that issues them.
DIALECT_OF_OWNER = {"project": "is24", "user": "realty_image", "realty": "realty_image"}


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIR))


def watch_pool(engine: Engine, pool: str) -> None:
    """Count the engine's checked-out connections in DATABASE_CONNECTIONS{pool=...}."""
    gauge = DATABASE_CONNECTIONS.labels(pool)

    def checkout(*_: Any) -> None:
        gauge.inc()

    def checkin(*_: Any) -> None:
        gauge.dec()

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)


def exposition() -> bytes:
    """Every metric in Prometheus' text format: this process's, or every worker's in multiprocess mode."""
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def endpoint(token: str) -> Any:
    """GET /metrics: off (404) without a token setting; with one, only for `Authorization: Bearer <token>`."""
    expected = f"Bearer {token}".encode()

    async def metrics(request: Request) -> Response:
        if not token:
            return Response("Not Found", status_code=404, media_type="text/plain")
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            return Response(
                "Unauthorized", status_code=401, media_type="text/plain", headers={"WWW-Authenticate": "Bearer"}
            )
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    return metrics
