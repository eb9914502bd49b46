"""IS24 real estate projects: created by staff (the CLI), read by their owners."""

from __future__ import annotations

from datetime import datetime, timedelta

from realtymedia.domain import codes
from realtymedia.domain.attachments import Product
from realtymedia.domain.errors import AccessDenied, NotFound, invalid
from realtymedia.persistence.models import Project as ProjectRow
from realtymedia.persistence.unit_of_work import UnitOfWork
from realtymedia.services.core import Core, now
from realtymedia.services.results import Attachment, Project


def create(
    core: Core, owner: str, product: str, name: str, title: str = "", description: str = "", homepage_url: str = ""
) -> Project:
    if product not in Product.__members__:
        raise invalid("product", product, codes.INVALID_VALUE, "product must be BASIC or PROFESSIONAL")
    if not 1 <= len(name) <= 40:
        raise invalid("name", name, codes.LENGTH_EXCEEDED_OR_TOO_SMALL, "name must be 1-40 characters")
    if len(title) > 100:
        raise invalid("title", title, codes.LENGTH_EXCEEDED_OR_TOO_SMALL, "title must be at most 100 characters")
    moment = now()
    with core.unit_of_work() as uow:
        user = uow.accounts.user_by_name(owner)
        if user is None:
            raise NotFound("user", owner)
        project = ProjectRow(
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
        uow.projects.add(project)
        made = result(project)
        uow.commit()
        return made


def result(project: ProjectRow, attachments: tuple[Attachment, ...] = ()) -> Project:
    return Project(
        id=project.id,
        product=project.product,
        name=project.name,
        title=project.title,
        description=project.description,
        homepage_url=project.homepage_url,
        updated_at=project.updated_at,
        attachments=attachments,
    )


def owned(uow: UnitOfWork, project_id: int, user_id: int) -> ProjectRow:
    """The project, if it exists and belongs to the user."""
    project = uow.projects.get(project_id)
    if project is None:
        raise NotFound("realestateproject", project_id)
    if project.user_id != user_id:
        raise AccessDenied("You are not allowed to access this real estate project.")
    return project


def next_second(previous: datetime | None) -> datetime:
    """When a project changed now, in the whole seconds of HTTP dates: later than any Last-Modified
    sent for the version before it, and at most one second ahead of the clock.

    A Last-Modified is never later than its answer's Date (api.is24.protocol sends the earlier of
    `updated_at` and now), so every one sent so far is at most min(previous, now). A change a second
    after that is never answered 304 to a client that read the project earlier in the same second
    (If-Modified-Since compares whole seconds); and since the bound is min(previous, now), quick
    changes do not pile up seconds ahead of the clock (40 changes in a second: one second ahead).
    """
    moment = now().replace(microsecond=0)
    if previous is None:
        return moment
    sent = min(previous.replace(microsecond=0), moment)
    return max(moment, sent + timedelta(seconds=1))
