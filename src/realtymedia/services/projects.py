"""IS24 real estate projects: created by staff (the CLI), read by their owners."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from realtymedia.domain import codes
from realtymedia.domain.attachments import Product
from realtymedia.domain.errors import AccessDenied, NotFound, invalid
from realtymedia.persistence import repository as repo
from realtymedia.persistence.models import Project
from realtymedia.services.core import Core, now


def create(
    core: Core, owner: str, product: str, name: str, title: str = "", description: str = "", homepage_url: str = ""
) -> dict[str, object]:
    if product not in Product.__members__:
        raise invalid("product", product, codes.INVALID_VALUE, "product must be BASIC or PROFESSIONAL")
    if not 1 <= len(name) <= 40:
        raise invalid("name", name, codes.LENGTH_EXCEEDED_OR_TOO_SMALL, "name must be 1-40 characters")
    if len(title) > 100:
        raise invalid("title", title, codes.LENGTH_EXCEEDED_OR_TOO_SMALL, "title must be at most 100 characters")
    moment = now()
    with core.db.write() as session:
        user = repo.user_by_name(session, owner)
        if user is None:
            raise NotFound("user", owner)
        project = Project(
            user_id=user.id,
            product=product,
            name=name,
            title=title or name,
            description=description,
            homepage_url=homepage_url,
            created_at=moment,
            updated_at=moment,
            version=1,
        )
        session.add(project)
        session.flush()
        return as_dict(project, owner)


def as_dict(project: Project, owner: str) -> dict[str, object]:
    return {
        "id": project.id,
        "owner": owner,
        "product": project.product,
        "name": project.name,
        "title": project.title,
        "description": project.description,
        "homepageUrl": project.homepage_url,
    }


def owned(session: Session, project_id: int, user_id: int, *, lock: bool = False) -> Project:
    """The project, if it exists and belongs to the user. Locked for the transaction when asked."""
    project = repo.lock_project(session, project_id) if lock else session.get(Project, project_id)
    if project is None:
        raise NotFound("realestateproject", project_id)
    if project.user_id != user_id:
        raise AccessDenied("You are not allowed to access this real estate project.")
    return project


def next_second(previous: datetime | None) -> datetime:
    """When a project changed now: a later whole second than its previous change.

    HTTP dates have whole seconds, so every change moves `updated_at` to a later whole second than
    the one before: a client that read the project earlier in the same second never gets a 304
    for a version it has not seen (If-Modified-Since compares seconds).
    """
    moment = now().replace(microsecond=0)
    if previous is None:
        return moment
    return max(moment, previous.replace(microsecond=0) + timedelta(seconds=1))
