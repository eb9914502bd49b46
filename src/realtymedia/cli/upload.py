"""`realtymedia upload`: the SDK's bulk upload command (`realtymedia-upload`) under the server's command.

The command belongs to the client distribution (clients/python), so that it installs without the
server; this alias serves whoever has both. The SDK is imported only when the alias runs, so the
other commands do not pay for httpx and rich.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

HELP = "upload many files to a realty or a project (resumable); the SDK's realtymedia-upload"


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # Listed for `realtymedia --help`; `main` hands `realtymedia upload ...` over before parsing.
    commands.add_parser("upload", help=HELP, add_help=False)


def run(argv: Sequence[str]) -> None:
    try:
        from realtymedia_client import upload
    except ImportError:
        raise SystemExit(
            "realtymedia upload needs the client SDK beside the server: pip install ./clients/python"
        ) from None
    upload.main(argv, prog="realtymedia upload")
