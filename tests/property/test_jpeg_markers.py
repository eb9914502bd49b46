"""The JPEG walk's search for the marker after a scan (domain/image_headers.py) ends where the
plain rule says: the first byte after a 0xFF (or a run of them) that is not a stuffed 0x00, a
restart marker or another 0xFF. The search is written for the regular expression engine's speed;
this holds it to the rule, and to the repetition form it replaced, for any bytes."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from realtymedia.domain import image_headers

# Bytes that decide the rule (0xFF, stuffing, restarts, marker bytes) are common; any byte may occur.
interesting = st.sampled_from([0xFF, 0xFF, 0xFF, 0x00, 0xD0, 0xD7, 0xD9, 0xDA, 0xC4, 0x01, 0xFE])
data = st.lists(interesting | st.integers(0, 255), max_size=200).map(bytes)

REPEATED = re.compile(rb"\xff+[^\x00\xd0-\xd7\xff]")


def by_rule(raw: bytes, start: int) -> int | None:
    """The end of the next marker's first two bytes, or None (no marker after `start`)."""
    for index in range(start, len(raw) - 1):
        following = raw[index + 1]
        if raw[index] == 0xFF and not (following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF):
            return index + 2
    return None


@given(data, st.integers(0, 200))
def test_the_next_marker_is_found_where_the_rule_puts_it(raw: bytes, start: int) -> None:
    start = min(start, len(raw))
    found = image_headers._NEXT_MARKER.search(memoryview(raw), start)
    assert (found.end() if found else None) == by_rule(raw, start)
    replaced = REPEATED.search(raw, start)
    assert (found.end() if found else None) == (replaced.end() if replaced else None)


def test_fill_bytes_before_a_marker_are_skipped() -> None:
    raw = b"\x12\xff\x00\x34\xff\xd3\x56\xff\xff\xff\xd9"
    found = image_headers._NEXT_MARKER.search(raw, 0)
    assert found is not None and found.end() - 2 == 9  # the last 0xFF before EOI
