"""A fresh account on the running service for each SDK test, and real image files on disk."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from realtymedia.services import accounts
from realtymedia.services.results import NewUser
from tests.support import Stack, image_bytes


@pytest.fixture
def account(stack: Stack) -> NewUser:
    return accounts.create_user(stack.core, f"sdk{uuid.uuid4().hex[:10]}", "pw")


def write_images(folder: Path, count: int, fmt: str = "JPEG", prefix: str = "photo") -> list[Path]:
    """`count` distinct real images (each a different colour and size, so each hash differs)."""
    folder.mkdir(parents=True, exist_ok=True)
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[fmt]
    paths = []
    for i in range(count):
        path = folder / f"{prefix}{i:02d}.{ext}"
        path.write_bytes(image_bytes(fmt, (40 + i, 30 + i), (10 * i % 256, 200 - 5 * i % 200, 90)))
        paths.append(path)
    return paths
