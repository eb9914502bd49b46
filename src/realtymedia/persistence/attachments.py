"""Queries of IS24 project attachments (rows of the shared `media` table owned by a project)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from realtymedia.persistence.models import Media, Project

PROJECT = "project"
# Built once (SQLAlchemy then reuses their compiled form): asked on every read and change.
_projects = cast(Table, Project.__table__)
_media = cast(Table, Media.__table__)
_VERSION = select(
    _projects.c.id, _projects.c.user_id, _projects.c.version, _projects.c.updated_at, _projects.c.created_at
).where(_projects.c.id == bindparam("project_id"))
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
# One row per distinct subtype (a handful, however many attachments), with its last position.
_OWNED_MEDIA = (_media.c.owner_kind == PROJECT, _media.c.owner_id == bindparam("owner_id"))
_CONTENTS = select(_media.c.subtype, func.max(_media.c.position)).where(*_OWNED_MEDIA).group_by(_media.c.subtype)
_CONTENTS_EXCEPT = (
    select(_media.c.subtype, func.max(_media.c.position))
    .where(*_OWNED_MEDIA, _media.c.id != bindparam("exclude"))
    .group_by(_media.c.subtype)
)


def project_version(session: Session | Connection, project_id: int) -> tuple[Any, ...] | None:
    """(id, user_id, version, updated_at, created_at) of a project, without loading it."""
    row = session.execute(_VERSION, {"project_id": project_id}).first()
    return tuple(row) if row else None


def project_owner(session: Session, project_id: int) -> tuple[int, str] | None:
    """(user_id, product) of a project, without loading it."""
    row = session.execute(_OWNER, {"project_id": project_id}).first()
    return (row[0], row[1]) if row else None


def lock_project(session: Session, project_id: int) -> tuple[Any, ...] | None:
    """(user_id, product, version, updated_at) of the project, locked until the transaction ends."""
    row = session.execute(_LOCK, {"project_id": project_id}).first()
    return tuple(row) if row else None


def set_project_version(session: Session, project_id: int, version: int, updated_at: datetime) -> None:
    session.execute(_TOUCH, {"project_id": project_id, "new_version": version, "new_updated_at": updated_at})


def subtypes_and_end(session: Session, project_id: int, exclude: str | None = None) -> tuple[list[str], int]:
    """The distinct subtypes (pictureType, pdfDocumentType, linkType) the project's attachments have
    now, and the position after the last of them (where a new one goes), in one query."""
    if exclude is None:
        rows = session.execute(_CONTENTS, {"owner_id": str(project_id)}).all()
    else:
        rows = session.execute(_CONTENTS_EXCEPT, {"owner_id": str(project_id), "exclude": exclude}).all()
    return [subtype for subtype, _ in rows if subtype], max((position for _, position in rows), default=-1) + 1
