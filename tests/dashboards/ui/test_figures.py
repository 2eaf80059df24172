"""Plotly figures: waterfall bars per category, names escaped, histogram and latency lines."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboards.records import parse_ns
from dashboards.store import LatencyStats
from dashboards.ui import figures
from dashboards.ui.figures import histogram, route_latency, waterfall
from dashboards.ui.rows import HopIndex, flatten
from sdk.chain import build_tree
from tests.dashboards.conftest import TraceBuilder

HOSTILE_ROUTE = "/<img src=x onerror=alert(1)>"


def test_waterfall_bars_and_escaped_names() -> None:
    t = TraceBuilder()
    root = t.server(
        "gateway", HOSTILE_ROUTE, 0, 100, status=500, error_type="Boom", error_message="<b>bad</b>"
    )
    t.internal("gateway", "render", 10, 20, parent=root)
    tree = build_tree(t.records)
    rows = flatten(tree, HopIndex(tree))
    figure = waterfall(rows, tree.hops[0].adj_start_ns).to_plotly_json()
    names = {trace["name"]: list(trace["base"]) for trace in figure["data"]}
    assert names == {"failed": [0.0], "critical path": [10.0]}
    texts = [a["text"] for a in figure["layout"]["annotations"]]
    assert texts[0] == "gateway GET /&lt;img src=x onerror=alert(1)&gt;"
    hover = figure["data"][0]["hovertext"][0]
    assert "&lt;b&gt;bad&lt;/b&gt;" in hover
    assert "<img" not in "".join(texts) + hover


def test_histogram_and_route_latency() -> None:
    assert list(histogram([1.0, 2.0]).to_plotly_json()["data"][0]["x"]) == [1.0, 2.0]
    at = datetime(2026, 11, 25, 12, tzinfo=UTC)
    stats = [LatencyStats("a", "/x", at, 2, 1, 1.0, 2.0, 3.0)]
    (line,) = route_latency(stats, "p99").to_plotly_json()["data"]
    assert (line["name"], list(line["y"])) == ("a /x", [3.0])


def test_log_levels_stack_a_bar_per_level_with_its_bucket() -> None:
    start = parse_ns("2026-11-25T12:00:00Z")
    minute = 60_000_000_000
    buckets = [
        (start, start + minute, {"info": 3, "error": 1}),
        (start + minute, start + 2 * minute, {"info": 2, "<b>odd</b>": 4}),
    ]
    figure = figures.log_levels(buckets)
    assert figure.layout.barmode == "stack"
    by_name = {bar.name: bar for bar in figure.data}
    assert list(by_name) == ["info", "error", "&lt;b&gt;odd&lt;/b&gt;"]
    assert list(by_name["info"].y) == [3, 2]
    assert list(by_name["error"].y) == [1]
    assert [list(c) for c in by_name["error"].customdata] == [
        ["2026-11-25T12:00:00.000000Z", "2026-11-25T12:01:00.000000Z"]
    ]
    # Bars of one bucket sit at the same x, so they stack.
    assert by_name["info"].x[0] == by_name["error"].x[0]
    assert "&lt;b&gt;" in by_name["&lt;b&gt;odd&lt;/b&gt;"].hovertemplate
