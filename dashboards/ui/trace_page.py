"""The trace page: one request's hop chain as a service graph, a waterfall with the
critical path and failures marked (folded repeats, a page of rows at a time), and the
chosen hop in detail. Trace, hop, page and toggles live in the URL."""

from __future__ import annotations

import re
from functools import partial
from typing import Final

import streamlit as st

from dashboards.records import format_ns
from dashboards.store import Store, StoreError
from dashboards.ui import figures, graphs, hop_detail, logs_page, nav, url_state
from dashboards.ui.data import LoadedTrace, store_url, trace_at
from dashboards.ui.rows import COLLAPSE_AT, Row, flatten, label, page_count, page_of, row_holding
from dashboards.ui.show import literal, problem
from dashboards.ui.text import ns_ms, shorten
from sdk.chain import Hop

#: Waterfall rows drawn at once; the rest are on further pages.
ROWS_PER_PAGE: Final = 100
#: Failed hops inside folded runs offered in the hop list, per run.
FAILED_IN_RUN: Final = 20
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
CHART_KEY: Final = "tr_chart"


def _seed() -> None:
    url_state.seed(nav.TRACE_ID_KEY, "trace", url_state.parse_text, "")
    url_state.seed("tr_skew", "skew", url_state.parse_bool, False)
    url_state.seed("tr_fold", "fold", url_state.parse_bool, True)
    # No hop: the default choice (first failure, else root); no page: the first.
    url_state.seed("tr_hop", "hop", url_state.parse_text, None)
    if url_state.from_history():
        url_state.seed("tr_page", "wpage", url_state.parse_int, 1)


def _back() -> None:
    nav.go_to("requests")


def _pick_bar() -> None:
    """A click on a waterfall bar chooses that row's hop."""
    state = st.session_state.get(CHART_KEY)
    points = state["selection"]["points"] if state else []
    if points and points[0].get("customdata"):
        st.session_state["tr_hop"] = str(points[0]["customdata"])


def render(store: Store) -> None:
    """Draw the page. Traces are read through the cached :func:`trace_at` (same store)."""
    del store
    _seed()
    top, back, logs = st.columns([4, 1, 1])
    top.title("Trace")
    back.button("← Requests", on_click=_back)
    raw_id = st.text_input("Trace id", key=nav.TRACE_ID_KEY, placeholder="32 hex digits")
    trace_id = raw_id.strip().lower()
    url_state.publish("trace", trace_id or None)
    if not trace_id:
        st.info("Pick a request on the Requests page, or paste a trace id.")
        return
    if not _TRACE_ID.match(trace_id):
        problem("That is not a trace id (32 hex digits).", raw_id, warning=True)
        return
    logs.button("Log lines →", on_click=partial(logs_page.open_logs, trace_id=trace_id))
    toggles = st.columns(3)
    skew = toggles[0].toggle(
        "Adjust clock skew",
        key="tr_skew",
        help="Centre hops timed on other hosts inside their callers",
    )
    st.session_state.setdefault("tr_fold", True)
    fold = toggles[1].toggle(
        "Fold repeated calls",
        key="tr_fold",
        help="Show a run of identical calls from one hop as one row",
    )
    url_state.publish("skew", url_state.text_of(skew, False))
    url_state.publish("fold", None if fold else "0")
    try:
        loaded = trace_at(store_url(), trace_id, skew)
    except StoreError as exc:
        problem("The store could not answer.", str(exc))
        return
    if loaded is None:
        problem("The store has no record of this trace.", trace_id, warning=True)
        return
    toggles[2].download_button(
        "Download trace JSON",
        data=loaded.json,
        file_name=f"trace-{trace_id}.json",
        mime="application/json",
        on_click="ignore",
    )
    _summary(loaded)
    st.subheader("Hop chain")
    st.graphviz_chart(graphs.chain_dot(loaded.tree))
    rows = flatten(loaded.tree, loaded.index, collapse_at=COLLAPSE_AT if fold else None)
    chosen = _chosen_key(loaded, rows)
    page_rows = _waterfall(loaded, rows, chosen)
    _detail(loaded, rows, page_rows)
    _unattached(loaded)


def _summary(loaded: LoadedTrace) -> None:
    summary = loaded.summary
    root = loaded.tree.root
    cols = st.columns(4)
    cols[0].metric("Duration", ns_ms(summary.duration_ns))
    cols[1].metric("Hops", f"{summary.hop_count:,}")
    cols[2].metric("Services", f"{len(summary.services)}")
    status = root.status_code if root is not None else None
    outcome = "ok"
    if summary.error:
        outcome = "failed" if root is not None and root.failed else "a hop failed"
    cols[3].metric("Result", f"{status or '-'} · {outcome}")
    literal(
        f"{summary.root_service or '?'} {root.operation if root else ''} · started "
        f"{format_ns(summary.start_ns)} · path: {summary.signature}"
    )
    if loaded.truncated:
        st.warning(f"Only the first {loaded.records:,} records of this trace were read.")
    if loaded.unindexed_note is not None:
        st.info(loaded.unindexed_note)
    failure = loaded.tree.first_failure
    if failure is not None:
        st.error("The request failed. First failing hop:")
        error = ": ".join(x for x in (failure.error_type, failure.error_message) if x)
        literal(label(Row(key="", depth=0, hop=failure)) + (f"\n{error}" if error else ""))


