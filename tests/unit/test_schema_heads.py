"""The CLI's cheap reading of the migrations' heads (no alembic import) agrees with alembic's."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from realtymedia.persistence.db import MIGRATIONS, schema_heads


def test_schema_heads_are_alembics() -> None:
    assert schema_heads() == set(ScriptDirectory(str(MIGRATIONS)).get_heads())
