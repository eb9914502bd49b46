"""Password checks with guessing throttled, per user and per address.

Every check is recorded before the password is hashed, as a failure until it succeeds, so that
checks running at once count each other. Then, within settings.login_window_seconds:

- an address with login_failures_per_address failures (for any users) is refused;
- a user with login_failures_per_user failures is refused, except from an address the user has
  logged in from within login_trusted_address_days: there only that address's own failures for
  the user count (the same number).

A refusal (`Throttled`, 429 with Retry-After) is not recorded and costs no hash. So an attacker
can lock a user out only from addresses the user has not logged in from lately, and only while
the attack goes on: the lock ends login_window_seconds after the failures stop, and a user's
usual browser keeps working throughout.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from realtymedia.domain.errors import Throttled
from realtymedia.persistence.access import LoginAttempts
from realtymedia.services import accounts
from realtymedia.services.core import Core, now
from realtymedia.services.results import Principal
from realtymedia.settings import Settings

# Longer names are no user's (create_user refuses them): counted under their first 100 characters.
_NAME = 100


def check_password(core: Core, username: str, password: str, address: str) -> Principal | None:
    """The user, if the password is theirs; None if not; `Throttled` when guessing is refused.
    Blocking (argon2): run it in core.passwords."""
    settings, moment, name = core.settings, now(), username[:_NAME]
    with core.unit_of_work() as uow:
        attempts = LoginAttempts(uow)
        refused_until = _refused_until(attempts, settings, name, address[:64], moment)
        if refused_until is not None:
            wait = max(1, math.ceil((refused_until - moment).total_seconds()))
            raise Throttled(f"Too many failed logins: try again in {wait} s.", retry_after=wait)
        attempt = attempts.add(name, address[:64], moment)
        uow.commit()
    principal = accounts.authenticate_password(core, username, password)
    if principal is not None:
        with core.unit_of_work() as uow:
            LoginAttempts(uow).succeeded(attempt)
            uow.commit()
    return principal


def _refused_until(
    attempts: LoginAttempts, settings: Settings, username: str, address: str, moment: datetime
) -> datetime | None:
    """Until when a check of `username` from `address` is refused; None when it is not."""
    window = timedelta(seconds=settings.login_window_seconds)
    since = moment - window
    limits: list[datetime | None] = [
        attempts.nth_failure_since(since, settings.login_failures_per_address, address=address)
    ]
    trusted_since = moment - timedelta(days=settings.login_trusted_address_days)
    if attempts.succeeded_since(username, address, trusted_since):
        limits.append(
            attempts.nth_failure_since(since, settings.login_failures_per_user, username=username, address=address)
        )
    else:
        limits.append(attempts.nth_failure_since(since, settings.login_failures_per_user, username=username))
    ends = [at + window for at in limits if at is not None]
    return max(ends) if ends else None


def forget(core: Core) -> None:
    """Drop attempts no rule looks at any more (cleanup)."""
    settings, moment = core.settings, now()
    with core.unit_of_work() as uow:
        LoginAttempts(uow).forget(
            moment - timedelta(seconds=settings.login_window_seconds),
            moment - timedelta(days=settings.login_trusted_address_days),
        )
        uow.commit()
