"""The services page: the dependency map of a time range (calls, error rate and p95 per
edge), per-service statistics, and per-route latency percentiles over time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

import streamlit as st

from dashboards.store import LatencyStats, RequestQuery, Store, StoreError, TimeRange
from dashboards.ui import figures, graphs, url_state
from dashboards.ui.filters import TIME_RANGES, RequestFilters, time_range
from dashboards.ui.show import problem

RANGES: Final = tuple(k for k in TIME_RANGES if k != "custom")
PERCENTILES: Final = ("p50", "p95", "p99")
#: What the page shows when the URL names nothing (left out of the URL).
DEFAULT_RANGE: Final = RequestFilters().time_range
DEFAULT_PERCENTILE: Final = "p95"
#: Bucket lengths to pick from (seconds); "auto" aims at about this many buckets.
BUCKETS: Final = (10, 30, 60, 300, 900, 3600, 6 * 3600, 86400)
TARGET_BUCKETS: Final = 60
ALL_SERVICES: Final = "all services"


def bucket_for(span: timedelta) -> int:
    """The smallest listed bucket giving at most :data:`TARGET_BUCKETS` buckets."""
    seconds = max(span.total_seconds(), 1.0)
    return next((b for b in BUCKETS if seconds / b <= TARGET_BUCKETS), BUCKETS[-1])


def _span(store: Store, time: TimeRange) -> timedelta:
    """How long the range is; for an open range, the time between the first and the last
    request in the store."""
    if time.start is not None:
        return (time.end or datetime.now(UTC)) - time.start
    newest = store.find_requests(RequestQuery(time=time, limit=1, order="newest")).items
    oldest = store.find_requests(RequestQuery(time=time, limit=1, order="oldest")).items
    if not newest or not oldest:
        return timedelta(hours=1)
    return newest[0].start - oldest[0].start


def stats_table(stats: list[LatencyStats], *, routes: bool = True) -> dict[str, list[Any]]:
    table: dict[str, list[Any]] = {"service": [s.service for s in stats]}
    if routes:
        table["route"] = [s.route or "" for s in stats]
    table.update(
        {
            "requests": [s.count for s in stats],
            "errors": [s.errors for s in stats],
            "error rate": [round(100 * s.error_rate, 2) for s in stats],
            "p50 ms": [s.p50_ms for s in stats],
            "p95 ms": [s.p95_ms for s in stats],
            "p99 ms": [s.p99_ms for s in stats],
        }
    )
    return table


_RATE: Final = {"error rate": st.column_config.NumberColumn("error rate", format="%.2f %%")}


def render(store: Store) -> None:
    st.title("Services")
    url_state.seed("sv_range", "range", url_state.parse_choice(RANGES), DEFAULT_RANGE)
    url_state.seed("sv_pct", "pct", url_state.parse_choice(PERCENTILES), DEFAULT_PERCENTILE)
    url_state.seed("sv_service", "service", url_state.parse_text, ALL_SERVICES)
    cols = st.columns(3)
    chosen = cols[0].selectbox(
        "Time range", RANGES, format_func=lambda k: TIME_RANGES[k][0], key="sv_range"
    )
    st.session_state.setdefault("sv_pct", DEFAULT_PERCENTILE)
    percentile = cols[1].radio("Percentile", PERCENTILES, key="sv_pct", horizontal=True)
    url_state.publish("range", url_state.text_of(chosen, DEFAULT_RANGE))
    url_state.publish("pct", url_state.text_of(percentile, DEFAULT_PERCENTILE))
    time = time_range(RequestFilters(time_range=chosen))
    try:
        services = store.services(time)
        current = st.session_state.get("sv_service")
        options = [ALL_SERVICES, *services]
        if isinstance(current, str) and current not in options:
            options.append(current)
        service = cols[2].selectbox("Routes of", options, key="sv_service")
        url_state.publish("service", url_state.text_of(service, ALL_SERVICES))
        graph = store.dependencies(time)
        per_service = store.service_stats(time)
        picked = None if service == ALL_SERVICES else service
        bucket = bucket_for(_span(store, time))
        over_time = store.route_stats(picked, time, bucket_seconds=bucket)
        per_route = store.route_stats(picked, time)
    except StoreError as exc:
        problem("The store could not answer.", str(exc))
        return
    st.subheader("Dependency map")
    if graph.edges:
        st.graphviz_chart(graphs.dependency_dot(graph))
        st.dataframe(
            {
                "caller": [e.caller for e in graph.edges],
                "callee": [e.callee for e in graph.edges],
                "calls": [e.calls for e in graph.edges],
                "errors": [e.errors for e in graph.edges],
                "error rate": [round(100 * e.error_rate, 2) for e in graph.edges],
                "p50 ms": [e.p50_ms for e in graph.edges],
                "p95 ms": [e.p95_ms for e in graph.edges],
                "p99 ms": [e.p99_ms for e in graph.edges],
            },
            hide_index=True,
            column_config=_RATE,
            key="sv_edges",
        )
    else:
        st.info("No service called another in this time range.")
    st.subheader("Services")
    st.dataframe(
        stats_table(per_service, routes=False),
        hide_index=True,
        column_config=_RATE,
        key="sv_services",
    )
    st.subheader("Route latency over time")
    st.caption(f"{percentile} per route, in buckets of {_bucket_text(bucket)}.")
    if over_time:
        st.plotly_chart(figures.route_latency(over_time, percentile), key="sv_chart")
    else:
        st.info("No request in this time range.")
    st.dataframe(stats_table(per_route), hide_index=True, column_config=_RATE, key="sv_routes")


def _bucket_text(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
