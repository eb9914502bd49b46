"""`realtymedia users|projects|realties|cleanup`: administration on the service's own database."""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from realtymedia.services.results import Project, Realty


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = commands.add_parser("users", help="user accounts").add_subparsers(dest="users_command", required=True)
    create_user = users.add_parser("create", help="create a user with OAuth and bearer credentials")
    create_user.add_argument("name")
    create_user.add_argument("--password")
    create_user.set_defaults(func=users_create)
    password = users.add_parser("password", help="set a user's password; ends every web session of theirs")
    password.add_argument("name")
    password.add_argument("--password", required=True)
    password.set_defaults(func=users_password)
    revoke = users.add_parser(
        "revoke-token", help="revoke a bearer token (every worker refuses it within bearer_cache_seconds)"
    )
    revoke.add_argument("token")
    revoke.set_defaults(func=users_revoke_token)

    projects = commands.add_parser("projects", help="IS24 real estate projects").add_subparsers(
        dest="projects_command", required=True
    )
    create_project = projects.add_parser("create", help="create a project for a user")
    create_project.add_argument("--owner", required=True)
    create_project.add_argument("--product", required=True, choices=["BASIC", "PROFESSIONAL"])
    create_project.add_argument("--name", required=True)
    create_project.add_argument("--title")
    create_project.add_argument("--description")
    create_project.set_defaults(func=projects_create)

    realties = commands.add_parser("realties", help="realties of the Realty Image API").add_subparsers(
        dest="realties_command", required=True
    )
    create_realty = realties.add_parser("create", help="create a realty for a user")
    create_realty.add_argument("--owner", required=True)
    create_realty.add_argument("--name")
    create_realty.set_defaults(func=realties_create)
    publish = realties.add_parser("publish", help="publish a realty and its current images")
    publish.add_argument("id")
    publish.set_defaults(func=realties_publish)

    commands.add_parser("cleanup", help="delete objects of long-expired, unused tickets").set_defaults(func=cleanup)


class NotMigrated(Exception):
    """The database lacks migrations of this code: only `serve` and `db upgrade` apply them."""


def _core() -> Any:
    """The service's core, on a database that has every migration of this code.

    Migrating is for `serve` and `db upgrade` alone: an administrative command run against the
    wrong database URL, or before the deployment's own upgrade, must not change the schema.
    """
    from realtymedia.persistence.db import database_revisions, schema_heads
    from realtymedia.services.core import Core
    from realtymedia.settings import Settings

    settings = Settings()
    found, needed = database_revisions(settings.resolved_database_url), schema_heads()
    if found != needed:
        where = settings.resolved_database_url.split("@")[-1]
        raise NotMigrated(
            f"the database {where} is at migration {', '.join(sorted(found)) or 'none'}, this version needs "
            f"{', '.join(sorted(needed))}: run `realtymedia db upgrade` first (`realtymedia serve` migrates too)"
        )
    return Core.from_settings(settings)


def users_create(args: argparse.Namespace) -> dict[str, object]:
    from realtymedia.services import accounts

    return dataclasses.asdict(accounts.create_user(_core(), args.name, args.password))


def users_password(args: argparse.Namespace) -> dict[str, object]:
    from realtymedia.services import accounts

    accounts.change_password(_core(), args.name, args.password)
    return {"username": args.name, "sessions_ended": True}


def users_revoke_token(args: argparse.Namespace) -> dict[str, object]:
    from realtymedia.auth import bearer

    return {"revoked": bearer.revoke_bearer(_core(), args.token)}


def projects_create(args: argparse.Namespace) -> dict[str, object]:
    from realtymedia.services import projects

    made = projects.create(
        _core(), args.owner, args.product, args.name, title=args.title or "", description=args.description or ""
    )
    return _project(made, args.owner)


def realties_create(args: argparse.Namespace) -> dict[str, object]:
    from realtymedia.services import realties

    return _realty(realties.create_for(_core(), args.owner, args.name or ""))


def realties_publish(args: argparse.Namespace) -> dict[str, object]:
    from realtymedia.services import realties

    return _realty(realties.publish(_core(), None, args.id))


# The command's output: the Realty Image dialect's names for a realty, IS24's for a project.
def _project(project: Project, owner: str) -> dict[str, object]:
    return {
        "id": project.id,
        "owner": owner,
        "product": project.product,
        "name": project.name,
        "title": project.title,
        "description": project.description,
        "homepageUrl": project.homepage_url,
    }


def _realty(realty: Realty) -> dict[str, object]:
    return {
        "id": realty.id,
        "name": realty.name,
        "published": realty.published,
        "publishedAt": realty.published_at.isoformat() if realty.published_at else None,
        "imageCount": realty.image_count,
        "createdAt": realty.created_at.isoformat(),
        "updatedAt": realty.updated_at.isoformat(),
    }


def cleanup(args: argparse.Namespace) -> dict[str, object]:
    from realtymedia.services import tickets

    done = tickets.cleanup(_core())
    return {
        "deleted_objects": done.deleted_objects,
        "removed_leftovers": done.removed_leftovers,
        "removed_partial_uploads": done.removed_partial_uploads,
    }
