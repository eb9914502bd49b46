"""The key layout: one module makes every key, and tells grants' keys from others."""

from __future__ import annotations

import uuid

import pytest

from realtymedia.storage import keys


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("uploads/5f0c8d8e-8f3e-4a57-9d1e-0d8e2f5b1c3a", True),
        ("uploads/5F0C8D8E-8F3E-4A57-9D1E-0D8E2F5B1C3A", False),
        ("uploads/../etc/passwd", False),
        ("5f0c8d8e-8f3e-4a57-9d1e-0d8e2f5b1c3a", False),
        ("uploads/5f0c8d8e-8f3e-4a57-9d1e-0d8e2f5b1c3a.jpg", False),
        ("", False),
    ],
)
def test_only_keys_of_grants_are_looked_up(key: str, ok: bool) -> None:
    assert keys.is_grant_key(key) is ok


def test_each_area_of_the_layout() -> None:
    ticket = str(uuid.uuid4())
    grant = keys.upload_key(keys.GRANT_OWNER, "7", ticket, "image/png")
    assert grant == f"uploads/{ticket}" and keys.is_grant_key(grant)
    assert keys.upload_key("project", "7", ticket, "application/pdf") == f"7/{ticket}.pdf"
    first = keys.stored_key("project", "7", ticket, "image/jpeg")
    second = keys.stored_key("project", "7", ticket, "image/jpeg")
    assert first != second and first.startswith(f"media/project-7/{ticket}.") and first.endswith(".jpg")
    assert keys.ticket_id_of(first) == ticket
    assert keys.ticket_id_of(grant) is None
    copy = keys.copy_key("r1", "i1", "image/webp")
    assert copy == "realties/r1/i1.webp" and copy.startswith(keys.realty_prefix("r1"))
    assert all(keys.is_safe_key(k) for k in (grant, first, copy))
    rendition = keys.rendition_key("p1", "0a1b2c3d", "SCALE-400x300-q82.jpg")
    upload = keys.upload_key("project", "7", ticket, "image/png")
    assert all(keys.is_layout_shaped(k) for k in (grant, upload, first, copy, rendition))


@pytest.mark.parametrize(
    "key",
    ["a", "uploads/x/y", "media/a", "7/x.jpg/y", "renditions/p/v", "../x", "a//b", "Küche.jpg", ".keys/ab/x"],
)
def test_keys_outside_the_layout_are_not_layout_shaped(key: str) -> None:
    """Within an area every layout key has the same depth, so none is a folder of another; a backend
    that keeps keys as paths maps the rest (storage/local.py)."""
    assert not keys.is_layout_shaped(key)
