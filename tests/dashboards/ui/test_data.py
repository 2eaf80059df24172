"""The trace page's loaded trace: rebuilt from a real SQLite store, downloaded as JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest

from dashboards.ui.data import trace_at
from sdk.chain import tree_to_dict
from tests.dashboards.conftest import TraceBuilder, write_sqlite

#: Client/server pairs below the root: a chain 1,000 hops deep.
PAIRS = 500


@contextmanager
def deep_recursion(limit: int) -> Iterator[None]:
    """Python's own decoder and ``==`` recurse per nesting level; the check needs room."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def test_download_of_a_chain_deeper_than_json_encoders_go(tmp_path: Path) -> None:
    t = TraceBuilder()
    parent = t.server("s0", "/", 0, 100_000)
    for depth in range(1, PAIRS + 1):
        call = t.client(f"s{depth - 1}", f"s{depth}", depth, 100_000 - depth, parent=parent)
        parent = t.server(f"s{depth}", "/", depth + 0.25, 100_000 - depth - 0.25, parent=call)
    store = tmp_path / "deep.db"
    write_sqlite(store, t.records)

    loaded = trace_at(f"sqlite:///{store}", t.trace_id, False)

    assert loaded is not None
    assert loaded.records == 2 * PAIRS + 1
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps(tree_to_dict(loaded.tree))
    data = loaded.json()
    with deep_recursion(10_000):
        downloaded = json.loads(data)
        assert downloaded == tree_to_dict(loaded.tree)
    node, depth = downloaded["roots"][0], 0
    while node["children"]:
        node, depth = node["children"][0], depth + 1
    assert depth == 2 * PAIRS
    assert node["service"] == f"s{PAIRS}"
