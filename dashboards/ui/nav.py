"""Which page is shown: a sidebar choice mirrored in the URL (``?page=``); a link with
only ``?trace=<id>`` opens that trace."""

from __future__ import annotations

from typing import Final

import streamlit as st

from dashboards.ui import url_state

PAGES: Final = {
    "requests": "Requests",
    "trace": "Trace",
    "logs": "Logs",
    "services": "Services",
}
NAV_KEY: Final = "nav"
#: Widget keys of the trace page that a newly opened trace starts afresh.
TRACE_ID_KEY: Final = "tr_id"
TRACE_RESETS: Final = ("tr_hop", "tr_page")
_PENDING_KEY: Final = "nav_pending_trace"


def seed() -> None:
    """The page the URL names (a trace alone names the trace page); on a run after Back or
    Forward, the page of the entry the browser went to."""
    if NAV_KEY in st.session_state and not url_state.from_history():
        return
    page = url_state.param("page")
    if page not in PAGES:
        page = "trace" if url_state.param("trace") else "requests"
    st.session_state[NAV_KEY] = page


def choose() -> str:
    """Draw the page choice in the sidebar; the chosen page's name."""
    pending = st.session_state.pop(_PENDING_KEY, None)
    if isinstance(pending, tuple):
        open_trace(*pending)
    seed()
    page: str = st.sidebar.radio("View", tuple(PAGES), format_func=PAGES.__getitem__, key=NAV_KEY)
    url_state.publish("page", page)
    return page


def request_trace(trace_id: str, hop: str | None = None) -> None:
    """Open *trace_id* (on *hop*, a span id, when given) on the next run (for choices made
    after the page choice is drawn, followed by ``st.rerun()``, or in a widget callback)."""
    st.session_state[_PENDING_KEY] = (trace_id, hop)


def open_trace(trace_id: str, hop: str | None = None) -> None:
    """Switch to the trace page showing *trace_id*, on *hop* when given (call before the
    page choice is drawn, in the script's run: it writes the URL, which callbacks run
    before may not)."""
    st.session_state[NAV_KEY] = "trace"
    st.session_state[TRACE_ID_KEY] = trace_id
    for key in TRACE_RESETS:
        st.session_state.pop(key, None)
    if hop:
        st.session_state["tr_hop"] = hop
    url_state.publish("trace", trace_id)
    url_state.publish("hop", hop)
    url_state.publish("wpage", None)


def go_to(page: str) -> None:
    """Switch page (call from a widget callback)."""
    st.session_state[NAV_KEY] = page
