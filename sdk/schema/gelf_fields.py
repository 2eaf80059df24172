"""Record -> GELF 1.1 message: the one place where dotted names become Graylog fields.

Graylog stores dots in field names as underscores, so every dotted field becomes an
additional field with its dots folded (``trace.id`` -> ``_trace_id``). A few fields fill the
GELF core instead, and are not repeated as additional fields:

==================  ==========================================================
GELF                record
==================  ==========================================================
``short_message``   ``message`` (``event.original`` when empty; GELF needs text)
``full_message``    ``error.stack_trace``
``timestamp``       ``@timestamp`` as Unix seconds, a float with microseconds
``level``           ``log.level`` as a syslog severity number
``host``            ``host.name``, else ``service.node.name``, else ``service.name``
==================  ==========================================================

Values: strings and numbers as they are, booleans as ``"true"``/``"false"`` (GELF takes
strings and numbers only), nulls left out. The record id rides along as
``_hopscope_record_id``, so duplicates after a re-send can be found in Graylog.
"""

from __future__ import annotations

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

_UNSAFE: Final = re.compile(r"[^\w.\-]")


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
    short = doc.get("message") or doc.get("event.original") or "-"
    message: dict[str, Any] = {
        "version": GELF_VERSION,
        "host": next((str(doc[f]) for f in HOST_FIELDS if doc.get(f)), "unknown"),
        "short_message": str(short),
    }
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
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif not isinstance(value, str | int | float):
            value = str(value)
        message[additional_name(key)] = value
    message.setdefault(RECORD_ID_FIELD, record.id)
    return message


__all__ = [
    "CORE_FIELDS",
    "DEFAULT_LEVEL",
    "GELF_VERSION",
    "HOST_FIELDS",
    "RECORD_ID_FIELD",
    "SYSLOG_LEVELS",
    "StoredRecord",
    "additional_name",
    "gelf_message",
    "syslog_level",
    "unix_seconds",
]
