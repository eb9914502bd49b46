from __future__ import annotations

from alembic import context
from sqlalchemy import text

from realtymedia.persistence.db import make_engine
from realtymedia.persistence.models import Base

config = context.config
url: str = config.get_main_option("sqlalchemy.url") or ""
assert url


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Workers started together must not race to create the same tables.
            connection.execute(text("SELECT pg_advisory_lock(74656)"))
            connection.commit()
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_unlock(74656)"))
            connection.commit()
    engine.dispose()


run_migrations_online()
