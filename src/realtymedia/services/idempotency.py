"""Request-ID as an idempotency key: the first answer is kept for a day and replayed to repeats.

An answer is a status and the body's bytes, as the dialect rendered them; refusals (domain errors)
are answers like any other, rendered by the dialect's `refusal`, except a `Transient` one ("not
now": throttled or overloaded), which is raised to the dialect and not kept, so a retry runs
again. Two ways, by what the work touches:

- `once`: work outside the database too (object copies, byte checks). The Request-ID is claimed
  before the work starts, in a unit of work of its own, so the primary key (user, Request-ID) lets
  only one of two racing duplicates execute; the other is told that the request is in progress
  (Conflict) and gets the kept answer once it is done. A failure drops the claim, so a retry
  executes again. While it works, the worker holds a lock named after the Request-ID that dies with
  its process (persistence.locks): a claim "in progress" whose lock is free was left by a worker
  that crashed, and a retry takes it over at once.
- `once_in`: work that only writes to the database. The record is written in the work's own unit
  of work: one transaction per request instead of three. A racing duplicate waits on the record's
  key (PostgreSQL) or the write lock (SQLite) and then replays the answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from realtymedia.domain.errors import Conflict, DomainError, Transient
from realtymedia.persistence.idempotency import RequestRecord
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services.core import Core, now, on_event_loop

IN_PROGRESS = 0


@dataclass(frozen=True)
class RequestKey:
    """Whose request, its Request-ID, and what makes two requests the same one (`fingerprint`)."""

    user_id: int
    request_id: str
    fingerprint: str


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    replayed: bool = False


Refusal = Callable[[DomainError], Answer]


def fingerprint(method: str, path: str, query: str, payload: Any) -> str:
    """What makes two requests the same one: method, path (with query) and the parsed body."""
    canonical = json.dumps([method.upper(), path, query, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _current(found: RequestRecord, moment: datetime, ttl: timedelta) -> bool:
    """Whether a record still answers its Request-ID (not expired)."""
    return found.created_at >= moment - ttl


def _in_progress(key: RequestKey) -> Conflict:
    return Conflict(f"The request with Request-ID {key.request_id} is in progress.", "request_in_progress")


def _replay(record: RequestRecord, key: RequestKey) -> Answer:
    if record.fingerprint != key.fingerprint:
        raise Conflict(f"Request-ID {key.request_id} was already used for a different request.", "request_id_reused")
    if record.status == IN_PROGRESS:
        raise _in_progress(key)
    return Answer(record.status, record.body, replayed=True)


def _lock_name(key: RequestKey) -> str:
    return f"request-id:{key.user_id}:{key.request_id}"


def _values(key: RequestKey, answer: Answer, moment: datetime) -> dict[str, Any]:
    return {
        "user_id": key.user_id,
        "request_id": key.request_id,
        "fingerprint": key.fingerprint,
        "status": answer.status,
        "body": answer.body,
        "created_at": moment,
    }


def _claim(core: Core, key: RequestKey) -> RequestRecord | None:
    """Claim the Request-ID for this request; or return the record of an earlier one.

    Call holding the Request-ID's lock: a claim still in progress is then one whose worker died."""
    moment = now()
    ttl = timedelta(seconds=core.settings.idempotency_ttl_seconds)
    claim = _values(key, Answer(IN_PROGRESS, b""), moment)
    for _ in range(3):
        try:
            with core.unit_of_work() as uow:
                found = uow.requests.get(key.user_id, key.request_id)
                if found is not None:
                    if _current(found, moment, ttl) and found.status != IN_PROGRESS:
                        return found
                    # expired, or left in progress by a worker that died: this request takes it over;
                    # only the record found (at READ COMMITTED a claim made since is not ours to drop)
                    uow.requests.drop(key.user_id, key.request_id, found.created_at)
                if uow.requests.add(claim):
                    uow.commit()
                    return None
        except IntegrityError:
            pass
        # a racing duplicate claimed it first: read its record on the next round
    raise RuntimeError("could not claim the Request-ID")


def once(core: Core, key: RequestKey, work: Callable[[], Answer], refusal: Refusal) -> Answer:
    """Do `work` once per (user, Request-ID); repeats get the kept answer."""
    with core.db.locks.holding(_lock_name(key)) as working:
        if not working:  # another request with this Request-ID is at work, in a worker alive
            earlier = _record(core, key)
            ttl = timedelta(seconds=core.settings.idempotency_ttl_seconds)
            if earlier is None or not _current(earlier, now(), ttl):
                # an expired record is an earlier use's, which the one at work is replacing
                raise _in_progress(key)
            return _replay(earlier, key)
        earlier = _claim(core, key)
        if earlier is not None:
            return _replay(earlier, key)
        try:
            answer = work()
        except Transient:  # "not now": a retry of the Request-ID runs again
            _drop(core, key)
            raise
        except DomainError as error:
            answer = refusal(error)
        except BaseException:
            _drop(core, key)
            raise
        with core.unit_of_work() as uow:
            uow.requests.finish(key.user_id, key.request_id, answer.status, answer.body)
            uow.commit()
        return answer


def _drop(core: Core, key: RequestKey) -> None:
    with core.unit_of_work() as uow:
        uow.requests.drop(key.user_id, key.request_id)
        uow.commit()


def _record(core: Core, key: RequestKey) -> RequestRecord | None:
    with core.unit_of_work(write=False) as uow:
        return uow.requests.get(key.user_id, key.request_id)


@on_event_loop(writes=True)
def once_in(core: Core, key: RequestKey, step: Callable[[UnitOfWork], Answer], refusal: Refusal) -> Answer:
    """Do `step` (database writes only, in the unit of work it is given) once per (user, Request-ID).

    The step runs first and its record is inserted last, in the same transaction, by a statement
    that does nothing when the Request-ID has a record already (a repeat, or a racing duplicate
    that committed first): then the step is rolled back and the record answers. A new request
    costs no lookup. A refusal (DomainError) is kept as the answer like any other.
    """
    ttl = timedelta(seconds=core.settings.idempotency_ttl_seconds)
    for _ in range(3):
        moment = now()
        try:
            with core.unit_of_work() as uow:
                try:
                    answer = step(uow)
                except DomainError as error:
                    uow.close()  # the step's changes go; the refusal is kept below
                    if isinstance(error, Transient):  # "not now": nothing is kept
                        raise
                    answer = refusal(error)
                    if _keep(core, _values(key, answer, moment)):
                        return answer
                else:
                    if uow.requests.add(_values(key, answer, moment)):
                        uow.commit()
                        return answer
        except IntegrityError:
            pass
        earlier = _earlier(core, key, moment, ttl)
        if earlier is not None:
            return _replay(earlier, key)
    raise RuntimeError("could not record the Request-ID")


def _keep(core: Core, values: dict[str, Any]) -> bool:
    """Record an answer in a unit of work of its own; False when the Request-ID has a record."""
    try:
        with core.unit_of_work() as uow:
            kept = uow.requests.add(values)
            uow.commit()
            return kept
    except IntegrityError:
        return False


def _earlier(core: Core, key: RequestKey, moment: datetime, ttl: timedelta) -> RequestRecord | None:
    """The record that answers the Request-ID; None after removing one that no longer does."""
    with core.unit_of_work() as uow:
        found = uow.requests.get(key.user_id, key.request_id)
        if found is None:
            return None
        if _current(found, moment, ttl):
            return found
        uow.requests.drop(key.user_id, key.request_id, found.created_at)
        uow.commit()
        return None
