"""Realty Image API rules: which files a grant admits, how many images a realty holds, metadata."""

from __future__ import annotations

import re

from realtymedia.domain import codes
from realtymedia.domain.errors import Path, Violation

GRANT_CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp")
# A realty never holds more; one request saves or updates at most as many.
MAX_IMAGES = 200
DESCRIPTION_MAX = 2000
# A description is a one-line caption: no control characters, line breaks included (they would
# only ever be trouble in headers, logs and terminals; PostgreSQL refuses NUL in text outright).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def check_capacity(existing: int, adding: int, field: Path) -> list[Violation]:
    """A realty may grow to MAX_IMAGES and no further; a request that would pass it is refused whole."""
    if existing + adding > MAX_IMAGES:
        return [
            Violation(
                field,
                adding,
                codes.NUMBER_OF_ITEMS_EXCEEDED,
                f"a realty holds at most {MAX_IMAGES} images: it has {existing}, "
                f"{adding} more would make {existing + adding}",
            )
        ]
    return []


def check_description(description: str | None, field: Path) -> list[Violation]:
    if description is None:
        return []
    if len(description) > DESCRIPTION_MAX:
        return [
            Violation(
                field,
                description,
                codes.LENGTH_EXCEEDED_OR_TOO_SMALL,
                f"description must be at most {DESCRIPTION_MAX} characters",
            )
        ]
    if _CONTROL.search(description):
        return [Violation(field, description, codes.INVALID_CHARACTERS, "description contains control characters")]
    return []


def check_name(name: str, field: Path = ("name",)) -> list[Violation]:
    if len(name) > 200:
        return [Violation(field, name, codes.LENGTH_EXCEEDED_OR_TOO_SMALL, "name must be at most 200 characters")]
    if _CONTROL.search(name):
        return [Violation(field, name, codes.INVALID_CHARACTERS, "name contains control characters")]
    return []
