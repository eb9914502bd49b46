"""Users, their passwords, OAuth 1.0a consumers and tokens, and bearer tokens (made here; checked
by realtymedia.auth)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from realtymedia.domain import codes
from realtymedia.domain.errors import Conflict, NotFound, invalid
from realtymedia.services.core import Core, now
from realtymedia.services.results import NewUser, OAuthCredentials, Principal

_hasher = PasswordHasher()
# Verifying against this keeps the time of a failed login the same whether the user exists or not.
_DUMMY_HASH = _hasher.hash("not a password")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(core: Core, username: str, password: str | None = None) -> NewUser:
    if not username or len(username) > 100 or any(c in username for c in "/\\?#") or username == "me":
        raise invalid(
            "username", username, codes.INVALID_VALUE, "username must be 1-100 characters, no / \\ ? #, not 'me'"
        )
    # Hex, not urlsafe base64: a credential must never start with "-", or a command line that passes
    # it as `--consumer-secret VALUE` reads it as an option.
    password = password or secrets.token_hex(9)
    consumer_key = f"{username}-{secrets.token_hex(6)}"
    consumer_secret = secrets.token_hex(20)
    access_token = secrets.token_hex(20)
    access_secret = secrets.token_hex(20)
    bearer = "rm_" + secrets.token_urlsafe(32)
    moment = now()
    password_hash = _hasher.hash(password)
    try:
        with core.unit_of_work() as uow:
            user_id = uow.accounts.add_user(username, password_hash, moment)
            uow.oauth.add_consumer(consumer_key, consumer_secret, user_id, f"{username}'s consumer", moment)
            uow.oauth.add_token(access_token, access_secret, "access", consumer_key, moment, user_id=user_id)
            uow.accounts.add_bearer_token(hash_token(bearer), user_id, moment)
            uow.commit()
    except IntegrityError:
        raise Conflict(f"user {username} already exists", "user_exists") from None
    oauth = OAuthCredentials(consumer_key, consumer_secret, access_token, access_secret)
    return NewUser(user_id, username, password, oauth, bearer)


def authenticate_password(core: Core, username: str, password: str) -> Principal | None:
    """The user, if the password is theirs (deliberately slow: argon2, in a worker thread)."""
    with core.unit_of_work(write=False) as uow:
        user = uow.accounts.user_by_name(username)
    stored = user.password_hash if user else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return Principal(user.id, user.username) if user else None


def change_password(core: Core, username: str, password: str) -> None:
    """Set a user's password and end every session of theirs (the page's; OAuth and bearer
    credentials are not sessions and stay), in one transaction."""
    from realtymedia.auth import web_sessions

    if not password:
        raise invalid("password", password, codes.MANDATORY_FIELD_EMPTY, "password must not be empty")
    password_hash = _hasher.hash(password)
    with core.unit_of_work() as uow:
        user = uow.accounts.user_by_name(username)
        if user is None:
            raise NotFound("user", username)
        uow.accounts.set_password_hash(user.id, password_hash)
        web_sessions.end_all(uow, user.id)
        uow.commit()
