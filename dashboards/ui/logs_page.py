"""The logs page: every stored line across services, searched with the filters of
``hopscope logs`` (in the sidebar, mirrored in the URL); a histogram of the matching lines
over time stacked by level (click a bar to narrow the time range to it); the lines as a
table, a page at a time; the picked line with every field, its context in its source and
a way to its trace on the hop that wrote it. "Live" redraws the histogram and the table
every :data:`LIVE_SECONDS` while new lines arrive. Record text is shown literally only
(tables, code blocks, JSON)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from hashlib import blake2b
from typing import Any, Final

import streamlit as st

from dashboards.records import format_ns
from dashboards.store import BadQuery, LogLine, LogQuery, Store, StoreError
from dashboards.store.logs import bucket_width
from dashboards.ui import figures, log_filters, nav, url_state
from dashboards.ui.filters import FilterError
from dashboards.ui.log_filters import KINDS, MIN_LEVELS, ORDERS, LogFilters
from dashboards.ui.paging import CursorPages
from dashboards.ui.show import literal, problem, table_height
from dashboards.ui.text import md_escape

PAGE_SIZE: Final = 100
HISTOGRAM_BUCKETS: Final = 60
#: Seconds between redraws of the live view.
LIVE_SECONDS: Final = 2
DEFAULT_CONTEXT: Final = 5
MAX_CONTEXT: Final = 200
LINE_KEY: Final = "lg_line"
CONTEXT_KEY: Final = "lg_ctx"
LIVE_KEY: Final = "lg_live"
_PAGES: Final = CursorPages("lg")
#: A bar's time range, set before the filters are drawn on the next run.
_PENDING_RANGE_KEY: Final = "lg_pending_range"
#: The table row and chart bar last acted on (a selection stays while its data is shown).
_HANDLED_KEY: Final = "lg_handled"
_DEFAULT: Final = LogFilters()

#: widget key -> (URL parameter, parser, value when the URL has none)
BINDINGS: Final[dict[str, tuple[str, Any, Any]]] = {
    "lg_words": ("words", url_state.parse_text, _DEFAULT.words),
    "lg_services": ("services", log_filters.parse_services, []),
    "lg_level": ("level", url_state.parse_choice(MIN_LEVELS), _DEFAULT.level),
    "lg_since": ("since", url_state.parse_text, _DEFAULT.since),
    "lg_until": ("until", url_state.parse_text, _DEFAULT.until),
    "lg_fields": ("fields", url_state.parse_text, _DEFAULT.fields),
    "lg_trace": ("tid", url_state.parse_text, _DEFAULT.trace_id),
    "lg_kind": ("kind", url_state.parse_choice(KINDS), _DEFAULT.kind),
    "lg_hops": ("hops", url_state.parse_bool, _DEFAULT.hops),
    "lg_order": ("sort", url_state.parse_choice(ORDERS), _DEFAULT.order),
    LIVE_KEY: ("live", url_state.parse_bool, False),
    LINE_KEY: ("line", url_state.parse_text, None),
    CONTEXT_KEY: ("context", url_state.parse_int, DEFAULT_CONTEXT),
}
_KIND_LABELS: Final = {
    "both": "Both",
    "structured": "Structured records",
    "unstructured": "Unstructured lines",
}


def open_logs(*, service: str | None = None, trace_id: str | None = None) -> None:
    """Switch to the logs page showing the lines of *service* or of *trace_id*, every
    other filter at its default (a widget callback: it runs before the next run)."""
    for key, (_, _, default) in BINDINGS.items():
        st.session_state[key] = list(default) if isinstance(default, list) else default
    if service:
        st.session_state["lg_services"] = [service]
    if trace_id:
        st.session_state["lg_trace"] = trace_id
    nav.go_to("logs")


def _options(values: list[str]) -> list[str]:
    """The store's services, plus those of the URL the store lacks (kept, not dropped)."""
    current = st.session_state.get("lg_services") or []
    return [*values, *(v for v in current if v not in values)]


