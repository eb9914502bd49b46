"""The ceiling: a bare ASGI app that answers every request with a fixed 200.

Served by uvicorn as `realtymedia serve` is (one worker, httptools, no access log), but on uvloop,
which serves it ~19 % faster than the asyncio loop the service uses: the higher ceiling, so that
the ratio of a service figure to this one shows what the service itself costs, never flattered.
`?bytes=N` sets the body's size, so that a list endpoint is compared with a body of its own size;
each body is built once. The request body, if any, is read whole and dropped, as a minimal app would.
"""

from __future__ import annotations

from typing import Any

_bodies: dict[int, bytes] = {}


def _body(size: int) -> bytes:
    body = _bodies.get(size)
    if body is None:
        body = _bodies[size] = b"x" * size
    return body


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    size = -1
    query = scope.get("query_string", b"")
    if query.startswith(b"bytes="):
        size = min(int(query[6:] or 0), 16 * 1024 * 1024)
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    body = _body(size) if size >= 0 else b"{}"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
