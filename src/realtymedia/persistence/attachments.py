"""Queries of IS24 project attachments (rows of the shared `media` table owned by a project)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from realtymedia.persistence.models import Media

PROJECT = "project"


def subtypes(session: Session, project_id: int, exclude: str | None = None) -> list[str]:
    """The subtypes (pictureType, pdfDocumentType, linkType) the project's attachments have now."""
    query = select(Media.subtype).where(Media.owner_kind == PROJECT, Media.owner_id == str(project_id))
    if exclude is not None:
        query = query.where(Media.id != exclude)
    return [s for s in session.scalars(query) if s]
