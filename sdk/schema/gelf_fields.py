"""Record -> GELF 1.1 message: the one place where dotted names become Graylog fields.

Graylog stores dots in field names as underscores, so every dotted field becomes an
additional field with its dots folded (``trace.id`` -> ``_trace_id``). A few fields fill the
GELF core instead, and are not repeated as additional fields:

==================  ==========================================================
GELF                record
==================  ==========================================================
``short_message``   ``message``; when blank, ``event.original``, else ``(blank message)``
``full_message``    ``error.stack_trace``
``timestamp``       ``@timestamp`` as Unix seconds, a float with microseconds
``level``           ``log.level`` as a syslog severity number
``host``            ``host.name``, else ``service.node.name``, else ``service.name``
==================  ==========================================================

Graylog's GELF decoder refuses a message whose ``short_message`` or ``host`` is blank (white
space counts as blank), and over HTTP it may have answered 202 already: such a message would
be counted delivered and never stored. So neither is ever sent blank. A blank ``message``
rides along as written in ``_hopscope_original_message``, as a JSON string (``"  "``, quotes
included), since Graylog trims string values and drops the ones left empty; so does any other
blank string value.

Names keep ASCII letters, digits, ``_``, ``.`` and ``-`` (Graylog drops a field whose name
has anything else). Values: strings and numbers as they are, booleans as
``"true"``/``"false"`` (GELF takes strings and numbers only), nulls left out. The record id
rides along as ``_hopscope_record_id``, so duplicates after a re-send can be found in Graylog.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, Final, Protocol


class StoredRecord(Protocol):
    """A record as a sink holds it: its id and the document."""

    @property
    def id(self) -> str: ...

    @property
    def doc(self) -> Mapping[str, Any]: ...


GELF_VERSION: Final = "1.1"

#: ``log.level`` -> syslog severity (RFC 5424).
SYSLOG_LEVELS: Final[Mapping[str, int]] = {
    "critical": 2,
    "error": 3,
    "warning": 4,
    "info": 6,
    "debug": 7,
}
DEFAULT_LEVEL: Final = 6

#: Fields that fill the GELF core rather than an additional field.
CORE_FIELDS: Final = frozenset(
    {"message", "@timestamp", "log.level", "error.stack_trace", "host.name"}
)
HOST_FIELDS: Final = ("host.name", "service.node.name", "service.name")
RECORD_ID_FIELD: Final = "_hopscope_record_id"
#: ``short_message`` when the record's message and original text are blank
BLANK_MESSAGE: Final = "(blank message)"
#: a blank ``message`` as written, JSON-quoted so that Graylog's trimming keeps it
ORIGINAL_MESSAGE_FIELD: Final = "_hopscope_original_message"
UNKNOWN_HOST: Final = "unknown"

_UNSAFE: Final = re.compile(r"[^\w.\-]", re.ASCII)


@lru_cache(maxsize=4096)
def additional_name(dotted: str) -> str:
    """``trace.id`` -> ``_trace_id``; characters GELF refuses in names become ``_`` too.
    ``_id`` is reserved by GELF, so a field named ``id`` would become ``_id_``."""
    name = "_" + _UNSAFE.sub("_", dotted.replace(".", "_"))
    return "_id_" if name == "_id" else name


def syslog_level(level: Any) -> int:
    return SYSLOG_LEVELS.get(str(level).lower(), DEFAULT_LEVEL)


def unix_seconds(timestamp: Any) -> float | None:
    """RFC 3339 -> Unix seconds (``None`` when unreadable: Graylog then uses arrival time)."""
    if not isinstance(timestamp, str):
        return None
    try:
        return datetime.fromisoformat(timestamp).timestamp()
    except ValueError:
        return None


def gelf_message(record: StoredRecord) -> dict[str, Any]:
    """The GELF message of *record*, as a dict ready for JSON."""
    doc = record.doc
    text = doc.get("message")
    short = str(text) if text is not None else ""
    message: dict[str, Any] = {
        "version": GELF_VERSION,
        "host": _first_text(doc, HOST_FIELDS) or UNKNOWN_HOST,
        "short_message": short,
    }
    if not short.strip():  # refused by Graylog: say so in the message, keep what was written
        message["short_message"] = _first_text(doc, ("event.original",)) or BLANK_MESSAGE
        if text is not None:
            message[ORIGINAL_MESSAGE_FIELD] = _quoted(short)
    stack = doc.get("error.stack_trace")
    if stack:
        message["full_message"] = str(stack)
    seconds = unix_seconds(doc.get("@timestamp"))
    if seconds is not None:
        message["timestamp"] = round(seconds, 6)
    message["level"] = syslog_level(doc.get("log.level"))
    for key, value in doc.items():
        if key in CORE_FIELDS or value is None:
            continue
        kind = type(value)
        if kind is str:
            if not value or (value[0].isspace() and not value.strip()):
                value = _quoted(value)  # blank: Graylog would trim it away
        elif kind is bool:
            value = "true" if value else "false"
        elif not isinstance(value, int | float):
            value = str(value)
        message[additional_name(key)] = value
    message.setdefault(RECORD_ID_FIELD, record.id)
    return message


def _quoted(blank: str) -> str:
    """A blank string as a JSON string literal: ``"  "`` with its quotes, which Graylog keeps."""
    return json.dumps(blank, ensure_ascii=False)


def _first_text(doc: Mapping[str, Any], names: tuple[str, ...]) -> str | None:
    """The first of *names* whose value is text that is not blank."""
    for name in names:
        value = doc.get(name)
        if value is not None and str(value).strip():
            return str(value)
    return None


__all__ = [
    "BLANK_MESSAGE",
    "CORE_FIELDS",
    "DEFAULT_LEVEL",
    "GELF_VERSION",
    "HOST_FIELDS",
    "ORIGINAL_MESSAGE_FIELD",
    "RECORD_ID_FIELD",
    "SYSLOG_LEVELS",
    "UNKNOWN_HOST",
    "StoredRecord",
    "additional_name",
    "gelf_message",
    "syslog_level",
    "unix_seconds",
]
