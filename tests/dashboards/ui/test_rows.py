"""Waterfall rows: depth-first order, folded runs of identical calls, paging."""

from __future__ import annotations

from dashboards.ui.rows import HopIndex, flatten, label, page_count, page_of, row_holding
from sdk.chain import build_tree
from tests.dashboards.conftest import TraceBuilder


def fan_out(calls: int, failing: int | None = None) -> TraceBuilder:
    t = TraceBuilder()
    root = t.server("gateway", "/report", 0, calls + 10)
    for n in range(calls):
        status = 500 if n == failing else 200
        call = t.client("gateway", "cart", n + 1, n + 1.8, parent=root, path="/item", status=status)
        t.server("cart", "/item", n + 1.1, n + 1.7, parent=call, status=status)
    t.client("gateway", "pricing", calls + 2, calls + 3, parent=root, path="/price")
    return t


def test_a_run_of_identical_calls_is_one_row() -> None:
    tree = build_tree(fan_out(250, failing=7).records)
    rows = flatten(tree, HopIndex(tree))
    assert [label(r) for r in rows] == [
        "gateway GET /report",
        "\u00d7 250 calls to cart GET /item",
        "gateway → pricing GET /price",
    ]
    folded = rows[1]
    assert (folded.folded, folded.failed, folded.errors) == (True, True, 1)
    assert folded.hidden == 500
    assert folded.start_ns == tree.hops[1].adj_start_ns


def test_short_runs_stay_as_they_are() -> None:
    tree = build_tree(fan_out(4).records)
    rows = flatten(tree, HopIndex(tree))
    assert len(rows) == 1 + 4 * 2 + 1
    assert [r.depth for r in rows[:3]] == [0, 1, 2]
    assert not any(r.folded for r in rows)


def test_unfolded_rows_are_every_hop_depth_first() -> None:
    tree = build_tree(fan_out(250).records)
    rows = flatten(tree, HopIndex(tree), collapse_at=None)
    assert [r.hop for r in rows] == tree.hops


def test_pages_and_the_row_holding_a_hop() -> None:
    tree = build_tree(fan_out(250, failing=120).records)
    rows = flatten(tree, HopIndex(tree), collapse_at=None)
    assert page_count(rows, 100) == 6
    assert len(page_of(rows, 100, 6)) == 2
    assert page_of(rows, 100, 99) == page_of(rows, 100, 6)
    failure = tree.first_failure
    assert failure is not None
    assert row_holding(rows, failure) == 1 + 120 * 2 + 1  # the callee hop
    folded = flatten(tree, HopIndex(tree))
    assert row_holding(folded, failure) == 1


def test_hop_keys_are_unique_and_stable() -> None:
    tree = build_tree(fan_out(20).records)
    index = HopIndex(tree)
    keys = [index.key(h) for h in tree.hops]
    assert len(set(keys)) == len(keys) == len(index)
    assert all(index.get(k) is h for k, h in zip(keys, tree.hops, strict=True))
    assert index.key(tree.hops[0]) == tree.hops[0].span_id


def test_a_deep_chain_flattens_without_recursion() -> None:
    t = TraceBuilder()
    parent = t.server("s0", "/", 0, 10_000)
    for n in range(1, 2_000):
        call = t.client(f"s{n - 1}", f"s{n}", n, 10_000 - n, parent=parent)
        parent = t.server(f"s{n}", "/", n + 0.1, 10_000 - n - 0.1, parent=call)
    tree = build_tree(t.records)
    rows = flatten(tree, HopIndex(tree))
    assert len(rows) == len(tree.hops) == 3_999
    assert rows[-1].depth == 3_998
