"""`realtymedia serve` and `realtymedia db upgrade`."""

from __future__ import annotations

import argparse


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="apply migrations and serve HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL; see the README)")
    serve.add_argument("--no-access-log", action="store_true", help="no info line per request")
    serve.set_defaults(func=serve_http)

    db = commands.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(func=db_upgrade)


def serve_http(args: argparse.Namespace) -> None:
    import uvicorn

    from realtymedia.persistence.db import upgrade
    from realtymedia.server import config
    from realtymedia.settings import Settings

    settings = Settings()
    upgrade(settings.resolved_database_url)
    uvicorn.run(
        "realtymedia.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        **config.serving(settings, args.workers, request_lines=not args.no_access_log),
    )


def db_upgrade(args: argparse.Namespace) -> dict[str, object]:
    from realtymedia.persistence.db import upgrade
    from realtymedia.settings import Settings

    settings = Settings()
    upgrade(settings.resolved_database_url)
    return {"status": "upgraded", "database": settings.resolved_database_url.split("@")[-1]}