def read_filters(store: Store) -> LogFilters:
    """Draw the filter widgets in the sidebar and return their values."""
    for key, (name, parse, default) in BINDINGS.items():
        url_state.seed(key, name, parse, default)
    pending = st.session_state.pop(_PENDING_RANGE_KEY, None)
    if isinstance(pending, tuple):
        st.session_state["lg_since"], st.session_state["lg_until"] = pending
    side = st.sidebar
    side.header("Filters")
    words = side.text_input(
        "Words",
        key="lg_words",
        placeholder='timeout "card declined"',
        help="Every word must occur in the message; a quoted phrase matches as a phrase",
    )
    services = side.multiselect(
        "Services", _options(store.services()), key="lg_services", placeholder="all services"
    )
    level = side.selectbox(
        "Minimum level", MIN_LEVELS, key="lg_level", format_func=lambda v: v.capitalize()
    )
    low, high = side.columns(2)
    since = low.text_input(
        "Since", key="lg_since", placeholder="15m", help="A duration back from now, or RFC 3339"
    )
    until = high.text_input(
        "Until", key="lg_until", placeholder="now", help="A duration back from now, or RFC 3339"
    )
    fields = side.text_input(
        "Fields",
        key="lg_fields",
        placeholder="http.response.status_code=502; labels.tenant=acme",
        help="field=value pairs separated by ';', all must hold",
    )
    trace = side.text_input("Trace id", key="lg_trace", placeholder="32 hex digits")
    kind = side.radio("Lines", KINDS, key="lg_kind", format_func=_KIND_LABELS.__getitem__)
    hops = side.checkbox("Include hop records", key="lg_hops")
    order = side.selectbox(
        "Order", ORDERS, key="lg_order", format_func=lambda v: f"{v.capitalize()} first"
    )
    filters = LogFilters(
        words=words,
        services=tuple(services),
        level=level,
        since=since,
        until=until,
        fields=fields,
        trace_id=trace,
        kind=kind,
        hops=hops,
        order=order,
    )
    publish(filters)
    return filters


def publish(filters: LogFilters) -> None:
    text = url_state.text_of
    url_state.publish("words", filters.words.strip() or None)
    url_state.publish("services", log_filters.services_text(filters.services))
    url_state.publish("level", text(filters.level, _DEFAULT.level))
    url_state.publish("since", filters.since.strip() or None)
    url_state.publish("until", filters.until.strip() or None)
    url_state.publish("fields", filters.fields.strip() or None)
    url_state.publish("tid", filters.trace_id.strip() or None)
    url_state.publish("kind", text(filters.kind, _DEFAULT.kind))
    url_state.publish("hops", text(filters.hops, False))
    url_state.publish("sort", text(filters.order, _DEFAULT.order))


def to_query(
    filters: LogFilters, now_ns: int, *, limit: int | None = None, cursor: str | None = None
) -> LogQuery:
    """The store query of *filters* at *now_ns* (durations count back from it), for a
    page of *limit* lines (:data:`PAGE_SIZE`)."""
    since, until = log_filters.time_bounds(filters, now_ns)
    return LogQuery(
        since_ns=since,
        until_ns=until,
        services=filters.services,
        min_level=None if filters.level == "any" else filters.level,
        words=log_filters.words(filters),
        fields=log_filters.fields(filters),
        trace_id=log_filters.trace_id(filters),
        kind=filters.kind,
        include_hops=filters.hops,
        newest_first=filters.order == "newest",
        limit=PAGE_SIZE if limit is None else limit,
        cursor=cursor,
    )


def table(lines: Sequence[LogLine]) -> dict[str, list[Any]]:
    """The lines as table columns, every value text (shown literally by the grid)."""
    return {
        "time": [format_ns(line.time_ns) for line in lines],
        "service": [line.service for line in lines],
        "level": [line.level for line in lines],
        "message": [line.message for line in lines],
        "trace": [_trace_link(line) for line in lines],
        "kind": ["unstructured" if line.unstructured else "" for line in lines],
    }


def _trace_link(line: LogLine) -> str | None:
    return None if not line.trace_id else trace_url(line.trace_id, line.span_id)


def trace_url(trace_id: str, span_id: str | None) -> str:
    """The trace page on the hop that wrote the line."""
    return f"?page=trace&trace={trace_id}" + (f"&hop={span_id}" if span_id else "")


_COLUMNS: Final = {
    "time": st.column_config.TextColumn("time (UTC)", width="medium"),
    "service": st.column_config.TextColumn(width="small"),
    "level": st.column_config.TextColumn(width="small"),
    "message": st.column_config.TextColumn(width="large"),
    "trace": st.column_config.LinkColumn(
        "trace",
        display_text=r"trace=([0-9a-f]{32})",
        help="Open the trace on this line's hop (in a new tab)",
        width="small",
    ),
    "kind": st.column_config.TextColumn(width="small"),
}


