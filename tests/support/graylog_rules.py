"""What Graylog's GELF input does with a message, rule by rule, so the receivers in these
tests can refuse or flag what Graylog would refuse or drop.

From Graylog's ``GelfCodec`` (``validateGELFMessage`` and ``decode``) and ``Message.addField``
(graylog2-server), and the GELF 1.1 specification:

- refused, the message lost (over HTTP after the input answered 202): a ``host`` that is not
  a string or is blank; a ``short_message`` that is not a string, or blank while ``message``
  is blank or absent; neither ``short_message`` nor a non-blank string ``message``;
- dropped, the message kept without the field: a name that is not ``^[\\w.\\-@]*$`` (Java's
  ASCII ``\\w``) once its leading ``_`` is removed; a reserved name (``_id``, ``_source``,
  ``_index``, ...); a name taken by the core (``version``, ``host``, ``short_message``,
  ``full_message``, ``level``, ``file``, ``line``, ``facility``, ``message``, ``source``,
  ``timestamp``); a null, a boolean; a string left empty once trimmed (Graylog trims);
- the GELF 1.1 specification besides: ``version`` is ``"1.1"``, ``timestamp`` a number,
  ``level`` a syslog severity 0-7, every other field prefixed ``_`` and not ``_id``.
"""

from __future__ import annotations

import re
from typing import Any, Final

CORE: Final = frozenset({"version", "host", "short_message", "full_message", "timestamp", "level"})
OPTIONAL_CORE: Final = frozenset({"file", "line", "facility"})
TAKEN: Final = frozenset(
    {"short_message", "host", "full_message", "file", "line", "level", "facility"}
    | {"message", "source", "timestamp"}
)
RESERVED: Final = frozenset({"_id", "_ttl", "_source", "_all", "_index", "_type", "_score"})
VALID_KEY: Final = re.compile(r"^[\w.\-@]*$", re.ASCII)
SPEC_KEY: Final = re.compile(r"^_[\w.\-]*$", re.ASCII)


def _blank(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip()


def refusal(message: dict[str, Any]) -> str | None:
    """Why Graylog's GELF decoder refuses *message*, or ``None`` when it takes it."""
    if not isinstance(message, dict):
        return "not a JSON object"
    if "host" in message:
        if not isinstance(message["host"], str):
            return f'invalid "host": {message["host"]!r}'
        if not message["host"].strip():
            return 'empty mandatory "host" field'
    if "short_message" in message:
        if not isinstance(message["short_message"], str):
            return f'invalid "short_message": {message["short_message"]!r}'
        if _blank(message["short_message"]) and _blank(message.get("message")):
            return 'empty mandatory "short_message" field'
    elif "message" in message:
        if _blank(message["message"]):
            return 'invalid or empty mandatory "message" field'
    else:
        return 'missing mandatory "short_message" or "message" field'
    return None


def problems(message: dict[str, Any]) -> list[str]:
    """Every rule *message* breaks: Graylog's refusals, the fields it would drop, and the
    GELF 1.1 specification's rules."""
    found = []
    refused = refusal(message)
    if refused is not None:
        return [f"refused: {refused}"]
    if message.get("version") != "1.1":
        found.append(f"version {message.get('version')!r} is not '1.1'")
    if "host" not in message:
        found.append('no "host"')
    timestamp = message.get("timestamp")
    if "timestamp" in message and (
        isinstance(timestamp, bool) or not isinstance(timestamp, int | float)
    ):
        found.append(f"timestamp {timestamp!r} is not a number")
    level = message.get("level")
    if "level" in message and (
        isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 7
    ):
        found.append(f"level {level!r} is not a syslog severity 0-7")
    for key, value in message.items():
        if key in CORE or key in OPTIONAL_CORE:
            continue
        if not SPEC_KEY.match(key) or key == "_id":
            found.append(f"{key!r}: not an additional field name (^_[\\w.\\-]*$, not _id)")
            continue
        name = key[1:] if len(key) > 1 else key
        if key in RESERVED or name in RESERVED or name in TAKEN or not VALID_KEY.match(name):
            found.append(f"{key!r}: a name Graylog drops")
        elif value is None or isinstance(value, bool | list | dict):
            found.append(f"{key!r}: a {type(value).__name__} value Graylog drops or rewrites")
        elif isinstance(value, str) and not value.strip():
            found.append(f"{key!r}: a blank string, which Graylog trims away")
    return found
