"""IS24 real estate projects."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, select, update

from realtymedia.persistence.models import Project
from realtymedia.persistence.statements import SelectOne

if TYPE_CHECKING:
    from realtymedia.persistence.unit_of_work import UnitOfWork

# Built once (SQLAlchemy then reuses their compiled form): asked on every read and change.
_projects = cast(Table, Project.__table__)
_VERSION_COLUMNS = (_projects.c.id, _projects.c.user_id, _projects.c.version, _projects.c.updated_at,
                    _projects.c.created_at)  # fmt: skip
# Every IS24 read asks it first (for its ETag and Last-Modified): a read at the driver.
_VERSION = SelectOne(select(*_VERSION_COLUMNS).where(_projects.c.id == bindparam("project_id")), _VERSION_COLUMNS)
_OWNER = select(_projects.c.user_id, _projects.c.product).where(_projects.c.id == bindparam("project_id"))
# The project locked for a change (FOR UPDATE on PostgreSQL; SQLite's writer holds the database),
# then its version moved: plain rows, so that a change loads and flushes no Project object.
_LOCK = (
    select(_projects.c.user_id, _projects.c.product, _projects.c.version, _projects.c.updated_at)
    .where(_projects.c.id == bindparam("project_id"))
    .with_for_update()
)
_TOUCH = (
    update(_projects)
    .where(_projects.c.id == bindparam("project_id"))
    .values(version=bindparam("new_version"), updated_at=bindparam("new_updated_at"))
)


class Projects:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def get(self, project_id: int) -> Project | None:
        return self._uow.session.get(Project, project_id)

    def of_user(self, user_id: int) -> Sequence[Project]:
        return self._uow.session.scalars(select(Project).where(Project.user_id == user_id).order_by(Project.id)).all()

    def add(self, project: Project) -> int:
        session = self._uow.session
        session.add(project)
        session.flush()
        return project.id

    def version(self, project_id: int) -> tuple[Any, ...] | None:
        """(id, user_id, version, updated_at, created_at) of a project, without loading it."""
        return self._uow.select_one(_VERSION, {"project_id": project_id})

    def owner(self, project_id: int) -> tuple[int, str] | None:
        """(user_id, product) of a project, without loading it."""
        row = self._uow.execute(_OWNER, {"project_id": project_id}).first()
        return (row[0], row[1]) if row else None

    def lock(self, project_id: int) -> tuple[Any, ...] | None:
        """(user_id, product, version, updated_at) of the project, locked until the transaction ends:
        all changes to one project's attachments go one at a time."""
        row = self._uow.execute(_LOCK, {"project_id": project_id}).first()
        return tuple(row) if row else None

    def set_version(self, project_id: int, version: int, updated_at: datetime) -> None:
        self._uow.execute(_TOUCH, {"project_id": project_id, "new_version": version, "new_updated_at": updated_at})
