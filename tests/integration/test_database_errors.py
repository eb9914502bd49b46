"""A database error's text (logged, and wrapped into other errors' messages) names the statement
but never the values bound to it: they hold token secrets, CSRF tokens and password hashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from realtymedia.persistence.db import open_database, upgrade
from realtymedia.persistence.models import User
from realtymedia.services.core import now

SECRET = "argon2-hash-that-must-not-be-logged"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        made = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    else:
        made = "postgresql+psycopg://" + request.getfixturevalue("postgres_url").split("://", 1)[1]
    upgrade(made)
    return made


def test_a_database_error_names_no_bound_value(url: str) -> None:
    database = open_database(url, pool_size=1, max_overflow=0)
    name = f"twice-{now().timestamp()}"
    try:
        with database.unit_of_work() as uow:
            uow.session.add(User(username=name, password_hash="first", created_at=now()))
            uow.session.flush()
            uow.commit()
        with pytest.raises(IntegrityError) as raised, database.unit_of_work() as uow:
            uow.session.add(User(username=name, password_hash=SECRET, created_at=now()))
            uow.session.flush()  # the username is taken
        assert "INSERT INTO users" in str(raised.value)
        assert SECRET not in str(raised.value)  # (PostgreSQL's own detail still names the duplicate key)
    finally:
        database.dispose()
