"""What the pages read, cached: the store connection (one per URL, shared by every
session) and rebuilt traces (a 10,000-hop tree is rebuilt once, not on every click)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboards.store import Store, open_store
from dashboards.store.url import default_store_url
from dashboards.ui.rows import HopIndex
from sdk.chain import TraceSummary, TraceTree, build_tree, summarize, tree_to_json

#: Seconds a rebuilt trace is reused (records of a live request may still be arriving).
TRACE_TTL = 30


def store_url() -> str:
    """The store the app reads (``$HOPSCOPE_STORE``, set by ``hopscope dashboard``)."""
    return default_store_url()


@st.cache_resource(show_spinner=False)
def store_at(url: str) -> Store:
    """One open store per URL for the whole server (the stores are thread safe)."""
    return open_store(url)


@dataclass(frozen=True, slots=True)
class LoadedTrace:
    tree: TraceTree
    index: HopIndex
    summary: TraceSummary
    records: int
    truncated: bool
    unindexed_note: str | None = None

    def json(self) -> bytes:
        """The rebuilt chain as JSON (the ``hopscope trace --json`` shape), written without
        recursion so a chain of any depth downloads."""
        return tree_to_json(self.tree).encode()


@st.cache_resource(show_spinner="Rebuilding the hop chain…", ttl=TRACE_TTL, max_entries=16)
def trace_at(url: str, trace_id: str, skew: bool) -> LoadedTrace | None:
    """The trace rebuilt from the store, or None when the store has no record of it."""
    fetched = store_at(url).fetch_trace(trace_id)
    if not fetched.records:
        return None
    tree = build_tree(fetched.records, trace_id=trace_id, adjust_clock_skew=skew)
    return LoadedTrace(
        tree=tree,
        index=HopIndex(tree),
        summary=summarize(tree),
        records=len(fetched.records),
        truncated=fetched.truncated,
        unindexed_note=fetched.unindexed_note(),
    )
