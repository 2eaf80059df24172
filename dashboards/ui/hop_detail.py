"""One hop in detail: what it asked and answered, how it failed, and every log line it
wrote, in order. Everything from the records is shown literally (tables and code)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import parse_qsl

import streamlit as st

from dashboards import records as f
from dashboards.records import Record, format_ns
from dashboards.ui.rows import Row, callee, label
from dashboards.ui.show import literal, table_height
from dashboards.ui.text import ns_ms
from sdk.chain import Hop
from sdk.schema import names

REQUEST_FIELDS: Final = (
    f.METHOD,
    f.ROUTE,
    f.URL_PATH,
    names.URL_QUERY,
    f.URL_FULL,
    f.ORIGIN,
    f.TARGET,
    names.CLIENT_ADDRESS,
    names.SERVER_ADDRESS,
    f.ATTEMPT,
    names.HTTP_REQUEST_BODY_BYTES,
)
RESPONSE_FIELDS: Final = (f.STATUS, f.OUTCOME, names.HTTP_RESPONSE_BODY_BYTES)
#: Folded runs list at most this many of their calls.
MEMBERS_SHOWN: Final = 1000


def _value(record: Record | None, name: str) -> Any:
    return None if record is None else record.get(name)


def facts(hop: Hop) -> dict[str, list[str]]:
    """Field/value rows about the hop: timing first, then the record's own fields."""
    rows: list[tuple[str, str]] = [
        ("kind", hop.kind),
        ("service", hop.service),
        ("operation", hop.operation),
        ("start", format_ns(hop.adj_start_ns)),
        ("duration", ns_ms(hop.duration_ns)),
        ("self time", ns_ms(hop.self_ns)),
    ]
    if hop.gap_ns is not None:
        rows.append(("network and queueing (gap)", ns_ms(hop.gap_ns)))
    if hop.adjusted:
        rows.append(("clock skew adjustment", ns_ms(hop.skew_ns)))
    if hop.kind in ("client", "call", "external"):
        rows.append(("called", callee(hop)))
    rows.append(("on the critical path", "yes" if hop.critical else "no"))
    if hop.orphan:
        rows.append(("caller", f"not in the store (likely {hop.likely_caller or 'unknown'})"))
    if hop.duplicates:
        rows.append(("duplicate records folded", str(hop.duplicates)))
    for name in (f.SPAN_ID, f.PARENT_ID, f.HOST, *REQUEST_FIELDS, *RESPONSE_FIELDS):
        value = _value(hop.record, name)
        if value is not None and value != "":
            rows.append((name, str(value)))
    return {"field": [k for k, _ in rows], "value": [v for _, v in rows]}


def log_table(lines: Sequence[Record]) -> dict[str, list[str]]:
    return {
        "time": [str(r.get(f.TIMESTAMP, "")) for r in lines],
        "level": [str(r.get(f.LEVEL, "")) for r in lines],
        "message": [str(r.get(f.MESSAGE, "")) for r in lines],
    }


def query_table(query: str) -> dict[str, list[str]]:
    """``a=1&b=x`` as name/value rows (blank values kept, order kept)."""
    pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    return {"name": [k for k, _ in pairs], "value": [v for _, v in pairs]}


def _bodies(hop: Hop) -> None:
    query = _value(hop.record, names.URL_QUERY)
    if query:
        st.markdown("**Query parameters**")
        table = query_table(str(query))
        st.dataframe(table, hide_index=True, height=table_height(len(table["name"])))
    for title, name in (
        ("Request body", names.HTTP_REQUEST_BODY_CONTENT),
        ("Response body", names.HTTP_RESPONSE_BODY_CONTENT),
    ):
        body = _value(hop.record, name)
        if body:
            st.markdown(f"**{title}**")
            literal(str(body))


def _error(hop: Hop) -> None:
    if not hop.failed:
        return
    st.error("This hop failed.")
    what = _error_text(hop)
    status = f"status {hop.status_code}" if hop.status_code is not None else ""
    literal(" — ".join(x for x in (what, status) if x) or "failed (no error recorded)")
    stack = _value(hop.record, names.ERROR_STACK_TRACE)
    if stack:
        st.markdown("**Stack trace**")
        literal(str(stack))


def _logs(hop: Hop) -> None:
    st.markdown(f"**Log lines ({len(hop.logs)})**")
    if not hop.logs:
        st.caption("This hop wrote no log lines.")
        return
    st.dataframe(log_table(hop.logs), hide_index=True, height=table_height(len(hop.logs)))
    with st.expander("Log records, every field"):
        st.json([dict(r) for r in hop.logs], expanded=2)


def attempts(call: Hop) -> dict[str, list[Any]]:
    return {
        "attempt": [a.attempt or n for n, a in enumerate(call.children, start=1)],
        "start": [format_ns(a.adj_start_ns) for a in call.children],
        "duration": [ns_ms(a.duration_ns) for a in call.children],
        "status": [a.status_code for a in call.children],
        "error": [_error_text(a) for a in call.children],
    }


def _error_text(hop: Hop) -> str:
    return ": ".join(x for x in (hop.error_type, hop.error_message) if x)


def render_hop(hop: Hop) -> None:
    literal(label(Row(key="", depth=0, hop=hop)))
    if hop.kind == "call":
        st.caption(f"A call retried {hop.attempt} times; its attempts:")
        st.dataframe(attempts(hop), hide_index=True)
    _error(hop)
    table = facts(hop)
    st.dataframe(table, hide_index=True, height=table_height(len(table["field"]), 30))
    _bodies(hop)
    _logs(hop)


def render_folded(row: Row) -> None:
    """A folded run of identical calls: how many, how long, which failed."""
    literal(label(row))
    durations = sorted(m.duration_ns for m in row.members)
    total = len(durations)
    cols = st.columns(4)
    cols[0].metric("calls", f"{total:,}")
    cols[1].metric("failed", f"{row.errors:,}")
    cols[2].metric("median", ns_ms(durations[total // 2]))
    cols[3].metric("slowest", ns_ms(durations[-1]))
    failed = {id(m) for m in row.members if any(h.failed for h in m.walk())}
    # Failed calls first, then in time order.
    ordered = sorted(row.members, key=lambda m: id(m) not in failed)
    shown = ordered[:MEMBERS_SHOWN]
    cut = "" if total <= MEMBERS_SHOWN else f" (the first {MEMBERS_SHOWN:,})"
    st.caption(
        f"The calls, failed ones first{cut}; pick a failed one in the hop list above to see "
        "it in full."
    )
    st.dataframe(
        {
            "start": [format_ns(m.adj_start_ns) for m in shown],
            "duration": [ns_ms(m.duration_ns) for m in shown],
            "status": [m.status_code for m in shown],
            "failed": [id(m) in failed for m in shown],
            "span": [m.span_id or "" for m in shown],
        },
        hide_index=True,
    )
