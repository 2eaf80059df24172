"""Entries to records: decode, validate, and keep whatever fails as an unstructured record.

A line goes through a short pipeline of steps; the first one that cannot go on says why,
and the line becomes an ``unstructured`` record carrying its raw text, that reason and
where it was read. Nothing is dropped except blank lines, which are counted. A UTF-8 byte
order mark or white space before a JSON object is not part of it: the object is read.

Raw text that is not UTF-8 is decoded with ``backslashreplace`` (byte 0xff becomes the four
characters ``\\xff``) so the record stays valid JSON; the SQLite store also keeps the exact
bytes in its ``raw`` column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import orjson

from collector.timestamps import now_rfc3339
from collector.transforms.lines import Line
from collector.transforms.origin import Origin
from collector.transforms.record import CollectedRecord, record_id, record_ids
from collector.transforms.traceback_grouping import starts_traceback
from collector.transforms.validation import RecordValidator, record_validator
from sdk.schema import SCHEMA_VERSION

MESSAGE_MAX_CHARS: Final = 1000
UNKNOWN_SERVICE: Final = "unknown"
#: written first by some editors and Windows tools; never part of a record
UTF8_BOM: Final = b"\xef\xbb\xbf"


@dataclass(slots=True)
class ParseOutcome:
    records: list[CollectedRecord]
    blank: int  # blank lines skipped (counted, never stored)


class Parser:
    """Turns the lines of one origin into records."""

    def __init__(
        self, validator: RecordValidator | None = None, clock: Callable[[], str] = now_rfc3339
    ) -> None:
        self._validator = validator or record_validator()
        self._clock = clock

    def parse(self, origin: Origin, lines: list[Line]) -> ParseOutcome:
        records: list[CollectedRecord] = []
        blank = 0
        name = origin.name
        make_id = record_ids(origin.identity)
        is_valid = self._validator.is_valid
        loads = orjson.loads
        append = records.append
        for line in lines:
            data = line.data
            if data[:1] != b"{":
                data = data.removeprefix(UTF8_BOM).lstrip()  # what may come before an object
                if not data:
                    blank += 1
                    continue
            if data[:1] == b"{" and not line.truncated:
                try:
                    doc = loads(data)
                except orjson.JSONDecodeError as exc:
                    append(self.unstructured(origin, line, f"not JSON: {exc}", None))
                    continue
                # the reference validator has the last word on what the fast one refuses
                valid = type(doc) is dict and is_valid(doc)
                reason = None if valid else self._validator.problem(doc)
                if reason is None:
                    offset = line.offset
                    rid = make_id(offset)
                    doc["hopscope.record.id"] = rid
                    doc["hopscope.source.name"] = name
                    doc["hopscope.source.offset"] = offset
                    append(CollectedRecord(rid, doc, name, offset))
                    continue
                append(
                    self.unstructured(
                        origin, line, f"not valid against schema v{SCHEMA_VERSION}: {reason}", doc
                    )
                )
            elif line.truncated:
                append(
                    self.unstructured(
                        origin, line, "line longer than the maximum size, kept truncated", None
                    )
                )
            else:
                append(self.unstructured(origin, line, "not JSON", None))
        return ParseOutcome(records, blank)

    def unstructured(self, origin: Origin, line: Line, reason: str, doc: Any) -> CollectedRecord:
        raw: bytes | None = None
        try:
            text = line.data.decode("utf-8")
        except UnicodeDecodeError:
            text = line.data.decode("utf-8", "backslashreplace")
            raw = line.data
            reason = f"{reason} (not UTF-8: bytes shown as \\xNN)"
        rid = record_id(origin.identity, line.offset)
        service = origin.service or UNKNOWN_SERVICE
        if isinstance(doc, dict):  # JSON that failed the schema may still name its service
            named = doc.get("service.name")
            if isinstance(named, str) and named:
                service = named
        lines = text.split("\n")
        out: dict[str, Any] = {
            "@timestamp": line.time or self._clock(),  # when written if known, else read
            "log.level": "info",
            "message": _cut(lines[0]),
            "service.name": service,
            "hopscope.schema_version": SCHEMA_VERSION,
            "event.original": text,
            "hopscope.unstructured.reason": reason,
            "hopscope.record.id": rid,
            "hopscope.source.name": origin.name,
            "hopscope.source.offset": line.offset,
        }
        if line.truncated:
            out["hopscope.truncated"] = True
        if starts_traceback(line.data):
            _describe_traceback(out, lines, text)
        return CollectedRecord(rid, out, origin.name, line.offset, unstructured=True, raw=raw)


def _describe_traceback(doc: dict[str, Any], lines: list[str], text: str) -> None:
    """A traceback's last unindented line names the exception: make it an error record."""
    doc["log.level"] = "error"
    doc["error.stack_trace"] = text
    for candidate in reversed(lines):
        if candidate.strip() and not candidate[:1].isspace():
            kind, _, message = candidate.partition(":")
            if kind and " " not in kind.strip():
                doc["error.type"] = kind.strip()
                doc["error.message"] = message.strip()
            doc["message"] = _cut(candidate)
            break


def _cut(text: str) -> str:
    return text if len(text) <= MESSAGE_MAX_CHARS else text[:MESSAGE_MAX_CHARS] + "…"
