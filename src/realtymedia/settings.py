"""One settings object for the whole service, read from ``REALTYMEDIA_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MiB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REALTYMEDIA_", extra="ignore")

    data_dir: Path = Path("var")
    # Empty means SQLite at {data_dir}/realtymedia.sqlite3.
    database_url: str = ""
    # Connections of each pool: pool_size kept open, up to pool_overflow more under load; a request
    # waits for a free one. On PostgreSQL a worker process has two pools (the event loop's and the
    # worker threads'): max_connections must cover workers x 2 x (size + overflow).
    database_pool_size: int = 5
    database_pool_overflow: int = 5
    # Empty means: take scheme and host from each request.
    public_base_url: str = ""

    ticket_lifetime_seconds: int = 25 * 60
    max_upload_bytes: int = 50 * MiB
    # Objects of tickets that expired longer ago than this and were never used go at cleanup.
    cleanup_grace_seconds: int = 60 * 60
    # What checking one uploaded file may cost (see realtymedia.checks): pixels of all its frames
    # together, animation frames, progressive JPEG scans, and the checker process's time and memory.
    max_image_pixels: int = 100_000_000
    max_animation_frames: int = 1000
    max_jpeg_scans: int = 100
    check_timeout_seconds: float = 15.0
    check_memory_mib: int = 1024
    # Checker processes per worker process; 0 means one more than the usable cores (a user holds
    # at most all but one of them, so another user's check always finds one free).
    check_processes: int = 0

    storage: Literal["local", "s3"] = "local"
    # The local backend answers S3 browser POSTs itself; these are the keys its policies are signed with.
    local_bucket: str = "realtymedia"
    local_region: str = "eu-west-1"
    local_access_key: str = "REALTYMEDIALOCAL"
    # Empty means a secret generated once and kept in the data directory.
    local_secret_key: str = ""

    s3_endpoint_url: str = ""
    s3_region: str = "eu-west-1"
    s3_bucket: str = "realtymedia"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_session_token: str = ""
    s3_addressing_style: Literal["path", "virtual", "auto"] = "path"
    # Long-lived keys sign no form: forms are signed with STS session credentials (GetSessionToken,
    # renewed before they expire), so they carry X-Amz-Security-Token as the vendors' do. Off only
    # for an S3-compatible service without STS.
    s3_form_sessions: bool = True
    s3_form_session_seconds: int = 12 * 3600
    s3_sts_endpoint_url: str = ""
    # Public URL under which stored objects are readable; empty means the service serves them itself.
    s3_public_url: str = ""

    # Origins whose browser pages may call both dialects and read the file URLs (CORS), e.g.
    # "https://crm.example,https://agent.example"; "*" for any. Cookies never travel cross-origin
    # (no Access-Control-Allow-Credentials is ever sent), so "*" opens nothing a cookie protects.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Renditions (see docs/renditions.md): JPEG/WebP quality; each side 1..rendition_max_side.
    rendition_quality: int = Field(default=82, ge=1, le=100)
    rendition_max_side: int = Field(default=3840, ge=1)
    # Sizes kept in storage once made (any mode, any format); other sizes are made on every request
    # that reaches the service, in a slot of their own, and never stored (the defence against a
    # client asking for thousands of sizes). By default the web page's and IS24's listing sizes.
    rendition_sizes: list[str] = Field(
        default_factory=lambda: [
            "60x60", "118x118", "210x210", "240x180", "400x300", "480x360", "540x540", "640x480", "1000x1000",
        ]
    )  # fmt: skip
    # Made in the background after a save or assign, so that the first page view finds them.
    rendition_warm: list[str] = Field(
        default_factory=lambda: ["SCALE_AND_CROP/240x180.webp", "SCALE_AND_CROP/480x360.webp"]
    )
    # Renditions made at once per worker (0: one per usable core), and how many may wait for a
    # thread before further first requests are answered 503; the same for sizes outside
    # rendition_sizes, which have threads of their own.
    rendition_concurrency: int = Field(default=0, ge=0)
    rendition_queue: int = Field(default=64, ge=1)
    rendition_unlisted_concurrency: int = Field(default=1, ge=1)
    rendition_unlisted_queue: int = Field(default=4, ge=1)
    rendition_timeout_seconds: float = Field(default=20.0, gt=0)
    # Keep an original's metadata (EXIF, GPS, XMP, IPTC, comments) as uploaded; by default it is
    # removed, losslessly, before the original is stored.
    keep_metadata: bool = False

    virtual_tour_hosts: list[str] = Field(
        default_factory=lambda: ["virtualtours.immobilienscout24.de", "my.matterport.com", "kuula.co"]
    )
    oauth_timestamp_tolerance_seconds: int = 600
    realty_image_base_path: str = "/realty-image/v2"
    idempotency_ttl_seconds: int = 24 * 60 * 60
    # A worker remembers valid credentials this long instead of asking the database on every
    # request (0: always ask): a bearer token's user, an IS24 consumer and its access token. A
    # revocation (`realtymedia users revoke-token`) takes up to this long to reach every worker.
    bearer_cache_seconds: int = 30
    # FastAPI's OpenTelemetry spans, metrics and logs (providers and exporters are the operator's).
    opentelemetry: bool = False
    # Threads per worker process for blocking work (database, storage, byte checks).
    worker_threads: int = 40
    # The event loop of `realtymedia serve`. Database work runs on the loop (Database.run), so the
    # loop is busy under load; asyncio's loop serves its ready tasks in turn, while uvloop let newly
    # arrived requests overtake waiting ones: the same throughput, a far longer tail (docs/benchmarks.md).
    event_loop: Literal["asyncio", "uvloop"] = "asyncio"
    # Password checks (argon2, which uses every core for one check) of a worker process: this many
    # at once, in threads of their own, and this many more waiting; more are refused at once (503).
    password_check_threads: int = 1
    password_check_queue: int = 16
    # Guessing passwords (the web page's login, OAuth's confirm_access): within the window, an address
    # with this many failed logins, or a user with this many (counted per address for an address
    # the user logged in from within login_trusted_address_days), is refused (429) until the
    # oldest of them leaves the window. See services/logins.py.
    login_failures_per_user: int = 5
    login_failures_per_address: int = 20
    login_window_seconds: int = 300
    login_trusted_address_days: int = 30
    # Bounds of a request's head, kept by `realtymedia serve`'s protocol (server/protocol.py) before
    # the application sees the request: 431 past the size or the count of headers, 414 past the
    # request line, 408 when the head is not complete within the timeout of its first byte.
    max_request_head_bytes: int = 32 * 1024
    max_request_headers: int = 100
    max_request_line_bytes: int = 8 * 1024
    request_head_timeout_seconds: float = 10
    # A body must keep coming: 408 after this long without a byte (S3 answers RequestTimeout after
    # about 20 s too), or when it is not complete this long after it began (a 50 MiB upload at
    # 100 KB/s takes about 9 minutes).
    request_body_idle_seconds: float = 20
    request_body_timeout_seconds: float = 900

    # -- running for a portal (README "Running for a portal", docs/operations.md) --
    # /readyz gives the database's query and the storage's head this long each before it answers 503.
    readiness_timeout_seconds: float = 2.0
    # /metrics answers only requests with "Authorization: Bearer <metrics_token>"; empty: /metrics is off (404).
    metrics_token: str = ""
    # On SIGTERM a worker stops accepting connections and gives the requests in flight (uploads
    # included) this long to finish; then it cancels what is left and exits.
    shutdown_grace_seconds: int = 30
    # Logs on stderr: one JSON object a line (`json`), or uvicorn's plain text (`text`).
    log_format: Literal["json", "text"] = "json"
    # Rate limits in the `limits` library's notation ("50/second;1500/minute"; empty: none), counted
    # per credential (a bearer token, an OAuth consumer and token, a web session), and per client
    # address for requests that carry none. Over a limit: 429 in the dialect's format, Retry-After.
    rate_limit_per_credential: str = "50/second;1500/minute"
    rate_limit_per_address: str = "20/second;600/minute"
    # Where the counts live: `memory://` (each worker process counts for itself: with N workers a
    # client gets up to N times the limit), or `redis://host:6379/0` (one count shared by every worker).
    rate_limit_storage: str = "memory://"

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().startswith("["):
                import json

                return json.loads(value)
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @cached_property
    def resolved_data_dir(self) -> Path:
        path = self.data_dir.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @cached_property
    def resolved_database_url(self) -> str:
        url = self.database_url or f"sqlite:///{self.resolved_data_dir / 'realtymedia.sqlite3'}"
        # psycopg 3 is the PostgreSQL driver; accept the plain scheme users write.
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+psycopg://" + url[len(plain) :]
        return url

    @cached_property
    def resolved_local_secret_key(self) -> str:
        if self.local_secret_key:
            return self.local_secret_key
        path = self.resolved_data_dir / "local-storage-secret"
        if not path.exists():
            # Several workers may start at once: the first link wins, the others read its secret.
            tmp = path.with_name(f".secret-{os.getpid()}-{secrets.token_hex(4)}")
            tmp.write_text(secrets.token_urlsafe(32))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        return path.read_text().strip()
