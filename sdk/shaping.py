"""Shaping a logging call into one schema-valid record, and rendering it as one line.

The same shaper serves structlog (``get_logger``), the stdlib bridge and the SDK's own hop
records, so every line a process writes has the same fields in the same order.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Iterable, Mapping, MutableMapping
from functools import cache
from typing import Any, Final

import fastjsonschema
import orjson

from sdk import context, schema
from sdk.config import Config
from sdk.errors import error_fields, exception_of
from sdk.redaction import REDACTED, Redactor
from sdk.timestamps import format_timestamp
from sdk.tracing import current_ids
from sdk.truncation import truncate
from sdk.values import clean_text, to_json_text, to_plain

Record = dict[str, Any]

#: method names of structlog and stdlib levels -> the schema's ``log.level``
LEVEL_OF_METHOD: Final = {
    "debug": "debug",
    "info": "info",
    "msg": "info",
    "log": "info",
    "warning": "warning",
    "warn": "warning",
    "error": "error",
    "exception": "error",
    "err": "error",
    "failure": "error",
    "critical": "critical",
    "fatal": "critical",
}
_NOT_LABEL_CHAR = re.compile(r"[^a-z0-9_]+")
_SCALARS: Final = (bool, int, float, type(None))
LOGGER_KEY: Final = "_logger"  # bound by get_logger(name): becomes log.logger


@cache
def label_key(key: str) -> str:
    """``labels.<key>``: lower case, dots and other punctuation folded to underscores."""
    folded = _NOT_LABEL_CHAR.sub("_", key.lower()).strip("_")
    return f"labels.{folded or '_'}"


@cache
def _field_validator(name: str) -> Any:
    definition = schema.fields().get(name)
    if definition is None:
        for pattern, family in schema.field_patterns():
            if pattern.match(name):
                definition = family
                break
    return None if definition is None else fastjsonschema.compile(dict(definition))


def valid_field(name: str, value: Any) -> bool:
    check = _field_validator(name)
    if check is None:
        return False
    try:
        check(value)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


class Shaper:
    """Builds records for one configuration."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.redactor = Redactor(config.redact_keys)
        self._static = self._static_fields()
        os.register_at_fork(after_in_child=self._refresh_static)

    def _static_fields(self) -> Record:
        cfg = self.config
        fields: Record = {"service.name": cfg.service}
        if cfg.version:
            fields["service.version"] = cfg.version
        if cfg.environment:
            fields["service.environment"] = cfg.environment
        fields["service.node.name"] = cfg.node
        fields["process.pid"] = os.getpid()
        fields["hopscope.schema_version"] = schema.SCHEMA_VERSION
        fields["ecs.version"] = schema.ECS_VERSION
        return fields

    def _refresh_static(self) -> None:
        self._static = self._static_fields()

    # -- pieces of a record -------------------------------------------------------------

    def head(self, level: str, message: Any, ns: int | None = None) -> Record:
        text = message if isinstance(message, str) else _message_text(message)
        text, cut = truncate(self.redactor.text(clean_text(text)), self.config.max_string)
        record: Record = {
            "@timestamp": format_timestamp(time.time_ns() if ns is None else ns),
            "log.level": level,
            "message": text,
        }
        record.update(self._static)
        if cut:
            record["hopscope.truncated"] = True
        return record

    def add_context(self, record: Record) -> None:
        """Trusted request fields bound by the SDK, then the active span's ids."""
        fields = context.bound_fields()
        if fields:
            record.update(fields)
        if "trace.id" not in record:
            ids = current_ids()
            if ids is not None:
                record["trace.id"], record["span.id"] = ids

    def add_labels(self, record: Record, items: Iterable[tuple[str, Any]]) -> None:
        """User keywords: always under ``labels.*``, never over a schema field."""
        limit = self.config.max_string
        secret = self.redactor.is_secret_key
        for key, value in items:
            name = label_key(key)
            if secret(key):
                record[name] = REDACTED
                continue
            if isinstance(value, str):
                text = value
            elif isinstance(value, _SCALARS):
                if (isinstance(value, float) and not math.isfinite(value)) or (
                    isinstance(value, int) and not -(2**63) <= value < 2**64
                ):
                    text = str(value)
                else:
                    record[name] = value
                    continue
            else:
                text = to_json_text(self.redactor.value(to_plain(value)))
            text, cut = truncate(self.redactor.text(clean_text(text)), limit)
            record[name] = text
            if cut:
                record["hopscope.truncated"] = True

    def add_error(self, record: Record, exc: BaseException) -> None:
        limit = self.config.max_string * 8  # stack traces deserve more room than labels
        for name, text in error_fields(exc).items():
            text, cut = truncate(self.redactor.text(clean_text(text)), limit)
            record[name] = text
            if cut:
                record["hopscope.truncated"] = True
        if record["log.level"] in ("debug", "info", "warning"):
            record["log.level"] = "error"

    def add_trusted(self, record: Record, fields: Mapping[str, Any]) -> None:
        """Schema fields from the SDK's own code; anything invalid is kept as a label."""
        strays: list[tuple[str, Any]] = []
        for name, value in fields.items():
            if value is None:
                continue
            if isinstance(value, str):
                value = self.redactor.url(value) if name == "url.full" else clean_text(value)
                value, cut = truncate(value, self.config.max_body)
                if cut:
                    record["hopscope.truncated"] = True
            if valid_field(name, value):
                record[name] = value
            else:
                strays.append((name, value))
        if strays:
            self.add_labels(record, strays)

    # -- whole records ------------------------------------------------------------------

    def from_structlog(self, method_name: str, event_dict: MutableMapping[str, Any]) -> Record:
        level = LEVEL_OF_METHOD.get(method_name, "info")
        record = self.head(level, event_dict.pop("event", ""))
        logger_name = event_dict.pop(LOGGER_KEY, None)
        if logger_name:
            record["log.logger"] = logger_name
        self.add_context(record)
        exc = exception_of(event_dict.pop("exc_info", None))
        labels = context.bound_labels()
        if labels:
            self.add_labels(record, labels.items())
        if event_dict:
            self.add_labels(record, event_dict.items())
        if exc is not None:
            self.add_error(record, exc)
        return record

    def trusted(self, level: str, message: str, fields: Mapping[str, Any]) -> Record:
        record = self.head(level, message)
        self.add_context(record)
        self.add_trusted(record, fields)
        return record


def render(record: Record) -> bytes:
    """One line: compact JSON and a newline. Never raises."""
    try:
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
    except (TypeError, orjson.JSONEncodeError):
        return orjson.dumps(to_plain(record), option=orjson.OPT_APPEND_NEWLINE)


def _message_text(message: Any) -> str:
    if isinstance(message, bytes):
        return message.decode("utf-8", "backslashreplace")
    try:
        return str(message)
    except Exception:  # noqa: BLE001 - a broken __str__ must not break logging
        return f"<{type(message).__qualname__}: str() failed>"
