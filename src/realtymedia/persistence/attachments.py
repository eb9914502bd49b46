"""Queries of IS24 project attachments (rows of the shared `media` table owned by a project)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from realtymedia.persistence.models import Media, Project

PROJECT = "project"
_projects = cast(Table, Project.__table__)
# Built once: every read of a project's attachments asks it first (see services.attachments.project_version).
_VERSION = select(
    _projects.c.id, _projects.c.user_id, _projects.c.version, _projects.c.updated_at, _projects.c.created_at
).where(_projects.c.id == bindparam("project_id"))


def project_version(session: Session, project_id: int) -> tuple[Any, ...] | None:
    """(id, user_id, version, updated_at, created_at) of a project, without loading it."""
    row = session.execute(_VERSION, {"project_id": project_id}).first()
    return tuple(row) if row else None


def subtypes(session: Session, project_id: int, exclude: str | None = None) -> list[str]:
    """The subtypes (pictureType, pdfDocumentType, linkType) the project's attachments have now."""
    query = select(Media.subtype).where(Media.owner_kind == PROJECT, Media.owner_id == str(project_id))
    if exclude is not None:
        query = query.where(Media.id != exclude)
    return [s for s in session.scalars(query) if s]
