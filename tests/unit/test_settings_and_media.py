"""Fast checks of pure pieces: settings, content sniffing, the policy checker's own parsing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from realtymedia.domain.errors import Invalid
from realtymedia.domain.media import Limits, inspect, sniff
from realtymedia.settings import Settings
from tests.support import image_bytes, pdf_bytes


def test_database_url_defaults_to_sqlite_in_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'realtymedia.sqlite3'}"


@pytest.mark.parametrize("url", ["postgresql://u@h:5432/d", "postgres://u@h:5432/d"])
def test_postgres_urls_use_psycopg(url: str, tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path, database_url=url).resolved_database_url == "postgresql+psycopg://u@h:5432/d"


def test_environment_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REALTYMEDIA_TICKET_LIFETIME_SECONDS", "60")
    monkeypatch.setenv("REALTYMEDIA_MAX_UPLOAD_BYTES", "1000")
    settings = Settings(data_dir=tmp_path)
    assert (settings.ticket_lifetime_seconds, settings.max_upload_bytes) == (60, 1000)


def test_local_secret_is_made_once(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path).resolved_local_secret_key
    assert Settings(data_dir=tmp_path).resolved_local_secret_key == first
    assert len(first) >= 32


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (image_bytes("JPEG"), "image/jpeg"),
        (image_bytes("PNG"), "image/png"),
        (image_bytes("GIF"), "image/gif"),
        (image_bytes("WEBP"), "image/webp"),
        (pdf_bytes(), "application/pdf"),
        (b"<svg/>", "markup (HTML/XML/SVG)"),
        (b"", "an empty file"),
    ],
)
def test_sniff(content: bytes, found: str) -> None:
    assert sniff(content[:64]) == found


def test_inspect_reports_dimensions_and_hash() -> None:
    content = image_bytes("PNG", (30, 20))
    info = inspect(io.BytesIO(content), "image/png", Limits(1000))
    assert (info.width, info.height, info.size) == (30, 20, len(content))
    import hashlib

    assert info.sha256 == hashlib.sha256(content).hexdigest()


def test_inspect_applies_the_pixel_limit() -> None:
    with pytest.raises(Invalid, match="30x20 pixels, more than the 500 allowed"):
        inspect(io.BytesIO(image_bytes("PNG", (30, 20))), "image/png", Limits(500))


def test_polyglot_gif_with_html_is_checked_as_gif() -> None:
    # A GIF header followed by markup: sniffing says GIF, decoding says it is broken.
    with pytest.raises(Invalid, match="declared image/gif, found a damaged or truncated GIF"):
        inspect(io.BytesIO(b"GIF89a<html><script>alert(1)</script></html>"), "image/gif", Limits(10**6))


def test_usable_cores_without_cpu_affinity(monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS has no os.sched_getaffinity: the service must still start there (a laptop's first run)."""
    import os

    from realtymedia.storage import usable_cores

    assert usable_cores() >= 1
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert usable_cores() == 8
