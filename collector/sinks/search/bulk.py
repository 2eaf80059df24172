"""The ``_bulk`` request body and the reading of its per-item answers.

Bodies are built as bytes with orjson: one ``create`` action (the record id as ``_id``, so a
re-sent record answers 409 instead of being stored twice) and the flat document per record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Final

import orjson

from collector.sinks.search.roots import encode_doc
from collector.transforms.record import CollectedRecord
from sdk.schema.index_template import index_name

#: Largest body sent in one request; bigger batches are cut into several requests.
DEFAULT_MAX_BODY_BYTES: Final = 8 * 1024 * 1024


def dated_index(doc: Mapping[str, Any]) -> str:
    """The dated index of a document, by its ``@timestamp`` (today's when it has none)."""
    stamp = doc.get("@timestamp")
    if isinstance(stamp, str) and stamp.endswith("Z"):
        # One name per day: look the few days seen up instead of formatting per record.
        day = stamp[:10]
        name = _DAY_CACHE.get(day)
        if name is None:
            name = index_name(stamp)
            if len(_DAY_CACHE) < 4096:
                _DAY_CACHE[day] = name
        return name
    try:
        return index_name(stamp if isinstance(stamp, str) else "")
    except ValueError:
        return index_name(datetime.now(UTC))


_DAY_CACHE: dict[str, str] = {}


def fixed_index(name: str) -> Callable[[Mapping[str, Any]], str]:
    """Every document to one target (a data stream or an alias)."""

    def target(doc: Mapping[str, Any]) -> str:
        return name

    return target


@dataclass(slots=True)
class BulkChunk:
    """Records and the body that carries them, in the same order."""

    records: list[CollectedRecord]
    body: bytes


#: No root marks (record id -> ``hopscope.hop.root``).
NO_MARKS: Final[Mapping[str, bool]] = {}


def encode_item(record: CollectedRecord, index: str, marks: Mapping[str, bool] = NO_MARKS) -> bytes:
    doc = encode_doc(record.doc, marks.get(record.id))
    return _action_prefix(index) + _id(record.id) + b'"}}\n' + doc + b"\n"


def _id(rid: str) -> bytes:
    # Record ids are hex digests; anything else is JSON-escaped.
    return rid.encode() if rid.isalnum() else orjson.dumps(rid)[1:-1]


_PREFIXES: dict[str, bytes] = {}


def _action_prefix(index: str) -> bytes:
    prefix = _PREFIXES.get(index)
    if prefix is None:
        prefix = b'{"create":{"_index":%s,"_id":"' % orjson.dumps(index)
        if len(_PREFIXES) < 4096:
            _PREFIXES[index] = prefix
    return prefix


def chunks(
    records: Sequence[CollectedRecord],
    target: Callable[[Mapping[str, Any]], str],
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    marks: Mapping[str, bool] = NO_MARKS,
) -> Iterator[BulkChunk]:
    """Cut *records* into bodies of at most *max_body_bytes* (a single larger item is sent
    alone; the server decides whether it fits); the server hops carry their *marks*."""
    batch: list[CollectedRecord] = []
    parts: list[bytes] = []
    size = 0
    dumps, prefix = orjson.dumps, _action_prefix
    for record in records:
        # Hot loop: one bytes object per record, no intermediate strings.
        mark = marks.get(record.id) if marks else None
        doc = dumps(record.doc) if mark is None else encode_doc(record.doc, mark)
        item = prefix(target(record.doc)) + _id(record.id) + b'"}}\n' + doc
        item_size = len(item) + 1
        if batch and size + item_size > max_body_bytes:
            yield BulkChunk(batch, b"\n".join(parts) + b"\n")
            batch, parts, size = [], [], 0
        batch.append(record)
        parts.append(item)
        size += item_size
    if batch:
        yield BulkChunk(batch, b"\n".join(parts) + b"\n")


class Outcome(Enum):
    STORED = "stored"  # created, or already there (409 on create)
    RETRY = "retry"  # overloaded or failing shard: send again, alone, after a pause
    REJECTED = "rejected"  # the document itself is refused: dead letter with the reason
    BLOCKED = "blocked"  # the index refuses writes (read-only, disk watermark): pause


#: Item errors about the index or the cluster rather than the document: the operator
#: fixes them (opens the index, enables data streams, allows auto-creation), so the record
#: waits instead of becoming a dead letter.
CLUSTER_STATE_ERRORS: Final = frozenset(
    {
        "cluster_block_exception",
        "index_closed_exception",
        "index_not_found_exception",
        "invalid_index_name_exception",
        "unsupported_operation_exception",
    }
)


def item_outcome(status: int, error: Any) -> Outcome:
    if status < 300 or status == 409:
        return Outcome.STORED
    if status == 429 or status >= 500:
        return Outcome.RETRY
    if status in (401, 403, 404) or _error_type(error) in CLUSTER_STATE_ERRORS:
        return Outcome.BLOCKED
    return Outcome.REJECTED


def _error_type(error: Any) -> str:
    return str(error.get("type", "")) if isinstance(error, Mapping) else ""


def error_reason(status: int, error: Any) -> str:
    """The server's reason for an item, in one line: ``400 mapper_parsing_exception: failed
    to parse field [event.duration] ... (caused by illegal_argument_exception: ...)``."""
    if not isinstance(error, Mapping):
        return f"{status} {error}" if error else f"{status}"
    text = f"{status} {error.get('type', 'error')}: {error.get('reason', '')}"
    cause = error.get("caused_by")
    if isinstance(cause, Mapping):
        text += f" (caused by {cause.get('type', 'error')}: {cause.get('reason', '')})"
    return text


def items(response: Mapping[str, Any]) -> list[tuple[int, Any]]:
    """``(status, error)`` per item of a ``_bulk`` answer, in request order."""
    out: list[tuple[int, Any]] = []
    for entry in response.get("items", ()):
        result: Mapping[str, Any] = (
            next(iter(entry.values()), {}) if isinstance(entry, Mapping) else {}
        )
        out.append((int(result.get("status", 500)), result.get("error")))
    return out
