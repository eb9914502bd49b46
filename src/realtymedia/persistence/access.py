"""Sessions of the web page and login attempts (what login throttling counts).

Each repository works over anything that runs a statement in a transaction: an ORM Session, or a
unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Executable, Table, bindparam, delete, exists, insert, select, update

from realtymedia.persistence.models import LoginAttempt, User, WebSession


class Transaction(Protocol):
    def execute(self, statement: Executable, parameters: Any = None) -> Any: ...


_users = cast(Table, User.__table__)
_sessions = cast(Table, WebSession.__table__)
_attempts = cast(Table, LoginAttempt.__table__)

# Asked on every request the page makes: built once.
_SESSION = (
    select(_users.c.id, _users.c.username, _sessions.c.csrf_token)
    .join(_sessions, _sessions.c.user_id == _users.c.id)
    .where(_sessions.c.token_hash == bindparam("token_hash"), _sessions.c.expires_at > bindparam("moment"))
)


class WebSessions:
    def __init__(self, uow: Transaction) -> None:
        self._uow = uow

    def add(self, token_hash: str, user_id: int, csrf_token: str, moment: datetime, expires_at: datetime) -> None:
        self._uow.execute(
            insert(_sessions),
            {
                "token_hash": token_hash,
                "user_id": user_id,
                "csrf_token": csrf_token,
                "created_at": moment,
                "expires_at": expires_at,
            },
        )

    def find(self, token_hash: str, moment: datetime) -> tuple[int, str, str] | None:
        """(user id, username, CSRF token) of a session that has not ended."""
        row = self._uow.execute(_SESSION, {"token_hash": token_hash, "moment": moment}).first()
        return (row[0], row[1], row[2]) if row else None

    def end(self, token_hash: str) -> None:
        self._uow.execute(delete(_sessions).where(_sessions.c.token_hash == token_hash))

    def end_all_of(self, user_id: int) -> int:
        return self._uow.execute(delete(_sessions).where(_sessions.c.user_id == user_id)).rowcount  # type: ignore[no-any-return]

    def forget_expired(self, moment: datetime) -> None:
        self._uow.execute(delete(_sessions).where(_sessions.c.expires_at <= moment))


class LoginAttempts:
    def __init__(self, uow: Transaction) -> None:
        self._uow = uow

    def add(self, username: str, address: str, moment: datetime) -> int:
        """A new attempt, failed until `succeeded` is called: its id."""
        row = {"username": username, "address": address, "attempted_at": moment, "succeeded": False}
        result = self._uow.execute(insert(_attempts).returning(_attempts.c.id), row)
        return int(result.scalar_one())

    def succeeded(self, attempt_id: int) -> None:
        self._uow.execute(update(_attempts).where(_attempts.c.id == attempt_id).values(succeeded=True))

    def nth_failure_since(
        self, since: datetime, n: int, *, username: str | None = None, address: str | None = None
    ) -> datetime | None:
        """When the `n`th most recent failure since `since` happened (of the user, of the address,
        or of both together): None when there were fewer."""
        query = select(_attempts.c.attempted_at).where(
            _attempts.c.attempted_at > since, _attempts.c.succeeded.is_(False)
        )
        if username is not None:
            query = query.where(_attempts.c.username == username)
        if address is not None:
            query = query.where(_attempts.c.address == address)
        query = query.order_by(_attempts.c.attempted_at.desc()).limit(1).offset(n - 1)
        found: datetime | None = self._uow.execute(query).scalar()
        return found

    def succeeded_since(self, username: str, address: str, since: datetime) -> bool:
        """Whether the user logged in from this address since then."""
        query = select(
            exists().where(
                _attempts.c.username == username,
                _attempts.c.address == address,
                _attempts.c.succeeded.is_(True),
                _attempts.c.attempted_at > since,
            )
        )
        return bool(self._uow.execute(query).scalar())

    def forget(self, failures_before: datetime, successes_before: datetime) -> None:
        self._uow.execute(
            delete(_attempts).where(
                (_attempts.c.attempted_at < successes_before)
                | (_attempts.c.succeeded.is_(False) & (_attempts.c.attempted_at < failures_before))
            )
        )
