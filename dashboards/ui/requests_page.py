"""The requests page: filters (in the sidebar, mirrored in the URL), the matching
requests as a table (pick a row to open its trace) and their latency histogram."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any, Final

import streamlit as st

from dashboards.store import BadQuery, RequestSummary, Store, StoreError
from dashboards.ui import figures, logs_page, nav, url_state
from dashboards.ui.filters import (
    ANY,
    METHODS,
    ORDERS,
    STATUS_CLASSES,
    TIME_RANGES,
    FilterError,
    RequestFilters,
    to_query,
)
from dashboards.ui.paging import CursorPages
from dashboards.ui.show import problem
from dashboards.ui.text import md_escape

PAGE_SIZE: Final = 50
#: Requests the histogram is drawn from (the newest matching ones).
HISTOGRAM_SIZE: Final = 1000
TABLE_KEY: Final = "rq_table"
_PAGES: Final = CursorPages("rq")
_DEFAULT: Final = RequestFilters()

#: widget key -> (URL parameter, parser, value when the URL has none)
_BINDINGS: Final[dict[str, tuple[str, Any, Any]]] = {
    "rq_range": ("range", url_state.parse_choice(tuple(TIME_RANGES)), _DEFAULT.time_range),
    "rq_service": ("service", url_state.parse_text, ANY),
    "rq_route": ("route", url_state.parse_text, ANY),
    "rq_method": ("method", url_state.parse_choice(METHODS), ANY),
    "rq_status": ("status", url_state.parse_choice(STATUS_CLASSES), ANY),
    "rq_errors": ("errors", url_state.parse_bool, False),
    "rq_min": ("min", url_state.parse_float, None),
    "rq_max": ("max", url_state.parse_float, None),
    "rq_text": ("q", url_state.parse_text, ""),
    "rq_trace": ("tid", url_state.parse_text, ""),
    "rq_attr": ("attr", url_state.parse_text, ""),
    "rq_order": ("order", url_state.parse_choice(ORDERS), _DEFAULT.order),
    "rq_start": ("from", lambda raw: _parse_time(raw), None),
    "rq_end": ("to", lambda raw: _parse_time(raw), None),
}


def _parse_time(raw: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _time_text(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S")


def _options(values: list[str], key: str) -> list[str]:
    """``any`` and the store's values, plus a value from the URL the store lacks."""
    current = st.session_state.get(key)
    extra = [current] if isinstance(current, str) and current not in [*values, ANY] else []
    return [ANY, *values, *extra]


def read_filters(store: Store) -> RequestFilters:
    """Draw the filter widgets in the sidebar and return their values."""
    for key, (name, parse, default) in _BINDINGS.items():
        url_state.seed(key, name, parse, default)
    side = st.sidebar
    side.header("Filters")
    time_range = side.selectbox(
        "Time range", tuple(TIME_RANGES), format_func=lambda k: TIME_RANGES[k][0], key="rq_range"
    )
    start = end = None
    if time_range == "custom":
        start = side.datetime_input("From (UTC)", value=None, key="rq_start")
        end = side.datetime_input("To (UTC)", value=None, key="rq_end")
    service = side.selectbox("Service", _options(store.services(), "rq_service"), key="rq_service")
    routes = store.routes(None if service == ANY else service)
    route = side.selectbox("Route", _options(routes, "rq_route"), key="rq_route")
    method = side.selectbox("Method", METHODS, key="rq_method")
    status = side.selectbox("Status", STATUS_CLASSES, key="rq_status")
    errors_only = side.checkbox("Errors only (any hop failed)", key="rq_errors")
    low, high = side.columns(2)
    min_ms = low.number_input("Min ms", min_value=0.0, value=None, step=10.0, key="rq_min")
    max_ms = high.number_input("Max ms", min_value=0.0, value=None, step=10.0, key="rq_max")
    text = side.text_input("Text in any log line", key="rq_text")
    trace_id = side.text_input("Trace id", key="rq_trace")
    attributes = side.text_input(
        "Attributes",
        key="rq_attr",
        placeholder="labels.tenant=acme; http.request.method=POST",
        help="field=value pairs separated by ';', each held by some record of the request",
    )
    order = side.selectbox("Order", ORDERS, key="rq_order")
    filters = RequestFilters(
        time_range=time_range,
        start=start,
        end=end,
        service=service,
        route=route,
        method=method,
        status=status,
        errors_only=errors_only,
        min_ms=min_ms,
        max_ms=max_ms,
        text=text,
        trace_id=trace_id,
        attributes=attributes,
        order=order,
    )
    publish(filters)
    return filters


