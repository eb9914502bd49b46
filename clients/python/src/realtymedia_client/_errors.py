"""Errors the SDK raises. Every one of them is a ``RealtyMediaError``:

RealtyMediaError
├── TransportError            the service or the storage could not be reached, or did not answer in time
├── StorageError              the object storage refused the direct POST of a file (S3's code and message)
├── UploadFailed              a bulk upload finished with some files not saved (``saved`` and ``failures``)
│   └── UploadInterrupted     the caller stopped a bulk upload (``interrupted``: the files not saved)
└── APIError                  the service answered with an error; carries its codes and messages
    ├── AuthenticationError   401: missing or wrong credentials
    ├── PermissionDenied      403: known caller, not allowed
    ├── NotFound              404: no such realty, project, image, attachment or upload
    ├── Conflict              409: the resource's state refuses the change (e.g. deleting a published image)
    ├── ValidationError       400, 412, 415, 422: input that breaks a rule; ``details`` says which
    ├── RateLimited           429
    └── ServerError           5xx

``APIError.code`` is the dialect's own top-level code (Realty Image ``errorCode``, IS24 ``messageCode``),
``APIError.message`` its human sentence, and ``APIError.details`` one ``ErrorDetail`` per reported problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ErrorDetail:
    """One problem the service reported: where (``target``, when the dialect names it), its code and sentence."""

    code: str
    message: str
    target: str | None = None


class RealtyMediaError(Exception):
    """Base of every error the SDK raises."""


class TransportError(RealtyMediaError):
    """No answer: connection refused or reset, DNS, timeout. Safe calls were retried before this is raised."""


class StorageError(RealtyMediaError):
    """The object storage answered the direct upload with an error (S3's XML ``Code`` and ``Message``)."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(f"storage refused the upload: {status_code} {code}: {message}")
        self.status_code = status_code
        self.code = code
        self.message = message


class APIError(RealtyMediaError):
    """The service answered with an error status."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        details: Sequence[ErrorDetail] = (),
        request_id: str | None = None,
    ) -> None:
        # The details often say more than the headline (which upload, which rule): keep them in the text.
        said = [d.message for d in details if d.message and d.message != message]
        text = f"{status_code} {code}: {message}" + (f" ({'; '.join(said)})" if said else "")
        super().__init__(text)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = list(details)
        self.request_id = request_id


class AuthenticationError(APIError):
    pass


class PermissionDenied(APIError):
    pass


class NotFound(APIError):
    pass


class Conflict(APIError):
    pass


class ValidationError(APIError):
    pass


class RateLimited(APIError):
    pass


class ServerError(APIError):
    pass


_BY_STATUS: Mapping[int, type[APIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    412: ValidationError,
    415: ValidationError,
    422: ValidationError,
    429: RateLimited,
}


def api_error(
    status_code: int, code: str, message: str, details: Sequence[ErrorDetail] = (), request_id: str | None = None
) -> APIError:
    """The most specific APIError for a status."""
    cls = _BY_STATUS.get(status_code, ServerError if status_code >= 500 else APIError)
    return cls(status_code, code, message, details, request_id)


class UploadFailed(RealtyMediaError):
    """Some files of a bulk upload were not saved. The others were, in their given order."""

    def __init__(self, saved: Sequence[object], failures: Mapping[Path, Exception]) -> None:
        names = ", ".join(f"{path.name}: {error}" for path, error in failures.items())
        super().__init__(f"{len(failures)} of {len(saved) + len(failures)} files failed: {names}")
        self.saved = list(saved)
        self.failures = dict(failures)


class UploadInterrupted(UploadFailed):
    """A bulk upload was stopped (its ``stop`` event was set) before every file was saved. ``saved``
    holds the images saved, in order; ``interrupted`` the files that were not (each was reported
    with an ``interrupted`` event, after a ``sent`` one if its bytes had reached storage)."""

    def __init__(
        self, saved: Sequence[object], failures: Mapping[Path, Exception], interrupted: Sequence[Path]
    ) -> None:
        RealtyMediaError.__init__(self, f"interrupted: {len(saved)} saved, {len(interrupted)} not saved")
        self.saved = list(saved)
        self.failures = dict(failures)
        self.interrupted = list(interrupted)
