"""Processes of a benchmark or soak run: the service as in production, the bare ceiling, moto's S3,
and a PostgreSQL database of its own. Everything listens on loopback only."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_SERVER_URL = os.environ.get("REALTYMEDIA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A server subprocess on a loopback port, in its own process group."""

    def __init__(self, argv: list[str], port: int, env: dict[str, str], log: Path, ready_path: str = "/") -> None:
        self.argv, self.port, self.env, self.log, self.ready_path = argv, port, env, log, ready_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 60) -> Server:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv, env={**os.environ, **self.env}, stdout=log, stderr=log, cwd=ROOT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.argv[0]} exited with {self.process.returncode}; see {self.log}")
            try:
                if httpx.get(self.url + self.ready_path, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.argv} did not answer within {timeout}s; see {self.log}")

    def kill9(self) -> None:
        """The fault: SIGKILL, no chance to clean up."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def terminate(self, timeout: float) -> tuple[int, float]:
        """The graceful stop: SIGTERM, then wait up to `timeout` s; its exit code and how long it took."""
        assert self.process is not None
        signalled = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        return code, time.monotonic() - signalled

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def service_env(data_dir: Path, database_url: str, **settings: str) -> dict[str, str]:
    # No rate limits unless asked for: a benchmark or a soak is one client at hundreds of requests a second.
    env = {
        "REALTYMEDIA_DATA_DIR": str(data_dir),
        "REALTYMEDIA_DATABASE_URL": database_url,
        "REALTYMEDIA_RATE_LIMIT_PER_CREDENTIAL": "",
        "REALTYMEDIA_RATE_LIMIT_PER_ADDRESS": "",
    }
    env.update({f"REALTYMEDIA_{name.upper()}": value for name, value in settings.items()})
    return env


def service(data_dir: Path, database_url: str, log: Path, request_lines: bool = False, **settings: str) -> Server:
    """`realtymedia serve` exactly as in production: one worker process, no access log unless
    `request_lines` (a JSON line per request to the log, as a portal runs it)."""
    port = free_port()
    argv = [str(BIN / "realtymedia"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if not request_lines:
        argv.append("--no-access-log")
    return Server(argv, port, service_env(data_dir, database_url, **settings), log, "/healthz")


def bare(log: Path) -> Server:
    """The ceiling, on the server settings `realtymedia serve` uses (see cli.cmd_serve), but uvloop
    (see bare.py: the higher ceiling of the two loops)."""
    port = free_port()
    argv = [
        str(BIN / "uvicorn"), "bench.bare:app", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--loop", "uvloop", "--http", "httptools", "--proxy-headers", "--no-access-log", "--log-level", "info",
    ]  # fmt: skip
    return Server(argv, port, {}, log)


def moto(log: Path) -> Server:
    port = free_port()
    return Server([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], port, {}, log, "/moto-api/")


def cli(env: dict[str, str], *args: str) -> str:
    """Run a `realtymedia` command against the given settings; its JSON output."""
    done = subprocess.run(
        [str(BIN / "realtymedia"), *args], env={**os.environ, **env}, capture_output=True, check=True, cwd=ROOT
    )
    return done.stdout.decode()


@contextmanager
def postgres_database(prefix: str = "realtymedia_bench") -> Iterator[str]:
    import psycopg

    admin = psycopg.connect(PG_SERVER_URL, autocommit=True, connect_timeout=3)
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def postgres_reachable() -> bool:
    import psycopg

    try:
        psycopg.connect(PG_SERVER_URL, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True
