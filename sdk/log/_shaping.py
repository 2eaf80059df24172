"""Shaping a logging call into one schema-valid record, and rendering it as one line.

The same shaper serves structlog (``get_logger``), the stdlib bridge and the SDK's own hop
records, so every line a process writes has the same fields in the same order.
"""

from __future__ import annotations

import math
import os
import re
import time
import weakref
from collections.abc import Iterable, Mapping, MutableMapping
from functools import cache
from typing import Any, Final

import orjson

from sdk import schema
from sdk.log import _context as context
from sdk.log._config import Config
from sdk.log._errors import caller_stack, error_fields, exception_of
from sdk.log._redaction import REDACTED, Redactor
from sdk.log._tracing import current_ids
from sdk.log._truncation import truncate
from sdk.log._values import clean_text, safe_repr, to_json_text, to_plain
from sdk.schema import Record
from sdk.schema._timestamps import format_timestamp

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
#: what the ecs-logging spec's ``labels`` sanitisation replaces in a key
_NOT_IN_LABEL_KEY = re.compile(r"[.*\\]")
#: the longest label key kept (the schema's ``labels.*`` pattern allows no more)
MAX_LABEL_KEY: Final = 128
LOGGER_KEY: Final = "_logger"  # bound by get_logger(name): becomes log.logger
_MAX_CACHED_KEYS: Final = 4096
_MAX_CACHED_MESSAGES: Final = 1024


@cache
def label_key(key: str) -> str:
    """``labels.<key>``: the key as given (case and Unicode letters kept) but for the
    characters ECS forbids in it (``.``, ``*``, ``\\``), folded to ``_``; at most
    :data:`MAX_LABEL_KEY` characters."""
    folded = _NOT_IN_LABEL_KEY.sub("_", clean_text(key))[:MAX_LABEL_KEY]
    return f"labels.{folded or '_'}"


def _numbered(name: str, taken: Mapping[str, Any], record: Record) -> str:
    """``name_2``, ``name_3``...: the first that no other key took (cut to fit)."""
    number = 2
    while True:
        suffix = f"_{number}"
        candidate = name[: len("labels.") + MAX_LABEL_KEY - len(suffix)] + suffix
        if candidate not in taken and candidate not in record:
            return candidate
        number += 1


def valid_field(name: str, value: Any) -> bool:
    check = schema.field_validator(name)
    if check is None:
        return False
    try:
        check(value)
    except Exception:  # noqa: BLE001 - any failure means "keep it as a label"
        return False
    return True


_live_shapers: weakref.WeakSet[Shaper] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for shaper in list(_live_shapers):
        shaper._refresh_static()  # a forked worker has its own process.pid


os.register_at_fork(after_in_child=_after_fork_in_child)