def _chosen_key(loaded: LoadedTrace, rows: list[Row]) -> str:
    """The hop to show in detail: from the URL or a click, else the first failure, else
    the root."""
    current = st.session_state.get("tr_hop")
    if isinstance(current, str) and (
        loaded.index.get(current) is not None or any(r.key == current for r in rows if r.folded)
    ):
        return current
    fallback = loaded.tree.first_failure or loaded.tree.root
    key = loaded.index.key(fallback) if fallback is not None else ""
    st.session_state["tr_hop"] = key
    return key


def _waterfall(loaded: LoadedTrace, rows: list[Row], chosen: str) -> list[Row]:
    st.subheader("Waterfall")
    pages = page_count(rows, ROWS_PER_PAGE)
    if pages > 1:
        st.caption(f"{len(rows):,} rows ({len(loaded.index):,} hops), {ROWS_PER_PAGE} per page.")
        page = st.pagination(
            pages,
            default=_first_page(loaded, rows, chosen, pages),
            key="tr_page",
            max_visible_pages=9,
        )
    else:
        page = 1
    url_state.publish("wpage", None if page == 1 else str(page))
    shown = page_of(rows, ROWS_PER_PAGE, page)
    origin = min((r.adj_start_ns for r in loaded.tree.roots), default=0)
    st.plotly_chart(
        figures.waterfall(shown, origin),
        key=CHART_KEY,
        on_select=_pick_bar,
        selection_mode="points",
        config={"displaylogo": False},
    )
    return shown


def _first_page(loaded: LoadedTrace, rows: list[Row], chosen: str, pages: int) -> int:
    """The page the waterfall opens on: the URL's, else the one with the chosen hop."""
    current = st.session_state.get("tr_page")
    if isinstance(current, int) and 1 <= current <= pages:
        return current
    st.session_state.pop("tr_page", None)  # out of range after folding changed
    wanted = url_state.parse_int(url_state.param("wpage") or "")
    if wanted is not None and 1 <= wanted <= pages:
        return wanted
    hop = loaded.index.get(chosen)
    at = row_holding(rows, hop) if hop is not None else None
    return 1 if at is None else at // ROWS_PER_PAGE + 1


def _options(loaded: LoadedTrace, page_rows: list[Row], chosen: str) -> dict[str, str]:
    """Hop-list entries: the rows on this page, the failed hops inside its folded runs,
    and the chosen hop wherever it is."""
    options: dict[str, str] = {}
    for row in page_rows:
        options[row.key] = shorten("  " * min(row.depth, 12) + label(row), 120)
        if row.folded:
            failed = [h for m in row.members for h in m.walk() if h.failed]
            for hop in failed[:FAILED_IN_RUN]:
                options[loaded.index.key(hop)] = shorten(
                    "  " * min(row.depth + 1, 12) + "failed: " + _hop_text(hop), 120
                )
    chosen_hop = loaded.index.get(chosen)
    if chosen and chosen not in options:
        text = shorten(_hop_text(chosen_hop), 120) if chosen_hop is not None else chosen
        options = {chosen: text, **options}
    return options


def _hop_text(hop: Hop) -> str:
    return label(Row(key="", depth=0, hop=hop))


def _detail(loaded: LoadedTrace, rows: list[Row], page_rows: list[Row]) -> None:
    st.subheader("Hop detail")
    chosen = str(st.session_state.get("tr_hop") or "")
    options = _options(loaded, page_rows, chosen)
    if chosen not in options:
        st.session_state["tr_hop"] = next(iter(options))
    key = st.selectbox("Hop", list(options), format_func=options.__getitem__, key="tr_hop")
    url_state.publish("hop", _published_hop(loaded, key))
    folded = next((r for r in rows if r.key == key and r.folded), None)
    if folded is not None:
        hop_detail.render_folded(folded)
        return
    hop = loaded.index.get(key)
    if hop is not None:
        hop_detail.render_hop(hop)


def _published_hop(loaded: LoadedTrace, key: str) -> str | None:
    """The chosen hop for the URL (left out when it is the default choice)."""
    default = loaded.tree.first_failure or loaded.tree.root
    if default is not None and loaded.index.get(key) is default:
        return None
    return key


def _unattached(loaded: LoadedTrace) -> None:
    lines = loaded.tree.unattached_logs
    if not lines:
        return
    with st.expander(f"Log lines outside any hop ({len(lines):,})"):
        st.dataframe(hop_detail.log_table(lines), hide_index=True)
