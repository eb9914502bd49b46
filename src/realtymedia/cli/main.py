"""The `realtymedia` command. Every command prints JSON on stdout; errors go to stderr with exit 1."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from realtymedia.domain.errors import DomainError


def _core() -> Any:
    from realtymedia.services.core import Core

    core = Core.from_settings()
    core.db.upgrade()
    return core


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from realtymedia.persistence.db import upgrade
    from realtymedia.settings import Settings

    settings = Settings()
    upgrade(settings.resolved_database_url)
    uvicorn.run(
        "realtymedia.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop=settings.event_loop,
        http="httptools",
        proxy_headers=True,
        access_log=not args.no_access_log,
        log_level="info",
    )


def cmd_db_upgrade(args: argparse.Namespace) -> dict[str, object]:
    from realtymedia.persistence.db import upgrade
    from realtymedia.settings import Settings

    settings = Settings()
    upgrade(settings.resolved_database_url)
    return {"status": "upgraded", "database": settings.resolved_database_url.split("@")[-1]}


def cmd_users_create(args: argparse.Namespace) -> dict[str, object]:
    from realtymedia.services import accounts

    return accounts.create_user(_core(), args.name, args.password)


def cmd_projects_create(args: argparse.Namespace) -> dict[str, object]:
    from realtymedia.services import projects

    return projects.create(
        _core(), args.owner, args.product, args.name, title=args.title or "", description=args.description or ""
    )


def cmd_realties_create(args: argparse.Namespace) -> dict[str, object]:
    from realtymedia.services import realties

    return realties.create_for(_core(), args.owner, args.name or "")


def cmd_realties_publish(args: argparse.Namespace) -> dict[str, object]:
    from realtymedia.services import realties

    return realties.publish(_core(), None, args.id)


def cmd_cleanup(args: argparse.Namespace) -> dict[str, object]:
    from realtymedia.services import tickets

    return dict(tickets.cleanup(_core()))


def cmd_upload(args: argparse.Namespace) -> None:
    from realtymedia import upload_cli

    upload_cli.run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="realtymedia", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="apply migrations and serve HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-access-log", action="store_true")
    serve.set_defaults(func=cmd_serve)

    db = commands.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(func=cmd_db_upgrade)

    users = commands.add_parser("users", help="user accounts").add_subparsers(dest="users_command", required=True)
    create_user = users.add_parser("create", help="create a user with OAuth and bearer credentials")
    create_user.add_argument("name")
    create_user.add_argument("--password")
    create_user.set_defaults(func=cmd_users_create)

    projects = commands.add_parser("projects", help="IS24 real estate projects").add_subparsers(
        dest="projects_command", required=True
    )
    create_project = projects.add_parser("create", help="create a project for a user")
    create_project.add_argument("--owner", required=True)
    create_project.add_argument("--product", required=True, choices=["BASIC", "PROFESSIONAL"])
    create_project.add_argument("--name", required=True)
    create_project.add_argument("--title")
    create_project.add_argument("--description")
    create_project.set_defaults(func=cmd_projects_create)

    realties = commands.add_parser("realties", help="realties of the Realty Image API").add_subparsers(
        dest="realties_command", required=True
    )
    create_realty = realties.add_parser("create", help="create a realty for a user")
    create_realty.add_argument("--owner", required=True)
    create_realty.add_argument("--name")
    create_realty.set_defaults(func=cmd_realties_create)
    publish = realties.add_parser("publish", help="publish a realty and its current images")
    publish.add_argument("id")
    publish.set_defaults(func=cmd_realties_publish)

    commands.add_parser("cleanup", help="delete objects of long-expired, unused tickets").set_defaults(func=cmd_cleanup)

    from realtymedia import upload_cli

    upload = commands.add_parser("upload", help="upload many files to a realty or a project (resumable)")
    upload_cli.add_arguments(upload)
    upload.set_defaults(func=cmd_upload)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], Any] = args.func
    try:
        result = func(args)
    except DomainError as error:
        print(json.dumps({"error": type(error).__name__, "message": str(error)}), file=sys.stderr)
        raise SystemExit(1) from None
    if result is not None:
        print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
