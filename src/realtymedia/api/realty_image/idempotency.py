"""Request-ID as an idempotency key: the first answer is kept for a day and replayed to repeats.

Two ways, by what the action touches:

- `run`: actions with work outside the database (object copies, byte checks). The record is claimed
  before the work starts, in a transaction of its own, so the primary key (user, Request-ID) lets
  only one of two racing duplicates execute; the other is told that the request is in progress
  (409) and gets the kept answer once it is done. A crash drops the claim, so a retry executes again.
- `run_atomic`: actions that only write to the database. The record is written in the action's own
  transaction: one write transaction per request instead of three. A racing duplicate waits on
  the record's key (PostgreSQL) or the write lock (SQLite) and then replays the answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from realtymedia.api.realty_image import errors
from realtymedia.domain.errors import DomainError
from realtymedia.persistence import realty_images as queries
from realtymedia.persistence.models import IdempotentResponse
from realtymedia.services.core import Core, now

IN_PROGRESS = 0
# A claim this old with no answer belongs to a process that died mid-request.
ABANDONED_AFTER = timedelta(minutes=15)
REPLAYED_HEADER = "Idempotent-Replayed"


def fingerprint(method: str, path: str, query: str, payload: Any) -> str:
    """What makes two requests the same one: method, path (with query) and the parsed body."""
    canonical = json.dumps([method.upper(), path, query, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim(core: Core, user_id: int, request_id: str, print_: str) -> IdempotentResponse | None:
    """Claim the Request-ID for this request; or return the record of an earlier one."""
    moment = now()
    ttl = timedelta(seconds=core.settings.idempotency_ttl_seconds)
    for _ in range(3):
        try:
            with core.db.write() as session:
                found = queries.idempotent(session, user_id, request_id)
                if found is not None:
                    if _current(found, moment, ttl):
                        session.expunge(found)
                        return found
                    queries.drop_idempotent(session, user_id, request_id)
                    session.flush()
                queries.add_idempotent(
                    session,
                    IdempotentResponse(
                        user_id=user_id,
                        request_id=request_id,
                        fingerprint=print_,
                        status=IN_PROGRESS,
                        body="",
                        created_at=moment,
                    ),
                )
            return None
        except IntegrityError:
            continue  # a racing duplicate claimed it first: read its record on the next round
    raise RuntimeError("could not claim the Request-ID")


def _current(found: IdempotentResponse, moment: Any, ttl: timedelta) -> bool:
    """Whether a record still answers its Request-ID (not expired, not abandoned mid-request)."""
    expired = found.created_at < moment - ttl
    abandoned = found.status == IN_PROGRESS and found.created_at < moment - ABANDONED_AFTER
    return not (expired or abandoned)


def _answer_of(record: IdempotentResponse, print_: str, request_id: str) -> JSONResponse:
    if record.fingerprint != print_:
        return errors.respond(
            409, errors.STATUS_CONFLICT, f"Request-ID {request_id} was already used for a different request."
        )
    if record.status == IN_PROGRESS:
        return errors.respond(409, errors.STATUS_CONFLICT, f"The request with Request-ID {request_id} is in progress.")
    response = JSONResponse(json.loads(record.body), status_code=record.status)
    response.headers[REPLAYED_HEADER] = "true"
    return response


def run(
    core: Core,
    user_id: int,
    request_id: str,
    print_: str,
    action: Callable[[], tuple[int, Any]],
) -> JSONResponse:
    """Execute `action` once per (user, Request-ID); repeats get the kept answer."""
    earlier = _claim(core, user_id, request_id, print_)
    if earlier is not None:
        return _answer_of(earlier, print_, request_id)
    try:
        status, content = action()
        response = JSONResponse(content, status_code=status)
    except DomainError as error:
        response = errors.from_domain(error)
    except BaseException:
        with core.db.write() as session:
            queries.drop_idempotent(session, user_id, request_id)
        raise
    with core.db.write() as session:
        queries.finish_idempotent(session, user_id, request_id, response.status_code, bytes(response.body).decode())
    return response


class _Repeat(Exception):
    """The Request-ID has a record already: roll this execution back and answer from the record."""


def run_atomic(
    core: Core,
    user_id: int,
    request_id: str,
    print_: str,
    action: Callable[[Session], tuple[int, Any]],
) -> JSONResponse:
    """Execute `action` (database writes only, in the session it is given) once per (user, Request-ID).

    The action runs first and its record is inserted last, in the same transaction, by a statement
    that does nothing when the Request-ID has a record already (a repeat, or a racing duplicate
    that committed first): then the action is rolled back and the record answers. A new request
    costs no lookup. A refusal (DomainError) is kept as the answer like any other.
    """
    ttl = timedelta(seconds=core.settings.idempotency_ttl_seconds)
    for _ in range(3):
        moment = now()
        try:
            with core.db.write() as session:
                status, content = action(session)
                response = JSONResponse(content, status_code=status)
                if not queries.record_idempotent(session, _values(user_id, request_id, print_, response, moment)):
                    raise _Repeat
            return response
        except DomainError as error:  # the action's transaction is rolled back; keep the refusal
            refusal = errors.from_domain(error)
            if _keep(core, _values(user_id, request_id, print_, refusal, moment)):
                return refusal
        except (_Repeat, IntegrityError):
            pass
        earlier = _earlier(core, user_id, request_id, moment, ttl)
        if earlier is not None:
            return _answer_of(earlier, print_, request_id)
    raise RuntimeError("could not record the Request-ID")


def _keep(core: Core, values: dict[str, Any]) -> bool:
    """Record an answer in a transaction of its own; False when the Request-ID has a record."""
    try:
        with core.db.write() as session:
            return queries.record_idempotent(session, values)
    except IntegrityError:
        return False


def _earlier(core: Core, user_id: int, request_id: str, moment: Any, ttl: timedelta) -> IdempotentResponse | None:
    """The record that answers the Request-ID; None after removing one that no longer does."""
    with core.db.write() as session:
        found = queries.idempotent(session, user_id, request_id)
        if found is None:
            return None
        if _current(found, moment, ttl):
            session.expunge(found)
            return found
        queries.drop_idempotent(session, user_id, request_id, found.created_at)
        return None


def _values(user_id: int, request_id: str, print_: str, response: JSONResponse, moment: Any) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "request_id": request_id,
        "fingerprint": print_,
        "status": response.status_code,
        "body": bytes(response.body).decode(),
        "created_at": moment,
    }
