"""Errors of the domain. They carry no HTTP status: each front door maps them in one place.

DomainError
├── NotAuthenticated  no valid credentials: the caller is not known
├── NotFound          a resource that does not exist, or that the caller may not know of
├── AccessDenied      the caller is known but may not act on the resource
├── Invalid           input that breaks a rule; carries one Violation per broken rule
├── Conflict          the request is valid but the resource's state refuses it
├── Throttled         too many attempts of this kind lately (failed logins): try again later
└── Overloaded        the service refuses work of this kind for the moment (a full pool)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class DomainError(Exception):
    pass


class NotAuthenticated(DomainError):
    pass


class NotFound(DomainError):
    def __init__(self, resource: str, id: object) -> None:
        super().__init__(f"Resource [{resource}] with id [{id}] was not found.")
        self.resource = resource
        self.id = str(id)


class AccessDenied(DomainError):
    def __init__(self, message: str = "Access denied.") -> None:
        super().__init__(message)


# Where a broken rule is, in the domain's own names: field names (snake case) and item indexes,
# such as ("uploads", 3, "key"). Each front door words it in its own names.
Path = tuple[str | int, ...]
# The token by which a message names its field: the front door puts its word for the path there.
FIELD = "{field}"


def neutral(path: Path) -> str:
    """The path as the domain writes it: `uploads[3].key`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (`path`), the value given (None when missing) and a rule code.

    `message` is the human sentence (it may name its field as FIELD); `code` is stable and
    machine-readable.
    """

    path: Path | str  # a one-part path may be written as its name
    value: object
    code: str
    message: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.path, str):
            object.__setattr__(self, "path", (self.path,))

    @property
    def parts(self) -> Path:
        return self.path if isinstance(self.path, tuple) else (self.path,)

    def sentence(self, word: Callable[[Path], str] = neutral) -> str:
        """The message, its field named by `word` (a front door's wording of paths)."""
        return self.message.replace(FIELD, word(self.parts)) if FIELD in self.message else self.message


class Invalid(DomainError):
    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(v.sentence() or f"{neutral(v.parts)}: {v.code}" for v in violations))
        self.violations = violations


def invalid(path: Path | str, value: object, code: str, message: str = "") -> Invalid:
    return Invalid([Violation(path, value, code, message)])


class Conflict(DomainError):
    def __init__(self, message: str, code: str = "conflict") -> None:
        super().__init__(message)
        self.code = code


class Transient(DomainError):
    """A refusal that says "not now", not "no": the same request may succeed after `retry_after`
    seconds. It changes nothing and is never kept as a request's answer (a Request-ID retried
    later runs again)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Throttled(Transient):
    """Refused for this caller (too many attempts): answered 429 with Retry-After."""


class Overloaded(Transient):
    """Refused for everyone at the moment (a bounded resource is full): answered 503 with Retry-After."""