def _digest(*parts: object) -> str:
    return blake2b(repr(parts).encode(), digest_size=6).hexdigest()


def table_key(ids: Sequence[str]) -> str:
    """The table's widget key: new when other lines are shown, so a row picked among
    the old ones is not taken for the line now in its place."""
    return "lg_table_" + _digest(tuple(ids))


def chart_key(filters: LogFilters) -> str:
    return "lg_chart_" + _digest(filters)


def _first_time(key: str, choice: object) -> bool:
    """Whether *choice* on widget *key* is new (not acted on in an earlier run)."""
    handled: dict[str, object] = st.session_state.setdefault(_HANDLED_KEY, {})
    if handled.get(key) == choice:
        return False
    handled[key] = choice
    return True


def render(store: Store) -> None:
    st.title("Logs")
    try:
        filters = read_filters(store)
    except StoreError as exc:
        problem("The store could not answer.", str(exc))
        return
    live = st.sidebar.toggle(
        "Live", key=LIVE_KEY, help=f"Show new lines as they arrive (every {LIVE_SECONDS} s)"
    )
    url_state.publish("live", url_state.text_of(live, False))
    try:
        to_query(filters, _now_ns())
    except FilterError as exc:
        problem("A filter cannot be used as typed.", str(exc), warning=True)
        return
    results = st.fragment(_results, run_every=LIVE_SECONDS if live else None)
    results(store, filters)
    _detail(store)


def _now_ns() -> int:
    return time.time_ns()


Bucket = tuple[int, int, dict[str, int]]


def histogram(store: Store, query: LogQuery, now_ns: int) -> list[Bucket]:
    """Matching lines per bucket and level, as ``(start_ns, end_ns, {level: lines})``.
    An open start is the oldest matching line; an open end is now when the start was
    given (the live view's window keeps moving), else just after the newest line."""
    since, until = query.since_ns, query.until_ns
    if since is None or until is None:
        oldest = store.search_logs(replace(query, newest_first=False, limit=1, cursor=None))
        newest = store.search_logs(replace(query, newest_first=True, limit=1, cursor=None))
        if not oldest.lines or not newest.lines:
            return []
        if until is None:
            until = now_ns if since is not None else newest.lines[0].time_ns + 1
        if since is None:
            since = oldest.lines[0].time_ns
        until = max(until, since + 1)
    bars = store.log_histogram(
        replace(query, since_ns=since, until_ns=until, cursor=None), HISTOGRAM_BUCKETS
    )
    width = bucket_width(since, until, HISTOGRAM_BUCKETS)
    grouped: dict[int, dict[str, int]] = {}
    for start, level, count in bars:
        grouped.setdefault(start, {})[level] = count
    return [(start, start + width, counts) for start, counts in sorted(grouped.items())]


def _results(store: Store, filters: LogFilters) -> None:
    """The histogram and the table (redrawn alone in live mode). A bar clicked or a row
    picked changes the sidebar or the line shown below: the whole page redraws."""
    cursors = _PAGES.cursors(filters)
    now = _now_ns()
    try:
        query = to_query(filters, now, cursor=cursors[-1])
        page = store.search_logs(query)
        buckets = histogram(store, query, now)
    except (FilterError, BadQuery) as exc:
        problem("A filter cannot be used as typed.", str(exc), warning=True)
        return
    except StoreError as exc:
        problem("The store could not answer.", str(exc))
        return
    if buckets:
        _chart(filters, buckets)
    first = (len(cursors) - 1) * PAGE_SIZE
    st.caption(
        f"Lines {first + 1 if page.lines else first} to {first + len(page.lines)}"
        f"{' (more on the next page)' if page.next_cursor else ''}, "
        f"{filters.order} first. Pick a line to see all of it."
    )
    if not page.lines:
        st.info("No line matches these filters.")
    else:
        ids = [line.record_id for line in page.lines]
        key = table_key(ids)
        event = st.dataframe(
            table(page.lines),
            key=key,
            on_select="rerun",
            selection_mode="single-row",
            hide_index=True,
            column_config=_COLUMNS,
        )
        rows = event.selection.rows
        if rows and 0 <= rows[0] < len(ids) and _first_time(key, rows[0]):
            st.session_state[LINE_KEY] = ids[rows[0]]
            st.rerun()
    newer, older, _ = st.columns([1, 1, 4])
    newer.button(
        "← Newer" if filters.order == "newest" else "← Older",
        on_click=_PAGES.previous_page,
        disabled=len(cursors) == 1,
        key="lg_prev",
    )
    if page.next_cursor is not None:
        older.button(
            "Older →" if filters.order == "newest" else "Newer →",
            on_click=_PAGES.next_page,
            args=(page.next_cursor,),
            key="lg_next",
        )


