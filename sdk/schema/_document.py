"""The record schema as shipped: the JSON Schema file beside this module, loaded once, and its
patterns read as the schema means them. Everything else in this package derives from it."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Final, TypeAlias

#: One record: field name -> value, the JSON object of one line. The SDK builds them, the
#: collector stores them, the dashboards, the hop chain and sdk.testing read them.
Record: TypeAlias = dict[str, Any]

SCHEMA_FILE: Final = "record.schema.json"
SCHEMA_VERSION: Final = "2"
ECS_VERSION: Final = "8.11.0"

#: Keys that open every line, in this order (the ECS logging convention).
LEADING_FIELDS: Final = ("@timestamp", "log.level", "message")


@cache
def schema_text() -> str:
    """The schema file as shipped, byte for byte."""
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


@cache
def schema() -> Mapping[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


@cache
def fields() -> Mapping[str, Mapping[str, Any]]:
    """Every named field with its JSON Schema definition."""
    props: Mapping[str, Mapping[str, Any]] = schema()["properties"]
    return props


#: an unescaped ``$`` (sets included), as fastjsonschema finds it
_DOLLAR: Final = re.compile(r"(?<!\\)\$")
#: Python's inline flag for ECMA 262's classes: ``\\d`` is [0-9] and ``\\w`` [A-Za-z0-9_]
#: (Python's match every Unicode digit and letter). ``\\s`` would differ (ECMA's takes
#: Unicode spaces); no pattern of the schema uses it.
ECMA_CLASSES: Final = "(?a)"


def schema_pattern(pattern: str) -> re.Pattern[str]:
    """A JSON Schema pattern as the schema means it (ECMA 262): ``$`` ends the string, where
    Python's ``$`` also matches before a final newline, and ``\\d`` is an ASCII digit, where
    Python's also takes full-width and Arabic-Indic digits. fastjsonschema turns ``$`` into
    ``\\Z`` the same way, and the reference validator hands it patterns under
    :data:`ECMA_CLASSES`, so ``"GET\\n"`` fails ``^[A-Z]+$`` and a year of full-width digits
    fails ``^\\d{4}-`` in both."""
    return re.compile(_DOLLAR.sub(r"\\Z", pattern), re.ASCII)
