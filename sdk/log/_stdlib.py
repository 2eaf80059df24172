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

from sdk.log import _context as context
from sdk.log._output import LineWriter
from sdk.log._shaping import Shaper, message_text, render
from sdk.log._values import safe_repr
from sdk.schema import Record

LEVEL_OF_NUMBER: Final = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "critical",
}
_STANDARD: Final = frozenset({*RESERVED_ATTRS, "taskName", "message", "asctime"})
#: attributes every LogRecord gets from its constructor
_CONSTRUCTED: Final = frozenset(logging.makeLogRecord({}).__dict__) & _STANDARD


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
        return f"{message_text(record.msg)} % {safe_repr(record.args)} (bad format arguments)"


def extra_fields(log_record: logging.LogRecord) -> list[tuple[str, Any]]:
    """The ``extra=`` fields of a record, in the order given.

    ``makeRecord`` adds them after everything the constructor sets, so the walk goes from
    the end of the record's attributes and stops at the first one the constructor set.
    """
    extras: list[tuple[str, Any]] = []
    for key, value in reversed(log_record.__dict__.items()):
        if key in _CONSTRUCTED:
            break
        if key not in _STANDARD:
            extras.append((key, value))
    extras.reverse()
    return extras


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
        labels = context.bound_labels()
        if labels:
            shaper.add_labels(record, labels.items())
        extras = extra_fields(log_record)
        if extras:
            shaper.add_labels(record, extras)
        if log_record.stack_info:
            shaper.add_stack(record, log_record.stack_info)
        exc = log_record.exc_info[1] if log_record.exc_info else None
        if exc is not None:
            shaper.add_error(record, exc)
        return record

    def failure_of(self, log_record: logging.LogRecord, exc: BaseException) -> Record:
        """A valid record saying a record could not be shaped, rather than no line at all."""
        name = getattr(log_record, "name", None)
        return self._shaper().failure(exc, {"log.logger": name if isinstance(name, str) else "?"})

    def format(self, record: logging.LogRecord) -> str:
        return render(self.record_of(record)).decode("utf-8").rstrip("\n")


class LineHandler(logging.Handler):
    """Writes each stdlib record as one schema line through the SDK's line writer."""

    def __init__(self, formatter: SchemaFormatter, writer: Callable[[], LineWriter]) -> None:
        super().__init__()
        self.formatter: SchemaFormatter = formatter
        self._writer = writer

    def handle(self, record: logging.LogRecord) -> bool:
        # No handler lock around emit: the line writer serialises writes itself, and shaping
        # touches no shared state, so threads shape their records in parallel.
        if self.filters:
            passed: Any = self.filter(record)
            if not passed:
                return False
            if isinstance(passed, logging.LogRecord):  # 3.12+: a filter may replace it
                record = passed
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = render(self.formatter.record_of(record))
        except Exception as exc:  # noqa: BLE001 - logging must never raise into the service
            try:
                line = render(self.formatter.failure_of(record, exc))
            except Exception:  # noqa: BLE001 - not even that: the stdlib's own report
                self.handleError(record)
                return
        self._writer().write(line)
