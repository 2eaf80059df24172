"""The stdlib bridge: records of any ``logging`` logger (uvicorn, httpx, sqlalchemy, the
service's own) come out in the very same schema as ``sdk.get_logger`` lines.

Built on python-json-logger's formatter, so its notion of which LogRecord attributes are
standard (everything else is an ``extra=`` field) is the one used here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final

from pythonjsonlogger.core import RESERVED_ATTRS, BaseJsonFormatter

from sdk.output import LineWriter
from sdk.shaping import Record, Shaper, render

LEVEL_OF_NUMBER: Final = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "critical",
}
_STANDARD: Final = frozenset({*RESERVED_ATTRS, "taskName", "message", "asctime"})


def level_name(levelno: int) -> str:
    if levelno in LEVEL_OF_NUMBER:
        return LEVEL_OF_NUMBER[levelno]
    for number in (logging.CRITICAL, logging.ERROR, logging.WARNING, logging.INFO):
        if levelno >= number:
            return LEVEL_OF_NUMBER[number]
    return "debug"


def message_of(record: logging.LogRecord) -> str:
    """``record.getMessage()``, but a bad ``%`` format never loses the line."""
    try:
        return record.getMessage()
    except Exception:  # noqa: BLE001
        return f"{record.msg!s} % {record.args!r} (bad format arguments)"


class SchemaFormatter(BaseJsonFormatter):
    """python-json-logger formatter whose output is a schema record."""

    def __init__(self, shaper: Callable[[], Shaper], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shaper = shaper

    def record_of(self, log_record: logging.LogRecord) -> Record:
        shaper = self._shaper()
        record = shaper.head(
            level_name(log_record.levelno), message_of(log_record), int(log_record.created * 1e9)
        )
        record["log.logger"] = log_record.name
        record["log.origin.file.name"] = log_record.filename
        record["log.origin.file.line"] = log_record.lineno
        record["log.origin.function"] = log_record.funcName or ""
        if log_record.threadName:
            record["process.thread.name"] = log_record.threadName
        shaper.add_context(record)
        extras = [(k, v) for k, v in log_record.__dict__.items() if k not in _STANDARD]
        if extras:
            shaper.add_labels(record, extras)
        exc = log_record.exc_info[1] if log_record.exc_info else None
        if exc is not None:
            shaper.add_error(record, exc)
        return record

    def format(self, record: logging.LogRecord) -> str:
        return render(self.record_of(record)).decode("utf-8").rstrip("\n")


class LineHandler(logging.Handler):
    """Writes each stdlib record as one schema line through the SDK's line writer."""

    def __init__(self, formatter: SchemaFormatter, writer: Callable[[], LineWriter]) -> None:
        super().__init__()
        self.formatter: SchemaFormatter = formatter
        self._writer = writer

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = render(self.formatter.record_of(record))
        except Exception:  # noqa: BLE001 - logging must never raise into the service
            self.handleError(record)
            return
        self._writer().write(line)
