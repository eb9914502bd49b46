"""Bearer tokens of the Realty Image API: the user a token names, remembered per worker.

A token is stored as its SHA-256 (services.accounts makes them); a valid one is remembered for
settings.bearer_cache_seconds, an invalid one is asked about every time (so a token made by another
worker works at once).
"""

from __future__ import annotations

from realtymedia.services.accounts import hash_token
from realtymedia.services.core import Core, on_event_loop
from realtymedia.services.results import Principal


@on_event_loop(writes=False)
def authenticate_bearer(core: Core, token: str) -> Principal | None:
    """The token's user. A valid token is remembered for settings.bearer_cache_seconds; an invalid
    one is asked about every time (so a token made by another worker works at once)."""
    digest = hash_token(token)

    def lookup() -> Principal | None:
        with core.unit_of_work(write=False) as uow:
            found = uow.accounts.principal_by_bearer_hash(digest)
        return Principal(*found) if found else None

    principal: Principal | None = core.principals.get_or_make(digest, lookup)
    return principal


def known_bearer(core: Core, token: str) -> Principal | None:
    """The token's user if this worker remembers it: no database, so safe on the event loop."""
    principal: Principal | None = core.principals.get(hash_token(token))
    return principal


def revoke_bearer(core: Core, token: str) -> bool:
    """Remove a bearer token; whether it existed. Workers that remember it as valid keep accepting
    it for up to settings.bearer_cache_seconds (this process forgets it at once)."""
    digest = hash_token(token)
    with core.unit_of_work() as uow:
        removed = uow.accounts.delete_bearer(digest)
        uow.commit()
    core.principals.forget(digest)
    return removed
