"""Logging of `realtymedia serve`: one JSON object a line on stderr (python-json-logger, on orjson).

server.config passes config() to uvicorn, which applies it in every worker process.

Every record written while a request runs carries that request's reference (`request_ref`), so an
error's trace can be found from its request line and the other way round. The request lines
themselves come from operations.observe (logger `realtymedia.requests`) and replace uvicorn's
access log. Nothing secret is logged: request lines name the route template, never the path or
the query (a confirm_access URL holds a request token), and no header is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from realtymedia.operations.observe import current


class RequestContext(logging.Filter):
    """Adds the current request's reference to records written while it runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_ref"):
            request = current()
            if request is not None:
                record.request_ref = request.ref()
        return True


def json_formatter() -> logging.Formatter:
    """python-json-logger's formatter on orjson: a line per request is paid on the event loop, and
    the standard library's json made it the larger part of a small request's cost (docs/operations.md)."""
    from pythonjsonlogger.core import RESERVED_ATTRS
    from pythonjsonlogger.orjson import OrjsonFormatter

    return OrjsonFormatter(
        "%(levelname)s %(name)s %(process)d %(message)s",
        rename_fields={"levelname": "level", "name": "logger", "process": "pid"},
        timestamp=True,
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],  # uvicorn's copy of the message, with terminal colours
    )


def config(log_format: str, request_lines: bool) -> dict[str, Any]:
    """A logging.config.dictConfig for uvicorn's `log_config` (applied in every worker process).

    `request_lines`: the info line of every request (off: only warnings and errors of requests)."""
    if log_format == "json":
        formatter: dict[str, Any] = {"()": json_formatter}
    else:
        formatter = {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"}
    handler = {"handlers": ["stderr"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": RequestContext}},
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {**handler, "level": "INFO"},
            "uvicorn.error": {"level": "INFO"},
            # Replaced by realtymedia.requests, which knows the route template, dialect and user.
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
            "realtymedia": {**handler, "level": "INFO"},
            "realtymedia.requests": {"level": "INFO" if request_lines else "WARNING"},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }
