"""The parser of the `realtymedia` command and its dispatch."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from realtymedia.cli import admin, server, upload
from realtymedia.domain.errors import DomainError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="realtymedia", description="Media of real estate listings.")
    commands = parser.add_subparsers(dest="command", required=True)
    server.add_commands(commands)
    admin.add_commands(commands)
    upload.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["upload"]:
        upload.run(arguments[1:])
        return
    parser = build_parser()
    args = parser.parse_args(arguments)
    func: Callable[[argparse.Namespace], Any] = args.func
    try:
        result = func(args)
    except (DomainError, admin.NotMigrated) as error:
        print(json.dumps({"error": type(error).__name__, "message": str(error)}), file=sys.stderr)
        raise SystemExit(1) from None
    if result is not None:
        _print(json.dumps(result, indent=2, default=str))


def _print(text: str) -> None:
    """Print to a stdout that may be a pipe its reader closed (`... | head`): then no traceback,
    as the Python documentation advises for SIGPIPE (the command's work is done either way)."""
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's own flush at exit must not fail too
        raise SystemExit(1) from None
