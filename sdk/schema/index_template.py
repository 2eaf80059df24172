"""Index layout on Elasticsearch / OpenSearch, shared by the collector (writes) and the
dashboards' query layer (reads).

Records are stored as the flat dotted documents the services wrote (the server expands the
dots into objects), one index per UTC day, ``_id`` = the record's deterministic id. The
mapping is generated from the schema here, in one place, so a new schema field is mapped
without restating it:

- strings: ``keyword`` (ids, names, enums, routes), except the free-text fields in
  :data:`TEXT_FIELDS` (``text``; ``message`` also keeps a ``keyword`` subfield);
- strings with the RFC 3339 pattern: ``date``, with a ``nanos`` subfield of type
  ``date_nanos`` that keeps their microseconds (``@timestamp.nanos``; a time before 1970 or
  after 2262 leaves the subfield empty rather than refusing the record);
- integers: ``long`` (``event.duration`` is nanoseconds and outgrows ``integer``);
- booleans: ``boolean``;
- the open-ended families (``labels.*``, ``http.request.header.*``): one field each of the
  server's flat type, so that no count of keys can reach the index's field limit
  (Elasticsearch ``flattened``, OpenSearch 2.7+ ``flat_object``; every value an exact
  keyword, searched as ``labels.tenant`` all the same), or, for a server with neither
  (:data:`DYNAMIC_FAMILIES`), ``keyword`` per key via dynamic templates, where about a
  thousand distinct keys in a daily index reach the default field limit.

Fields outside the schema are kept in ``_source`` but not indexed (``dynamic: false`` on the
root), while a value that contradicts the mapping (text in ``event.duration``) is still
refused by the server with a 400, which the sink turns into a dead letter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from sdk import schema
from sdk.schema import names

#: Every index the collector writes matches this (dated indices and the data stream alike).
INDEX_PATTERN: Final = "hopscope-records-*"
INDEX_PREFIX: Final = "hopscope-records-"
#: Name of the composable index template installed by the sink.
TEMPLATE_NAME: Final = "hopscope-records"
#: Data stream name, when the sink is configured to write to one instead of dated indices.
DATA_STREAM: Final = "hopscope-records-stream"

#: Free text: analysed, searchable by words.
TEXT_FIELDS: Final = frozenset(
    {names.MESSAGE, names.ERROR_MESSAGE, names.ERROR_STACK_TRACE, names.EVENT_ORIGINAL}
)
#: Text fields that also keep their exact value for sorting and aggregation.
TEXT_WITH_KEYWORD: Final = frozenset({names.MESSAGE})

#: Longer keyword values are kept in ``_source`` but not indexed: a single term may not
#: exceed 32 KiB in Lucene, and an oversized body excerpt must not reject its record.
KEYWORD_IGNORE_ABOVE: Final = 8191
#: Exact-value subfield of ``message``, for terms aggregations on short messages.
MESSAGE_KEYWORD_IGNORE_ABOVE: Final = 1024

#: The families' mapping on a server without a flat type: one keyword field per key.
DYNAMIC_FAMILIES: Final = "dynamic"
#: The flat type of each server kind, tried first; :data:`DYNAMIC_FAMILIES` after it.
FLAT_TYPES: Final[Mapping[str, str]] = {"elasticsearch": "flattened", "opensearch": "flat_object"}
#: Subfield of each date field that keeps its nanoseconds.
NANOS_SUBFIELD: Final = "nanos"

_DATE_PATTERN_START: Final = re.compile(r"^\^\\d\{4\}-\\d\{2\}-\\d\{2\}T")


def index_name(timestamp: datetime | str) -> str:
    """The dated index a record with this ``@timestamp`` belongs to (UTC day).

    >>> index_name("2026-11-25T14:41:06.123456Z")
    'hopscope-records-2026.11.25'
    """
    if isinstance(timestamp, str):
        # Fast path: the SDK writes UTC with a ``Z``; the day is the first ten characters.
        if timestamp.endswith("Z") and len(timestamp) >= 10:
            day = timestamp[:10]
            return f"{INDEX_PREFIX}{day[0:4]}.{day[5:7]}.{day[8:10]}"
        timestamp = datetime.fromisoformat(timestamp)
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=UTC)
    return f"{INDEX_PREFIX}{timestamp.astimezone(UTC):%Y.%m.%d}"


def field_type(name: str, definition: Mapping[str, Any]) -> dict[str, Any]:
    """The index mapping of one schema field, from its JSON Schema definition."""
    kind = definition.get("type")
    if kind == "integer":
        return {"type": "long"}
    if kind == "number":
        return {"type": "double"}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind != "string":
        # Mixed types (``labels.*``): an exact value is the only mapping all of them fit.
        return {"type": "keyword", "ignore_above": KEYWORD_IGNORE_ABOVE}
    if _is_date(definition):
        nanos = {"type": "date_nanos", "ignore_malformed": True}
        return {"type": "date", "fields": {NANOS_SUBFIELD: nanos}}
    if name in TEXT_FIELDS:
        mapped: dict[str, Any] = {"type": "text"}
        if name in TEXT_WITH_KEYWORD:
            mapped["fields"] = {
                "keyword": {"type": "keyword", "ignore_above": MESSAGE_KEYWORD_IGNORE_ABOVE}
            }
        return mapped
    return {"type": "keyword", "ignore_above": KEYWORD_IGNORE_ABOVE}


def _is_date(definition: Mapping[str, Any]) -> bool:
    if definition.get("format") == "date-time":
        return True
    pattern = definition.get("pattern")
    return isinstance(pattern, str) and bool(_DATE_PATTERN_START.match(pattern))


def field_types() -> dict[str, dict[str, Any]]:
    """Dotted schema field -> its mapping (the query layer reads this to pick
    ``message.keyword`` for exact matches, ranges for dates, and so on)."""
    return {name: field_type(name, d) for name, d in schema.fields().items()}


def _family_prefix(pattern: str) -> str:
    """``^labels\\.[a-z0-9_]+$`` -> ``labels``: the object a pattern family lives in."""
    literal = pattern.removeprefix("^").split("[", 1)[0]
    return literal.replace("\\.", ".").rstrip(".")


def dynamic_templates() -> list[dict[str, Any]]:
    """One dynamic template per pattern family of the schema, all as exact values."""
    templates: list[dict[str, Any]] = []
    for regex, definition in schema.field_patterns():
        prefix = _family_prefix(regex.pattern)
        mapped = field_type(prefix + ".*", definition)
        if mapped["type"] in ("text", "date"):
            mapped = {"type": "keyword", "ignore_above": KEYWORD_IGNORE_ABOVE}
        templates.append(
            {
                prefix.replace(".", "_"): {
                    "path_match": prefix + ".*",
                    "mapping": mapped,
                }
            }
        )
    return templates


def _nest(flat: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """Dotted names -> nested ``properties`` objects (the form every server version takes)."""
    root: dict[str, Any] = {}
    for name, mapped in sorted(flat.items()):
        parts = name.split(".")
        level = root
        for part in parts[:-1]:
            node = level.setdefault(part, {"properties": {}})
            if "properties" not in node:
                raise ValueError(f"schema field {name!r} nests under the scalar {part!r}")
            level = node["properties"]
        if parts[-1] in level:
            raise ValueError(f"schema field {name!r} is both a scalar and an object")
        level[parts[-1]] = mapped
    return root


def mappings(families: str = DYNAMIC_FAMILIES) -> dict[str, Any]:
    """The ``mappings`` section: every schema field, plus the families, each one field of
    the flat type *families* (``flattened``, ``flat_object``) or, with
    :data:`DYNAMIC_FAMILIES`, one keyword field per key."""
    properties = _nest(field_types())
    for regex, _ in schema.field_patterns():
        parts = _family_prefix(regex.pattern).split(".")
        level = properties
        for part in parts[:-1]:
            level = level.setdefault(part, {"properties": {}})["properties"]
        if families == DYNAMIC_FAMILIES:
            # The families' parent objects accept new keys (mapped by the dynamic
            # templates) although the root ignores unknown fields.
            level.setdefault(parts[-1], {"properties": {}})["dynamic"] = True
        else:
            level[parts[-1]] = {"type": families}
    body: dict[str, Any] = {
        "dynamic": False,
        "date_detection": False,
        "numeric_detection": False,
    }
    if families == DYNAMIC_FAMILIES:
        body["dynamic_templates"] = dynamic_templates()
    body["properties"] = properties
    body["_meta"] = {names.HOPSCOPE_SCHEMA_VERSION: schema.SCHEMA_VERSION}
    return body


def index_template(
    *,
    data_stream: bool = False,
    shards: int = 1,
    replicas: int | None = None,
    families: str = DYNAMIC_FAMILIES,
) -> dict[str, Any]:
    """The composable index template body (``PUT _index_template/hopscope-records``).

    Dated indices are the default; ``data_stream=True`` adds the data stream marker, for
    servers that support data streams (Elasticsearch 7.9+, OpenSearch 1.0+). *families*
    maps the open-ended families, as :func:`mappings` says (``FLAT_TYPES[kind]`` for a
    server of that kind).
    """
    settings: dict[str, Any] = {"number_of_shards": shards}
    if replicas is not None:
        settings["number_of_replicas"] = replicas
    body: dict[str, Any] = {
        "index_patterns": [INDEX_PATTERN],
        "priority": 200,
        "version": int(schema.SCHEMA_VERSION),
        "template": {"settings": {"index": settings}, "mappings": mappings(families)},
        "_meta": {
            "description": "hopscope log records, generated from the record schema",
            names.HOPSCOPE_SCHEMA_VERSION: schema.SCHEMA_VERSION,
        },
    }
    if data_stream:
        body["data_stream"] = {}
    return body


__all__ = [
    "DATA_STREAM",
    "DYNAMIC_FAMILIES",
    "FLAT_TYPES",
    "INDEX_PATTERN",
    "INDEX_PREFIX",
    "KEYWORD_IGNORE_ABOVE",
    "MESSAGE_KEYWORD_IGNORE_ABOVE",
    "NANOS_SUBFIELD",
    "TEMPLATE_NAME",
    "TEXT_FIELDS",
    "TEXT_WITH_KEYWORD",
    "dynamic_templates",
    "field_type",
    "field_types",
    "index_name",
    "index_template",
    "mappings",
]