def publish(filters: RequestFilters) -> None:
    text = url_state.text_of
    url_state.publish("range", text(filters.time_range, _DEFAULT.time_range))
    url_state.publish("from", _time_text(filters.start))
    url_state.publish("to", _time_text(filters.end))
    url_state.publish("service", text(filters.service, ANY))
    url_state.publish("route", text(filters.route, ANY))
    url_state.publish("method", text(filters.method, ANY))
    url_state.publish("status", text(filters.status, ANY))
    url_state.publish("errors", text(filters.errors_only, False))
    url_state.publish("min", text(filters.min_ms))
    url_state.publish("max", text(filters.max_ms))
    url_state.publish("q", filters.text.strip() or None)
    url_state.publish("tid", filters.trace_id.strip() or None)
    url_state.publish("attr", filters.attributes.strip() or None)
    url_state.publish("order", text(filters.order, _DEFAULT.order))


def table(items: list[RequestSummary]) -> dict[str, list[Any]]:
    """The requests as table columns (in the order the store gave them)."""
    return {
        "time": [r.start.replace(tzinfo=None) for r in items],
        "request": [f"{r.method or ''} {r.route or r.path or ''}".strip() for r in items],
        "service": [r.service for r in items],
        "duration_ms": [round(r.duration_ms, 3) for r in items],
        "status": [r.status_code for r in items],
        "errors": [_error_text(r) for r in items],
        "hops": [r.hop_count for r in items],
        "services": [", ".join(r.services) for r in items],
        "trace_id": [r.trace_id for r in items],
        "link": [f"?page=trace&trace={r.trace_id}" for r in items],
        "logs": [f"?page=logs&tid={r.trace_id}" for r in items],
    }


def _error_text(row: RequestSummary) -> str:
    if row.failed:
        return "failed"
    return "error below" if row.has_errors else ""


_COLUMNS: Final = {
    "time": st.column_config.DatetimeColumn("time (UTC)", format="YYYY-MM-DD HH:mm:ss.SSS"),
    "duration_ms": st.column_config.NumberColumn("duration", format="%.1f ms"),
    "status": st.column_config.NumberColumn("status", format="%d"),
    "link": st.column_config.LinkColumn("open", display_text="open ↗"),
    "logs": st.column_config.LinkColumn("logs", display_text="logs ↗"),
    "service": st.column_config.TextColumn("root service"),
}


_ORDER: Final = (
    "time",
    "request",
    "duration_ms",
    "status",
    "errors",
    "hops",
    "services",
    "link",
    "logs",
    "service",
    "trace_id",
)


def render(store: Store) -> None:
    st.title("Requests")
    try:
        filters = read_filters(store)
    except StoreError as exc:
        problem("The store could not answer.", str(exc))
        return
    cursors = _PAGES.cursors(filters)
    try:
        query = to_query(filters, limit=PAGE_SIZE, cursor=cursors[-1])
        page = store.find_requests(query)
        sample = store.find_requests(to_query(filters, limit=HISTOGRAM_SIZE))
    except (FilterError, BadQuery) as exc:
        problem("A filter cannot be used as typed.", str(exc), warning=True)
        return
    except StoreError as exc:
        problem("The store could not answer.", str(exc))
        return
    first = (len(cursors) - 1) * PAGE_SIZE
    st.caption(
        f"Requests {first + 1 if page.items else first} to {first + len(page.items)}"
        f"{' (more on the next page)' if page.next_cursor else ''}. "
        "Pick a row to open its trace."
    )
    if filters.service != ANY:
        st.button(
            f"Log lines of {md_escape(filters.service)} →",
            on_click=partial(logs_page.open_logs, service=filters.service),
            key="rq_logs",
        )
    if not page.items:
        st.info("No request matches these filters.")
    else:
        event = st.dataframe(
            table(page.items),
            key=TABLE_KEY,
            on_select="rerun",
            selection_mode="single-row",
            hide_index=True,
            column_config=_COLUMNS,
            column_order=_ORDER,
        )
        picked = event.selection.rows
        if picked and 0 <= picked[0] < len(page.items):
            # The page choice is drawn above; switch on a fresh run.
            nav.request_trace(page.items[picked[0]].trace_id)
            st.rerun()
    back, forward, _ = st.columns([1, 1, 4])
    back.button("← Previous page", on_click=_PAGES.previous_page, disabled=len(cursors) == 1)
    if page.next_cursor is not None:
        forward.button("Next page →", on_click=_PAGES.next_page, args=(page.next_cursor,))
    if sample.items:
        st.subheader("Latency")
        st.caption(f"Durations of the {len(sample.items)} {filters.order} matching requests.")
        st.plotly_chart(figures.histogram([r.duration_ms for r in sample.items]))
