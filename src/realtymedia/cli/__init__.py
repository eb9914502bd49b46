"""The `realtymedia` command: serve, db, users, projects, realties, cleanup, and upload.

Every command but ``serve`` and ``upload`` prints JSON on stdout; errors go to stderr with exit 1.
"""

from realtymedia.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
