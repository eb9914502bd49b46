"""A TCP proxy in front of the test service that sees the HTTP requests passing through it: it
counts them by their request line, and can hold the answers to some (a slow save, as on a day with a
slow uplink), so that a test can interrupt the upload command at a known moment."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

REQUEST_LINE = re.compile(rb"(GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH) (\S+) HTTP/1\.[01]\r\n")


class Proxy:
    def __init__(self, upstream_port: int, hold: re.Pattern[str] | None = None, hold_seconds: float = 0.0) -> None:
        self.upstream_port = upstream_port
        self.hold = hold
        self.hold_seconds = hold_seconds
        self.requests: Counter[str] = Counter()
        self.held = threading.Event()  # set once a held request has reached the service
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, pattern: str) -> int:
        with self._lock:
            return sum(n for line, n in self.requests.items() if re.search(pattern, line))

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            holding = threading.Event()
            threading.Thread(target=self._requests, args=(client, upstream, holding), daemon=True).start()
            threading.Thread(target=self._answers, args=(upstream, client, holding), daemon=True).start()

    def _requests(self, source: socket.socket, target: socket.socket, holding: threading.Event) -> None:
        with source, target:
            while chunk := _recv(source):
                for match in REQUEST_LINE.finditer(chunk):
                    line = f"{match[1].decode()} {match[2].decode()}"
                    with self._lock:
                        self.requests[line] += 1
                    if self.hold is not None and self.hold.search(line):
                        holding.set()
                try:
                    target.sendall(chunk)
                except OSError:
                    return
                if holding.is_set():
                    self.held.set()

    def _answers(self, source: socket.socket, target: socket.socket, holding: threading.Event) -> None:
        with source, target:
            while chunk := _recv(source):
                if holding.is_set():
                    time.sleep(self.hold_seconds)
                    holding.clear()
                try:
                    target.sendall(chunk)
                except OSError:
                    return

    def close(self) -> None:
        self._listener.close()


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


@contextmanager
def proxy(upstream_url: str, **kwargs: object) -> Iterator[Proxy]:
    running = Proxy(int(upstream_url.rsplit(":", 1)[1]), **kwargs)  # type: ignore[arg-type]
    try:
        yield running
    finally:
        running.close()
