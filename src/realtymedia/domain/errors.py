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


@dataclass(frozen=True)
class Violation:
    """One broken rule: which field, the value given (None when missing) and a rule code.

    `message` is the human sentence; `code` is stable and machine-readable.
    """

    field: str
    value: object
    code: str
    message: str = ""


class Invalid(DomainError):
    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(v.message or f"{v.field}: {v.code}" for v in violations))
        self.violations = violations


def invalid(field: str, value: object, code: str, message: str = "") -> Invalid:
    return Invalid([Violation(field, value, code, message)])


class Conflict(DomainError):
    def __init__(self, message: str, code: str = "conflict") -> None:
        super().__init__(message)
        self.code = code


class Throttled(DomainError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Overloaded(DomainError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
