"""Core's per-worker caches: bounded by bytes for rendered answers, never keeping None."""

from __future__ import annotations

from realtymedia.services.core import Memo, _rendered_size


def test_renderings_are_bounded_by_their_bytes() -> None:
    memo = Memo(10_000, sizeof=_rendered_size)
    for n in range(10):
        memo.put(("list", n), b"x" * 3_000)
    kept = [n for n in range(10) if memo.get(("list", n)) is not None]
    assert kept == [7, 8, 9]  # 3 x (3 000 + 200) fit in 10 000 bytes, 4 do not; the newest stay


def test_nothing_is_kept_for_none_and_a_zero_ttl_keeps_nothing() -> None:
    memo = Memo(10)
    assert memo.get_or_make("a", lambda: None) is None
    assert memo.get_or_make("a", lambda: 1) == 1
    off = Memo(10, seconds=0)
    off.put("a", 1)
    assert off.get("a") is None
