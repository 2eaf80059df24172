"""The search sink's root marks (``hopscope.hop.root``) as the engine stores them."""

from __future__ import annotations

from typing import Any

from hopscope_testing import search_fixtures

from collector.sinks.search.roots import RootMarks, encode_doc
from collector.sinks.search.sink import SearchSink
from collector.transforms.record import CollectedRecord
from sdk.schema.index_template import index_name

fx = search_fixtures()
make_record = fx.make_record
engine_request = fx.engine_request

ROOT = "hopscope.hop.root"


def hop(n: int, kind: str, span: int, parent: int | None = None, **fields: Any) -> CollectedRecord:
    extra: dict[str, Any] = {"hopscope.hop.kind": kind, "span.id": f"{span:016x}", **fields}
    if parent is not None:
        extra["parent.id"] = f"{parent:016x}"
    return make_record(n, source=f"/var/log/{kind}.log", **extra)


def marks(engine: Any, records: list[CollectedRecord]) -> list[bool | None]:
    """Each record's stored mark (``None``: none)."""
    engine_request(engine, "POST", "/hopscope-records-*/_refresh")
    out: list[bool | None] = []
    for record in records:
        index = index_name(record.doc["@timestamp"])
        answer = engine_request(engine, "GET", f"/{index}/_doc/{record.id}")
        out.append(_flat(answer["_source"]).get(ROOT))
    return out


def _flat(source: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in source.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_server_hops_are_marked_roots_until_their_callers_hop_is_stored(engine: Any) -> None:
    sink = SearchSink.from_url(f"opensearch+{engine.url}")
    parentless = hop(1, "server", 0x10)
    caller_first = hop(2, "client", 0x11, parent=0x10)
    callee_after = hop(3, "server", 0x12, parent=0x11)
    callee_first = hop(4, "server", 0x13, parent=0x21)
    same_write_callee = hop(5, "server", 0x14, parent=0x22)
    same_write_caller = hop(6, "client", 0x22, parent=0x10)
    log_line = make_record(7, **{"span.id": f"{0x13:016x}"})
    del log_line.doc["hopscope.hop.kind"]
    first = [
        parentless,
        caller_first,
        callee_first,
        same_write_callee,
        same_write_caller,
        log_line,
    ]
    assert sink.write(first).stored == len(first)
    assert marks(engine, first) == [True, None, True, False, None, None]

    late_caller = hop(8, "client", 0x21, parent=0x10)
    assert sink.write([callee_after, late_caller]).stored == 2
    sink.close()
    # callee_after's caller was stored by an earlier write; callee_first's came late.
    assert marks(engine, [callee_after, callee_first]) == [False, False]
    assert all(ROOT not in r.doc for r in [*first, callee_after, late_caller])


def test_a_caller_the_engine_refuses_leaves_its_callee_a_root(engine: Any) -> None:
    sink = SearchSink.from_url(f"opensearch+{engine.url}")
    callee = hop(1, "server", 0x31, parent=0x32)
    refused = hop(2, "client", 0x32, parent=0x30, **{"event.duration": "not a number"})
    result = sink.write([callee, refused])
    sink.close()
    assert result.stored == 1
    assert [r for r, _ in result.rejected] == [refused]
    assert marks(engine, [callee]) == [True]


def test_a_mark_replaces_one_a_writer_set() -> None:
    doc = {"message": "x", ROOT: False}
    assert encode_doc(doc, True) == b'{"message":"x","hopscope.hop.root":true}'
    assert encode_doc({"message": "x"}, False) == b'{"message":"x","hopscope.hop.root":false}'
    assert encode_doc({"message": "x"}, None) == b'{"message":"x"}'


def test_what_is_remembered_is_bounded() -> None:
    roots = RootMarks(remembered=2, waiting=2)
    callees = [hop(n, "server", 0x100 + n, parent=0x200 + n) for n in range(3)]
    marking = roots.mark(callees)
    assert roots.settle(marking, [], lambda doc: "i") == []
    callers = [hop(10 + n, "client", 0x200 + n, parent=0x1) for n in range(3)]
    updates = roots.settle(roots.mark(callers), [], lambda doc: "i")
    # The oldest candidate was forgotten: it stays marked, the store checks it.
    assert updates == [("i", callees[1].id, False), ("i", callees[2].id, False)]
    later = hop(20, "server", 0x300, parent=0x200)
    assert roots.mark([later]).marks == {later.id: True}  # 0x200 forgotten too
