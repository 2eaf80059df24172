"""Root marks: ``hopscope.hop.root`` on every server hop the search sink writes.

A request's root is a server hop whose caller's hop is not stored: it has no parent, or
no stored hop carries its ``parent.id`` as its ``span.id``. A search engine cannot ask
that of one document, so the sink marks each server hop as it writes it:

- ``true``: no parent; or a parent no hop this sink stored (or is storing in the same
  write) carries. Such a hop is a candidate: a callee's hop usually ends, and is written,
  before its caller's client hop, and the caller's hop may have been stored before the
  collector started or by another collector;
- ``false``: the caller's hop is stored.

A candidate waits (by its parent id) for the caller's hop; when this sink stores that hop
later, the candidate is updated to ``false`` (one ``update`` action by id). Marks are
therefore a superset of the roots: the store's request search takes the marked hops and
checks the few that have a parent against the stored hops, so a candidate whose caller's
hop arrived another way (another collector, a restart in between, a data stream, where
documents cannot be updated by the stream's name) is still left out. What is remembered
is bounded: a hop forgotten leaves its late callee a candidate, not a wrong answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from collector.transforms.record import CollectedRecord
from sdk.schema import names

ROOT: Final = names.HOPSCOPE_HOP_ROOT
_KIND: Final = names.HOPSCOPE_HOP_KIND
_SPAN: Final = names.SPAN_ID
_PARENT: Final = names.PARENT_ID

#: Span ids of stored hops remembered, and candidates waiting for their caller's hop.
REMEMBERED_HOPS: Final = 200_000
WAITING_CANDIDATES: Final = 100_000

#: What the document's closing brace becomes, by mark.
_SUFFIX: Final = {True: b',"hopscope.hop.root":true}', False: b',"hopscope.hop.root":false}'}


def encode_doc(doc: Mapping[str, Any], mark: bool | None) -> bytes:
    """The document as JSON, with its root mark when it has one. The record's dict is
    shared with the other sinks, so the mark is spliced into the bytes, not the dict."""
    if mark is None:
        return orjson.dumps(doc)
    if ROOT in doc:  # a writer set the collector's field: the sink's mark replaces it
        return orjson.dumps({**doc, ROOT: mark})
    encoded = orjson.dumps(doc)
    return encoded[:-1] + _SUFFIX[mark] if len(encoded) > 2 else orjson.dumps({ROOT: mark})


@dataclass(slots=True)
class Marking:
    """The marks of one write: record id -> mark (server hops only), and what
    :meth:`RootMarks.settle` needs afterwards."""

    marks: dict[str, bool] = field(default_factory=dict)
    #: (record, span id) of every hop in the write, in order.
    hops: list[tuple[CollectedRecord, str]] = field(default_factory=list)
    #: candidates: (record, parent id).
    candidates: list[tuple[CollectedRecord, str]] = field(default_factory=list)
    #: server hops marked ``false`` for a caller's hop of the same write: parent -> records.
    leaning: dict[str, list[CollectedRecord]] = field(default_factory=dict)


class RootMarks:
    """What one sink knows of the hops it stored, and the candidates waiting."""

    def __init__(
        self, remembered: int = REMEMBERED_HOPS, waiting: int = WAITING_CANDIDATES
    ) -> None:
        self._remembered = remembered
        self._waiting_limit = waiting
        self._stored: dict[str, None] = {}  # span ids, oldest first
        self._waiting: dict[str, list[tuple[str, str]]] = {}  # parent -> (index, record id)
        self._waiting_count = 0

    def mark(self, records: Sequence[CollectedRecord]) -> Marking:
        """The marks of the server hops among *records*, about to be written together."""
        marking = Marking()
        hops = marking.hops
        servers: list[CollectedRecord] = []
        for record in records:
            doc = record.doc
            kind = doc.get(_KIND)
            if kind is None:
                continue
            span = doc.get(_SPAN)
            if isinstance(span, str):
                hops.append((record, span))
            if kind == "server":
                servers.append(record)
        if not servers:
            return marking
        in_write = {span for _, span in hops}
        stored = self._stored
        marks = marking.marks
        for record in servers:
            parent = record.doc.get(_PARENT)
            if not isinstance(parent, str) or not parent:
                marks[record.id] = True
            elif parent in stored:
                marks[record.id] = False
            elif parent in in_write:
                marks[record.id] = False
                marking.leaning.setdefault(parent, []).append(record)
            else:
                marks[record.id] = True
                marking.candidates.append((record, parent))
        return marking

    def settle(
        self,
        marking: Marking,
        rejected: Iterable[CollectedRecord],
        index_of: Callable[[Mapping[str, Any]], str],
    ) -> list[tuple[str, str, bool]]:
        """After the write: remember the hops stored and the candidates waiting; return the
        updates due, ``(index, record id, mark)``: candidates whose caller's hop is stored
        now, and hops marked for a caller's hop of the same write that was refused."""
        refused = {id(r) for r in rejected}
        updates: list[tuple[str, str, bool]] = []
        for record, parent in marking.candidates:
            if id(record) not in refused:
                self._wait(parent, index_of(record.doc), record.id)
        if refused:
            for record, span in marking.hops:
                leaning = marking.leaning.get(span)
                if id(record) in refused and leaning and span not in self._stored:
                    for child in leaning:
                        if id(child) not in refused:
                            index = index_of(child.doc)
                            updates.append((index, child.id, True))
                            self._wait(span, index, child.id)
        stored = self._stored
        waiting = self._waiting
        for record, span in marking.hops:
            if id(record) in refused:
                continue
            if span in stored:
                continue
            stored[span] = None
            if len(stored) > self._remembered:
                del stored[next(iter(stored))]
            children = waiting.pop(span, None)
            if children:
                self._waiting_count -= len(children)
                updates.extend((index, rid, False) for index, rid in children)
        return updates

    def _wait(self, parent: str, index: str, record_id: str) -> None:
        self._waiting.setdefault(parent, []).append((index, record_id))
        self._waiting_count += 1
        while self._waiting_count > self._waiting_limit and self._waiting:
            oldest = next(iter(self._waiting))
            self._waiting_count -= len(self._waiting.pop(oldest))


def update_body(updates: Sequence[tuple[str, str, bool]]) -> bytes:
    """A ``_bulk`` body of partial updates setting each record's mark."""
    parts: list[bytes] = []
    for index, record_id, mark in updates:
        parts.append(orjson.dumps({"update": {"_index": index, "_id": record_id}}))
        parts.append(orjson.dumps({"doc": {ROOT: mark}}))
    return b"\n".join(parts) + b"\n"


__all__ = [
    "REMEMBERED_HOPS",
    "ROOT",
    "WAITING_CANDIDATES",
    "Marking",
    "RootMarks",
    "encode_doc",
    "update_body",
]
