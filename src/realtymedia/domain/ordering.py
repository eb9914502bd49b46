"""Order rules of both dialects."""

from __future__ import annotations

from collections.abc import Sequence

from realtymedia.domain import codes
from realtymedia.domain.errors import Violation


def move_to_front(current: Sequence[str], given: Sequence[str]) -> list[str]:
    """IS24's order rule: the given ids first in the given order, the rest in their current order.

    Ids that are not in `current` (links, unknown ids) are ignored, as are repeats.
    """
    known = set(current)
    front = list(dict.fromkeys(i for i in given if i in known))
    chosen = set(front)
    return front + [i for i in current if i not in chosen]


def check_full_list(current: Sequence[str], given: Sequence[str]) -> list[Violation]:
    """The Realty Image rule: the given list must be exactly the current ids, each once."""
    violations = []
    seen: set[str] = set()
    known = set(current)
    for index, item in enumerate(given):
        if item in seen:
            violations.append(
                Violation(("images", index, "id"), item, codes.DUPLICATE, f"image {item} is listed twice")
            )
        elif item not in known:
            violations.append(
                Violation(
                    ("images", index, "id"),
                    item,
                    codes.INVALID_VALUE,
                    f"image {item} is not an image of this realty",
                )
            )
        seen.add(item)
    for item in current:
        if item not in seen:
            violations.append(
                Violation(("images",), item, codes.MANDATORY_FIELD_EMPTY, f"image {item} is missing from the list")
            )
    return violations


def move(current: Sequence[str], item: str, position: int) -> list[str]:
    """One item to `position` (from 0), the others keeping their order; a position past the end
    puts it last. A client that moves one image need not know the rest of the list."""
    rest = [i for i in current if i != item]
    at = max(0, min(position, len(rest)))
    return [*rest[:at], item, *rest[at:]]
