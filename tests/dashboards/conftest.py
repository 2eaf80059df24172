"""Hand-built traces for the dashboards' tests (the builder is shared with the chain's tests:
``tests/support/trace_builder.py``) and stores filled with them."""

from __future__ import annotations

from typing import Any

import pytest
from trace_builder import T0 as T0
from trace_builder import TraceBuilder as TraceBuilder


@pytest.fixture
def tb() -> type[TraceBuilder]:
    return TraceBuilder


# -- stores filled with the same traces ---------------------------------------------------


def with_ids(records: list[dict[str, Any]], source: str = "/var/log/app.log") -> list[Any]:
    """Collector records (deterministic ids, as the collector's parser gives them)."""
    from collector.transforms.record import CollectedRecord, record_id

    out = []
    for offset, doc in enumerate(records):
        rid = record_id(source, offset * 1000)
        full = {**doc, "hopscope.record.id": rid}
        out.append(CollectedRecord(rid, full, source, offset * 1000))
    return out


def write_sqlite(path: Any, records: list[dict[str, Any]]) -> None:
    """Fill a store file through the collector's own SQLite sink."""
    from collector.sinks.sqlite import SqliteSink

    sink = SqliteSink(path)
    try:
        result = sink.write(with_ids(records))
    finally:
        sink.close()
    assert result.stored == len(records)
    assert not result.rejected
