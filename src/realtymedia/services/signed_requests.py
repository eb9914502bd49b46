"""A request of the IS24 dialect: who sends it (OAuth 1.0a, or the web page's session), and its work.

The rule: a request's nonce is spent whatever the answer, so that a replay, even one sent while
the original still runs, is refused. Database work runs in the unit of work that records the
nonce (one transaction for both), a change in a savepoint after it: refused, or failed in the
database, only the change is undone and the nonce commits. When the transaction itself fails (a
database error outside the savepoint), the nonce is recorded on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from realtymedia.auth import callers, signatures
from realtymedia.domain.errors import NotAuthenticated
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services.core import Core, on_event_loop
from realtymedia.services.results import Principal

T = TypeVar("T")
# The work of a request, in its unit of work, for the authenticated caller.
Step = Callable[[UnitOfWork, Principal], T]


@dataclass(frozen=True)
class SignedRequest:
    """What authentication reads of a request: the URL as signed, method, headers, the session cookie."""

    uri: str
    method: str
    headers: Mapping[str, str]
    session_cookie: str | None = None

    @property
    def changes(self) -> bool:
        return self.method != "GET"


def _authenticate(core: Core, uow: UnitOfWork, request: SignedRequest) -> Principal:
    principal = callers.is24(core, uow, request.uri, request.method, request.headers, request.session_cookie)
    if principal is None:
        raise NotAuthenticated("no valid OAuth 1.0a signature or web session")
    return principal


class _ChangeFailed(Exception):
    """A database error inside the change's savepoint, which was rolled back."""

    def __init__(self, error: SQLAlchemyError) -> None:
        super().__init__(str(error))
        self.error = error


def _change(uow: UnitOfWork, step: Step[T], principal: Principal) -> T:
    try:
        with uow.savepoint():
            return step(uow, principal)
    except SQLAlchemyError as error:
        raise _ChangeFailed(error) from error


@on_event_loop(writes=True)
def perform(core: Core, request: SignedRequest, step: Step[T]) -> T:
    """Authenticate the request and run `step` (database work and CPU only), in one transaction."""
    refused: Exception | None = None
    try:
        with core.unit_of_work() as uow:
            try:
                principal = _authenticate(core, uow, request)
                # A read has nothing to undo: its nonce commits whatever the answer.
                done = _change(uow, step, principal) if request.changes else step(uow, principal)
            except SQLAlchemyError:
                raise  # the transaction itself failed: roll it back, and spend the nonce below
            except Exception as error:  # a refusal: the answer; the nonce still commits
                refused = error
            uow.commit()
    except Exception:
        signatures.spend_nonce(core, request.headers)
        raise
    if isinstance(refused, _ChangeFailed):
        raise refused.error
    if refused is not None:
        raise refused
    return done


@on_event_loop(writes=True)
def authenticate(core: Core, request: SignedRequest) -> Principal:
    """The caller, its nonce spent in a unit of work of its own: for requests whose work touches
    the storage (a use case with units of work of its own, in a worker thread)."""
    with core.unit_of_work() as uow:
        try:
            principal = _authenticate(core, uow, request)
        except NotAuthenticated:
            uow.commit()  # the nonce of a refused request is spent too
            raise
        uow.commit()
    return principal
