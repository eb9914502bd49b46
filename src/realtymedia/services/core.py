"""What every use case needs: settings, the database and the storage backend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from realtymedia.persistence.db import Database
from realtymedia.settings import Settings
from realtymedia.storage import Storage, make_storage


@dataclass
class Core:
    settings: Settings
    db: Database
    storage: Storage

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Core:
        settings = settings or Settings()
        return cls(settings, Database(settings.resolved_database_url), make_storage(settings))

    def close(self) -> None:
        self.db.dispose()


def now() -> datetime:
    return datetime.now(UTC)