class Shaper:
    """Builds records for one configuration."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.redactor = Redactor(config.redact_keys)
        self._scrub = self.redactor.text  # looked up once: called for every string written
        self._max_string = config.max_string
        self._static = self._static_fields()
        self._label_names: dict[Any, tuple[str, bool]] = {}
        #: label name -> the key that owns it, so two keys that fold alike keep both values
        self._label_owners: dict[str, str] = {}
        self._messages: dict[str, str] = {}
        #: fields every line gets from the head; trusted fields never replace them
        self._protected = frozenset({*schema.LEADING_FIELDS, *self._static})
        _live_shapers.add(self)

    def _static_fields(self) -> Record:
        cfg = self.config
        fields: Record = {"service.name": cfg.service}
        if cfg.version:
            fields["service.version"] = cfg.version
        if cfg.environment:
            fields["service.environment"] = cfg.environment
        fields["service.node.name"] = cfg.node
        fields["event.dataset"] = cfg.event_dataset
        fields["process.pid"] = os.getpid()
        fields["hopscope.schema_version"] = schema.SCHEMA_VERSION
        fields["ecs.version"] = schema.ECS_VERSION
        return fields

    def _refresh_static(self) -> None:
        self._static = self._static_fields()

    # -- pieces of a record -------------------------------------------------------------

    def head(self, level: str, message: Any, ns: int | None = None) -> Record:
        """The leading fields and the service's static ones, in the schema's order."""
        # Messages are mostly constant strings: their cleaned form is looked up, not redone.
        text = self._messages.get(message) if type(message) is str else None
        cut = False
        if text is None:
            text = message if type(message) is str else message_text(message)
            if not text.isascii():
                text = clean_text(text)
            text = self._scrub(text)
            cut = len(text) > self._max_string
            if cut:
                text = truncate(text, self._max_string)[0]
            elif type(message) is str and len(self._messages) < _MAX_CACHED_MESSAGES:
                self._messages[message] = text
        record: Record = {
            "@timestamp": format_timestamp(time.time_ns() if ns is None else ns),
            "log.level": level,
            "message": text,
            **self._static,
        }
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
        """User keywords: always under ``labels.*``, never over a schema field. A value that
        cannot be written (``10**5000`` has no text) is replaced alone, by a marker."""
        names = self._label_names
        for key, value in items:
            entry = names.get(key)
            if entry is None:
                entry = self._label_entry(key, record)
            name, secret = entry
            if secret:
                record[name] = REDACTED
                continue
            kind = type(value)
            try:
                # Exact type checks first: the common scalars need no conversion at all.
                if kind is int:
                    if -(2**63) <= value < 2**64:
                        record[name] = value
                        continue
                    text = str(value)
                elif kind is str:
                    text = value
                elif kind is float:
                    if math.isfinite(value):
                        record[name] = value
                        continue
                    text = str(value)
                elif kind is bool or value is None:
                    record[name] = value
                    continue
                else:
                    plain = self._plain(value)
                    if not isinstance(plain, str):
                        record[name] = plain
                        continue
                    text = plain
                if not text.isascii():
                    text = clean_text(text)
                text = self._scrub(text)
            except Exception as exc:  # noqa: BLE001 - one bad value must not lose the line
                record[name] = unwritable(value, exc)
                continue
            if len(text) > self._max_string:
                text = truncate(text, self._max_string)[0]
                record["hopscope.truncated"] = True
            record[name] = text

    def _label_entry(self, key: Any, record: Record) -> tuple[str, bool]:
        """The label name and secrecy of a key seen for the first time.

        Two keys that fold to one name (``a.b`` and ``a*b``; ``a.b`` and ``a_b``) keep both
        values: the key that is the name as written owns it, the others get ``_2``,
        ``_3``... for the life of the process (a value written under the name already, on
        this line, moves with its key)."""
        text = key if isinstance(key, str) else safe_repr(key)
        name = label_key(text)
        secret = self.redactor.is_secret_key(text)
        owners = self._label_owners
        owner = owners.get(name)
        if owner is not None and owner != text:
            if name == f"labels.{text}":  # the key written as the name takes it back
                moved = _numbered(name, owners, record)
                owners[moved] = owner
                previous = self._label_names.get(owner)
                if previous is not None:
                    self._label_names[owner] = (moved, previous[1])
                if name in record:
                    record[moved] = record.pop(name)
            else:
                name = _numbered(name, owners, record)
        elif owner is None and name in record and name != f"labels.{text}":
            name = _numbered(name, owners, record)  # past the cache: this line's own check
        entry = (name, secret)
        if len(self._label_names) < _MAX_CACHED_KEYS:
            owners[name] = text
            self._label_names[key] = entry
        return entry

    def _plain(self, value: Any) -> Any:
        """A label value of another type: a scalar, or JSON text of a redacted structure."""
        try:
            plain = to_plain(value)
            if isinstance(plain, dict | list):
                return to_json_text(self.redactor.value(plain))
        except Exception as exc:  # noqa: BLE001 - hostile containers must not lose the line
            return unwritable(value, exc)
        return plain

    def add_error(self, record: Record, exc: BaseException) -> None:
        limit = self.config.max_string * 8  # stack traces deserve more room than labels
        for name, text in error_fields(exc).items():
            text, cut = truncate(self.redactor.text(clean_text(text)), limit)
            record[name] = text
            if cut:
                record["hopscope.truncated"] = True
        if record["log.level"] in ("debug", "info", "warning"):
            record["log.level"] = "error"

    def add_stack(self, record: Record, stack: str) -> None:
        """``hopscope.stack_info``: the stack at the call (``stack_info=True``), redacted."""
        text, cut = truncate(self.redactor.text(clean_text(stack)), self.config.max_string * 8)
        record["hopscope.stack_info"] = text
        if cut:
            record["hopscope.truncated"] = True

    def add_trusted(self, record: Record, fields: Mapping[str, Any]) -> None:
        """Schema fields from the SDK's own code; anything invalid is kept as a label."""
        strays: list[tuple[str, Any]] = []
        protected = self._protected
        for name, value in fields.items():
            if value is None:
                continue
            if name in protected:
                strays.append((name, value))
                continue
            if not isinstance(value, str):
                value = to_plain(value)  # what would be rendered is what gets validated
            if isinstance(value, str):
                if name == "url.full":
                    value = self.redactor.url(value)
                elif name == "url.path":
                    value = self.redactor.path(clean_text(value))
                else:
                    value = clean_text(value)
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

    def from_call(
        self,
        level: str,
        event: Any,
        args: tuple[Any, ...],
        bound: Mapping[str, Any],
        keywords: dict[str, Any],
    ) -> Record:
        """One ``log.<level>(event, *args, **keywords)`` call of a logger with *bound* context."""
        if args:
            event = interpolate(event, args)
        record = self.head(level, event)
        logger_name = bound.get(LOGGER_KEY)
        if logger_name:
            record["log.logger"] = logger_name if type(logger_name) is str else str(logger_name)
        self.add_context(record)
        labels = context.bound_labels()
        if labels:
            self.add_labels(record, labels.items())
        if len(bound) > (logger_name is not None):
            self.add_labels(record, ((k, v) for k, v in bound.items() if k != LOGGER_KEY))
        exc = None
        if keywords:
            if "exc_info" in keywords:
                exc = exception_of(keywords.pop("exc_info"))
            if "stack_info" in keywords and keywords.pop("stack_info") is True:
                self.add_stack(record, caller_stack())
            self.add_labels(record, keywords.items())
        if exc is not None:
            self.add_error(record, exc)
        return record

    def from_structlog(self, method_name: str, event_dict: MutableMapping[str, Any]) -> Record:
        """An event dict of structlog's generic processor path (``structlog.get_logger()``
        used directly rather than ``sdk.get_logger``)."""
        level = LEVEL_OF_METHOD.get(method_name, "info")
        event = event_dict.pop("event", "")
        keywords = {k: event_dict.pop(k) for k in ("exc_info", "stack_info") if k in event_dict}
        return self.from_call(level, event, (), event_dict, keywords)

    def trusted(self, level: str, message: str, fields: Mapping[str, Any]) -> Record:
        """A record of the SDK's own: schema fields checked one by one, strays as labels."""
        record = self.head(LEVEL_OF_METHOD.get(level, "info"), message)
        self.add_context(record)
        self.add_trusted(record, fields)
        return record

    def failure(self, exc: BaseException, fields: Mapping[str, Any]) -> Record:
        """A valid record saying a call could not be shaped, rather than no line at all."""
        return self.trusted(
            "error", f"hopscope could not shape a record: {type(exc).__name__}", fields
        )


def unwritable(value: object, exc: BaseException) -> str:
    """The marker that stands for a value that could not be written."""
    return f"<{type(value).__name__} (not renderable: {type(exc).__name__})>"


def render(record: Record) -> bytes:
    """One line: compact JSON and a newline. Never raises."""
    try:
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
    except (TypeError, orjson.JSONEncodeError):
        return orjson.dumps(to_plain(record), option=orjson.OPT_APPEND_NEWLINE)


def interpolate(event: Any, args: tuple[Any, ...]) -> str:
    """``event % args`` as structlog does it; bad arguments never lose the line."""
    try:
        if len(args) == 1 and isinstance(args[0], Mapping) and args[0]:
            return str(event % args[0])
        return str(event % args)
    except Exception:  # noqa: BLE001 - a bad format must not break logging
        return f"{message_text(event)} % {safe_repr(args)} (bad format arguments)"


def message_text(message: Any) -> str:
    if isinstance(message, bytes):
        return message.decode("utf-8", "backslashreplace")
    try:
        return str(message)
    except Exception:  # noqa: BLE001 - a broken __str__ must not break logging
        return f"<{type(message).__qualname__}: str() failed>"