def _chart(filters: LogFilters, buckets: list[Bucket]) -> None:
    st.caption("Matching lines over time by level: click a bar to narrow the time to it.")
    key = chart_key(filters)
    event = st.plotly_chart(
        figures.log_levels(buckets),
        key=key,
        on_select="rerun",
        selection_mode="points",
        config={"displaylogo": False},
    )
    # Item access: the state is a plain dict when set by session state (tests).
    points = event["selection"]["points"] if event else []
    bounds = points[0].get("customdata") if points else None
    if isinstance(bounds, list) and len(bounds) == 2 and _first_time(key, tuple(bounds)):
        st.session_state[_PENDING_RANGE_KEY] = (str(bounds[0]), str(bounds[1]))
        st.rerun()


def _close_line() -> None:
    st.session_state[LINE_KEY] = None


def _open_trace(trace_id: str, span_id: str | None) -> None:
    nav.request_trace(trace_id, span_id)


def _detail(store: Store) -> None:
    record_id = st.session_state.get(LINE_KEY)
    url_state.publish("line", record_id if isinstance(record_id, str) else None)
    if not isinstance(record_id, str) or not record_id:
        return
    st.subheader("Line")
    st.session_state.setdefault(CONTEXT_KEY, DEFAULT_CONTEXT)
    amount = st.number_input(
        "Context lines before and after",
        min_value=0,
        max_value=MAX_CONTEXT,
        step=1,
        key=CONTEXT_KEY,
    )
    url_state.publish("context", url_state.text_of(int(amount), DEFAULT_CONTEXT))
    try:
        context = store.log_context(record_id, int(amount), int(amount))
    except BadQuery as exc:
        problem("That line cannot be shown.", str(exc), warning=True)
        return
    except StoreError as exc:
        problem("The store could not answer.", str(exc))
        return
    line = context.line
    if line is None:
        problem("The store has no such line.", record_id, warning=True)
        return
    actions = st.columns([1, 1, 1, 3])
    if line.trace_id:
        actions[0].button(
            "Open its trace", on_click=_open_trace, args=(line.trace_id, line.span_id)
        )
        actions[1].button(
            "Lines of this trace", on_click=partial(open_logs, trace_id=line.trace_id)
        )
    actions[2].button("Close", on_click=_close_line)
    literal(f"{format_ns(line.time_ns)} {line.service} {line.level}: {line.message}")
    if line.unstructured:
        st.warning("Not a valid record: the collector kept it as an unstructured line.")
        st.markdown("**Reason**")
        literal(line.reason or "(none given)")
        st.markdown("**Raw text**")
        literal(line.raw_text or "")
    facts = field_table(line.doc)
    st.dataframe(facts, hide_index=True, height=table_height(len(facts["field"]), 30))
    st.markdown(f"**Context in its source** ({md_escape(line.source or 'unknown source')})")
    around = [*context.before, line, *context.after]
    st.dataframe(
        context_table(around, record_id),
        hide_index=True,
        height=table_height(len(around), 25),
    )


def field_table(document: Any) -> dict[str, list[str]]:
    """Every field of the stored record as text rows, in the record's order."""
    names: list[str] = []
    values: list[str] = []
    for name, value in dict(document).items():
        names.append(str(name))
        values.append(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
    return {"field": names, "value": values}


def context_table(lines: Sequence[LogLine], picked: str) -> dict[str, list[Any]]:
    return {
        "": ["▶" if line.record_id == picked else "" for line in lines],
        "offset": [line.offset for line in lines],
        "time": [format_ns(line.time_ns) for line in lines],
        "service": [line.service for line in lines],
        "level": [line.level for line in lines],
        "message": [line.message for line in lines],
    }
