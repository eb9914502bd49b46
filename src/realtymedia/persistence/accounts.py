"""Users and their credentials: passwords, bearer tokens, OAuth 1.0a consumers, tokens and nonces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, delete, select, text, update

from realtymedia.persistence.models import BearerToken, OAuthConsumer, OAuthNonce, OAuthToken, User
from realtymedia.persistence.statements import InsertIfAbsent

if TYPE_CHECKING:
    from realtymedia.persistence.unit_of_work import UnitOfWork

_users = cast(Table, User.__table__)
_bearer = cast(Table, BearerToken.__table__)
_consumers = cast(Table, OAuthConsumer.__table__)
_tokens = cast(Table, OAuthToken.__table__)
_nonces = cast(Table, OAuthNonce.__table__)

# Asked on every request with a token this worker does not remember: built once.
_PRINCIPAL_BY_BEARER = (
    select(_users.c.id, _users.c.username)
    .join(_bearer, _bearer.c.user_id == _users.c.id)
    .where(_bearer.c.token_hash == bindparam("token_hash"))
)
_PING = text("SELECT 1")
_USER_BY_NAME = select(_users.c.id, _users.c.username, _users.c.password_hash).where(
    _users.c.username == bindparam("username")
)


@dataclass(frozen=True)
class UserRecord:
    id: int
    username: str
    password_hash: str


class Accounts:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def ping(self) -> None:
        """One round trip to the database."""
        self._uow.execute(_PING)

    def user_by_name(self, username: str) -> UserRecord | None:
        row = self._uow.execute(_USER_BY_NAME, {"username": username}).first()
        return UserRecord(*row) if row else None

    def principal_by_bearer_hash(self, token_hash: str) -> tuple[int, str] | None:
        """(user id, username) of a bearer token, in one indexed lookup."""
        row = self._uow.execute(_PRINCIPAL_BY_BEARER, {"token_hash": token_hash}).first()
        return (row[0], row[1]) if row else None

    def add_user(self, username: str, password_hash: str, moment: datetime) -> int:
        """A new user's id; IntegrityError when the name is taken."""
        user = User(username=username, password_hash=password_hash, created_at=moment)
        session = self._uow.session
        session.add(user)
        session.flush()
        return user.id

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._uow.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))

    def add_bearer_token(self, token_hash: str, user_id: int, moment: datetime) -> None:
        self._uow.session.add(BearerToken(token_hash=token_hash, user_id=user_id, created_at=moment))

    def delete_bearer(self, token_hash: str) -> bool:
        """Remove a bearer token; whether there was one."""
        removed = self._uow.execute(delete(_bearer).where(_bearer.c.token_hash == token_hash))
        return bool(removed.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ConsumerCredentials:
    key: str
    secret: str
    user_id: int
    username: str | None  # of the consumer's owner: who a 2-legged request acts for
    name: str


@dataclass(frozen=True)
class TokenCredentials:
    token: str
    secret: str
    kind: str
    consumer_key: str
    user_id: int | None
    username: str | None  # of the user who authorised the token
    callback: str | None
    verifier: str | None
    created_at: datetime


# Every signed request asks these: plain Core statements, built once (SQLAlchemy then reuses their
# compiled form without rebuilding or re-keying them), returning rows rather than ORM objects.
_consumer_user = _users.alias("consumer_user")
_token_user = _users.alias("token_user")
_CONSUMER_COLUMNS = (
    _consumers.c.key,
    _consumers.c.secret,
    _consumers.c.user_id,
    _consumer_user.c.username,
    _consumers.c.name,
)
_TOKEN_COLUMNS = (
    _tokens.c.token,
    _tokens.c.secret,
    _tokens.c.kind,
    _tokens.c.consumer_key,
    _tokens.c.user_id,
    _token_user.c.username,
    _tokens.c.callback,
    _tokens.c.verifier,
    _tokens.c.created_at,
)
_CONSUMER = (
    select(*_CONSUMER_COLUMNS)
    .select_from(_consumers.outerjoin(_consumer_user, _consumer_user.c.id == _consumers.c.user_id))
    .where(_consumers.c.key == bindparam("consumer_key"))
)
_TOKEN = (
    select(*_TOKEN_COLUMNS)
    .select_from(_tokens.outerjoin(_token_user, _token_user.c.id == _tokens.c.user_id))
    .where(_tokens.c.token == bindparam("token"))
)
_CONSUMER_AND_TOKEN = (
    select(*_CONSUMER_COLUMNS, *_TOKEN_COLUMNS)
    .select_from(
        _consumers.outerjoin(_consumer_user, _consumer_user.c.id == _consumers.c.user_id)
        .outerjoin(_tokens, _tokens.c.token == bindparam("token"))
        .outerjoin(_token_user, _token_user.c.id == _tokens.c.user_id)
    )
    .where(_consumers.c.key == bindparam("consumer_key"))
)
_REMEMBER_NONCE = InsertIfAbsent(_nonces)


class OAuthRecords:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def credentials(
        self, consumer_key: str, token: str | None
    ) -> tuple[ConsumerCredentials | None, TokenCredentials | None]:
        """The consumer and (if named) the token of a signed request, with their users' names: one query.

        No consumer, no token either (a token belongs to its consumer: the request is refused anyway).
        """
        if not token:
            row = self._uow.execute(_CONSUMER, {"consumer_key": consumer_key}).first()
            return (ConsumerCredentials(*row) if row else None), None
        both = self._uow.execute(_CONSUMER_AND_TOKEN, {"consumer_key": consumer_key, "token": token}).first()
        if both is None:
            return None, None
        values: tuple[Any, ...] = tuple(both)
        consumer_part, token_part = values[: len(_CONSUMER_COLUMNS)], values[len(_CONSUMER_COLUMNS) :]
        found = TokenCredentials(*token_part) if token_part[0] is not None else None
        return ConsumerCredentials(*consumer_part), found

    def token(self, token: str) -> TokenCredentials | None:
        row = self._uow.execute(_TOKEN, {"token": token}).first()
        return TokenCredentials(*row) if row else None

    def add_consumer(self, key: str, secret: str, user_id: int, name: str, moment: datetime) -> None:
        session = self._uow.session
        session.add(OAuthConsumer(key=key, secret=secret, user_id=user_id, name=name, created_at=moment))
        session.flush()

    def add_token(
        self,
        token: str,
        secret: str,
        kind: str,
        consumer_key: str,
        moment: datetime,
        *,
        user_id: int | None = None,
        callback: str | None = None,
    ) -> None:
        self._uow.session.add(
            OAuthToken(
                token=token,
                secret=secret,
                kind=kind,
                consumer_key=consumer_key,
                user_id=user_id,
                callback=callback,
                created_at=moment,
            )
        )

    def authorise_request_token(self, token: str, verifier: str, user_id: int) -> bool:
        """Set the verifier and the authorising user of a request token; False when there is none."""
        result = self._uow.execute(
            update(OAuthToken)
            .where(OAuthToken.token == token, OAuthToken.kind == "request")
            .values(verifier=verifier, user_id=user_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def spend_request_token(self, token: str) -> bool:
        """Delete a request token; False when another transaction already did."""
        result = self._uow.execute(delete(OAuthToken).where(OAuthToken.token == token, OAuthToken.kind == "request"))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def remember_nonce(self, consumer_key: str, nonce: str, timestamp: int, token: str, moment: datetime) -> bool:
        """Record a nonce; False when it was seen before (a replay).

        One statement, atomic in the database: of two requests with the same nonce, at the same
        moment or on different workers, exactly one inserts the row; the other's insert does nothing.
        """
        row = {
            "consumer_key": consumer_key,
            "nonce": nonce,
            "timestamp": timestamp,
            "token": token,
            "created_at": moment,
        }
        return _REMEMBER_NONCE(self._uow.connection, row)

    def forget_nonces_before(self, moment: datetime) -> None:
        self._uow.execute(delete(OAuthNonce).where(OAuthNonce.created_at < moment))
