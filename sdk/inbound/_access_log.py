"""The server's own access log is replaced by the server hop record, not duplicated."""

from __future__ import annotations

import logging
from typing import Final

#: loggers of servers that write one line per request on their own.
ACCESS_LOGGERS: Final = ("uvicorn.access", "hypercorn.access", "gunicorn.access", "werkzeug")


class _DropAccessLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # werkzeug uses one logger for everything; only its request lines are dropped.
        return record.name == "werkzeug" and not _is_werkzeug_request_line(record)


def _is_werkzeug_request_line(record: logging.LogRecord) -> bool:
    # its request lines read '127.0.0.1 - - [date] "GET / HTTP/1.1" 200 -'
    return " - - [" in str(record.msg)


_FILTER: Final = _DropAccessLines()


def silence_access_log() -> None:
    """Stop access-log lines; a filter (which survives ``dictConfig``) and, for the
    dedicated access loggers, ``disabled`` so the server does not even build the record."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        if name != "werkzeug":
            logger.disabled = True
