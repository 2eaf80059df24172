"""``hop_records``: every line the SDK writes in this process during a test, kept in memory
instead of reaching stdout, each checked against the record schema."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson

from sdk.chain import build_tree, tree_to_dict
from sdk.log._output import LineWriter
from sdk.schema import Record, names, problem
from sdk.testing._chain_text import chain_mismatch

_HOP_KIND = names.HOPSCOPE_HOP_KIND
_TRACE_ID = names.TRACE_ID
_SERVICE = names.SERVICE_NAME
_LEVEL = names.LOG_LEVEL
_MESSAGE = names.MESSAGE


@dataclass(frozen=True, slots=True)
class InvalidLine:
    """A line the SDK wrote that is not a valid record: its number (from 1), text, reason."""

    number: int
    text: str
    reason: str


class HopRecords:
    """The records written while the capture is on, in the order they were written."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lines: list[Record] = []
        self._invalid: list[InvalidLine] = []
        self._count = 0

    def _take(self, line: bytes) -> None:
        text = line.decode("utf-8", "replace").rstrip("\n")
        reason: str | None
        record: Any = None
        try:
            record = orjson.loads(line)
            reason = problem(record)
        except orjson.JSONDecodeError as exc:
            reason = f"not JSON ({exc})"
        with self._lock:
            self._count += 1
            if reason is None:
                self._lines.append(record)
            else:
                self._invalid.append(InvalidLine(self._count, text, reason))

    @property
    def lines(self) -> list[Record]:
        """Every valid record, as dicts, in order."""
        with self._lock:
            return list(self._lines)

    @property
    def invalid(self) -> list[InvalidLine]:
        """The lines that are not valid records (the test fails when there are any)."""
        with self._lock:
            return list(self._invalid)

    def hops(self, service: str | None = None, kind: str | None = None) -> list[Record]:
        """Hop records, optionally of one service and one kind (server, client, internal)."""
        return [
            r
            for r in self.lines
            if _HOP_KIND in r
            and (service is None or r.get(_SERVICE) == service)
            and (kind is None or r.get(_HOP_KIND) == kind)
        ]

    def logs(
        self, level: str | None = None, message: str | None = None, **fields: Any
    ) -> list[Record]:
        """The other lines: of a level, whose message contains ``message``, and whose fields
        have the values given (``cart_id=7`` matches ``cart_id``, ``labels.cart_id`` or
        ``cart.id``)."""
        found = []
        for record in self.lines:
            if _HOP_KIND in record:
                continue
            if level is not None and record.get(_LEVEL) != level.lower():
                continue
            if message is not None and message not in str(record.get(_MESSAGE, "")):
                continue
            if all(_field(record, name) == value for name, value in fields.items()):
                found.append(record)
        return found

    def trace_ids(self) -> list[str]:
        """The trace ids of the hop records, oldest first (by their last hop)."""
        order: dict[str, None] = {}
        for record in self.hops():
            trace_id = record.get(_TRACE_ID)
            if isinstance(trace_id, str):
                order.pop(trace_id, None)
                order[trace_id] = None
        return list(order)

    def chain(self, trace_id: str | None = None) -> dict[str, Any]:
        """The rebuilt hop chain of one trace, as ``hopscope trace --json`` prints it: the
        only trace, or the newest one, when no id is given."""
        trace_id = trace_id or self._newest_trace()
        records = [r for r in self.lines if r.get(_TRACE_ID) == trace_id]
        if not any(_HOP_KIND in r for r in records):
            raise AssertionError(f"hop_records: no hop record of trace {trace_id} was written")
        return tree_to_dict(build_tree(records))

    def assert_chain(self, text: str, trace_id: str | None = None) -> None:
        """Fail unless the chain of the trace is the one written in ``text`` (one line per
        server hop ``SERVICE METHOD ROUTE [STATUS]``, ``-> SERVICE METHOD PATH [STATUS]``
        for a call whose callee wrote no server hop, two more spaces per level, siblings in
        any order)."""
        chain = self.chain(trace_id)
        mismatch = chain_mismatch(text, chain)
        if mismatch is not None:
            raise AssertionError(mismatch)

    def _newest_trace(self) -> str:
        traces = self.trace_ids()
        if not traces:
            raise AssertionError("hop_records: no hop record was written during the test")
        return traces[-1]

    def problems(self) -> str | None:
        """Why the test must fail, or None: the lines that are not valid records."""
        invalid = self.invalid
        if not invalid:
            return None
        described = "\n".join(f"  line {i.number}: {i.reason}\n    {i.text}" for i in invalid)
        return f"hop_records: {len(invalid)} line(s) written are not valid records:\n{described}"


def _field(record: Mapping[str, Any], name: str) -> Any:
    for key in (name, f"labels.{name}", name.replace("_", ".")):
        if key in record:
            return record[key]
    return _MISSING


_MISSING = object()


@contextmanager
def capturing(records: HopRecords) -> Iterator[HopRecords]:
    """Send every line any of the SDK's writers writes to ``records`` instead of its stream
    (and to the capture this one is nested in, if any: a check inside a test that has
    ``hop_records`` leaves the test's records whole)."""
    original: Callable[[LineWriter, bytes], None] = LineWriter.write
    outer = original if getattr(original, _CAPTURE, False) else None

    def write(writer: LineWriter, line: bytes) -> None:
        records._take(line)
        if outer is not None:
            outer(writer, line)

    setattr(write, _CAPTURE, True)
    LineWriter.write = write  # type: ignore[method-assign, assignment]
    try:
        yield records
    finally:
        LineWriter.write = original  # type: ignore[method-assign, assignment]


#: marks a ``LineWriter.write`` that is a capture's
_CAPTURE = "_hopscope_capture"
