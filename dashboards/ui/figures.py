"""Plotly figures: the trace waterfall, the requests' latency histogram, per-route
latency percentiles over time and the log lines over time by level. Text from records goes
through :func:`plotly_text`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import plotly.graph_objects as go

from dashboards.records import from_ns
from dashboards.store import LatencyStats
from dashboards.ui.log_filters import moment_text
from dashboards.ui.rows import Row, label
from dashboards.ui.text import ns_ms, plotly_text, shorten

#: (name in the legend, colour) per kind of waterfall bar, drawn in this order.
CATEGORIES: Final = (
    ("failed", "#d62728"),
    ("critical path", "#1f4e9c"),
    ("folded repeats", "#9aa5b8"),
    ("other hops", "#9ecae1"),
)
ROW_HEIGHT: Final = 24
#: Share of the waterfall's width given to the hop names.
LABEL_WIDTH: Final = 0.36


def category(row: Row) -> str:
    if row.failed:
        return "failed"
    if row.critical:
        return "critical path"
    if row.folded:
        return "folded repeats"
    return "other hops"


def _hover(row: Row) -> str:
    hop = row.hop
    lines = [plotly_text(label(row)), f"{ns_ms(row.end_ns - row.start_ns)}"]
    if row.folded:
        lines.append(f"{row.errors} of {len(row.members)} failed" if row.errors else "all ok")
    else:
        if hop.status_code is not None:
            lines.append(f"status {hop.status_code}")
        if hop.failed and (hop.error_type or hop.error_message):
            error = ": ".join(x for x in (hop.error_type, hop.error_message) if x)
            lines.append(plotly_text(shorten(error, 120)))
        if hop.critical:
            lines.append("on the critical path")
    return "<br>".join(lines)


def waterfall(rows: Sequence[Row], origin_ns: int) -> go.Figure:
    """Horizontal bars from each row's start to its end, in ms from *origin_ns*; y is the
    row's position on the page, labelled with its indented name."""
    figure = go.Figure()
    positions = list(range(len(rows)))
    for name, color in CATEGORIES:
        picked = [(n, r) for n, r in zip(positions, rows, strict=True) if category(r) == name]
        if not picked:
            continue
        figure.add_trace(
            go.Bar(
                name=name,
                orientation="h",
                y=[n for n, _ in picked],
                base=[(r.start_ns - origin_ns) / 1e6 for _, r in picked],
                x=[max((r.end_ns - r.start_ns) / 1e6, 0.001) for _, r in picked],
                # Outlined: on the critical path (visible on failed bars too).
                marker={
                    "color": color,
                    "line": {
                        "color": "#1b1b1b",
                        "width": [2 if r.critical else 0 for _, r in picked],
                    },
                },
                customdata=[r.key for _, r in picked],
                hovertext=[_hover(r) for _, r in picked],
                hoverinfo="text",
                width=0.7,
            )
        )
    # Names as left-aligned annotations in a column of their own, so indentation shows
    # the tree (tick labels are right-aligned).
    names = [
        {
            "xref": "paper",
            "x": 0,
            "xanchor": "left",
            "yref": "y",
            "y": n,
            "text": plotly_text(shorten("\u2003" * min(r.depth, 12) + label(r), 64)),
            "showarrow": False,
            "font": {"size": 12, "color": "#b21f1f" if r.failed else "#31333f"},
        }
        for n, r in enumerate(rows)
    ]
    figure.update_layout(
        barmode="overlay",
        showlegend=True,
        height=max(160, ROW_HEIGHT * len(rows) + 90),
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        xaxis={
            "title": {"text": "ms since the request started"},
            "rangemode": "tozero",
            "domain": [LABEL_WIDTH, 1],
        },
        yaxis={"showticklabels": False, "autorange": "reversed"},
        annotations=names,
        clickmode="event+select",
    )
    return figure


def histogram(durations_ms: Sequence[float]) -> go.Figure:
    figure = go.Figure(go.Histogram(x=list(durations_ms), nbinsx=40, marker={"color": "#4a6fa5"}))
    figure.update_layout(
        height=220,
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        xaxis={"title": {"text": "request duration (ms)"}},
        yaxis={"title": {"text": "requests"}},
        bargap=0.05,
    )
    return figure


def route_latency(stats: Sequence[LatencyStats], percentile: str) -> go.Figure:
    """One line per (service, route): the chosen percentile (``p50``/``p95``/``p99``) per
    time bucket."""
    lines: dict[str, tuple[list[Any], list[float]]] = {}
    for row in stats:
        if row.bucket_start is None:
            continue
        name = plotly_text(f"{row.service} {row.route or ''}".strip())
        xs, ys = lines.setdefault(name, ([], []))
        xs.append(row.bucket_start)
        ys.append(float(getattr(row, f"{percentile}_ms")))
    figure = go.Figure()
    for name, (xs, ys) in sorted(lines.items()):
        figure.add_trace(go.Scatter(x=xs, y=ys, name=name, mode="lines+markers"))
    figure.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        yaxis={"title": {"text": f"{percentile} latency (ms)"}, "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


#: Log levels, lowest first (stacked from the bottom), with their colours.
LEVEL_COLOURS: Final = (
    ("debug", "#b0b7c3"),
    ("info", "#4a6fa5"),
    ("warning", "#f0a030"),
    ("error", "#d62728"),
    ("critical", "#7a0d0d"),
)


def log_levels(buckets: Sequence[tuple[int, int, dict[str, int]]]) -> go.Figure:
    """Matching log lines per time bucket, one stacked bar per level. Each bucket is
    ``(start_ns, end_ns, {level: lines})``; a bar's ``customdata`` is its bucket as two
    RFC 3339 times, so a click can narrow the time range to it."""
    figure = go.Figure()
    known = {name for name, _ in LEVEL_COLOURS}
    others = sorted({lv for _, _, counts in buckets for lv in counts} - known)
    for name, colour in (*LEVEL_COLOURS, *((lv, "#6b6b6b") for lv in others)):
        picked = [b for b in buckets if b[2].get(name)]
        if not picked:
            continue
        figure.add_trace(
            go.Bar(
                name=plotly_text(name),
                x=[from_ns((start + end) // 2) for start, end, _ in picked],
                y=[counts[name] for _, _, counts in picked],
                width=[max((end - start) / 1e6, 1.0) * 0.9 for start, end, _ in picked],
                marker={"color": colour},
                customdata=[[moment_text(start), moment_text(end)] for start, end, _ in picked],
                hovertemplate=(
                    f"{plotly_text(name)}: %{{y}} lines<br>"
                    "%{customdata[0]}<br>to %{customdata[1]}<extra></extra>"
                ),
            )
        )
    figure.update_layout(
        barmode="stack",
        height=220,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        xaxis={"type": "date"},
        yaxis={"title": {"text": "lines"}, "rangemode": "tozero"},
        clickmode="event+select",
        bargap=0,
    )
    return figure
