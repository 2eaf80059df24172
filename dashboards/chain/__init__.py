"""Hop-chain reconstruction: pure functions from a trace's records to its tree, timings,
critical path and summary. No UI imports; shared by the dashboard and ``hopscope trace``."""

from dashboards.chain.build import build_tree
from dashboards.chain.critical import critical_path
from dashboards.chain.export import hop_to_dict, tree_to_dict, tree_to_json
from dashboards.chain.failure import first_failure
from dashboards.chain.model import Hop, NodeKind, Segment, TraceSummary, TraceTree
from dashboards.chain.skew import adjust_skew, skew_delta
from dashboards.chain.summary import service_path, summarize

__all__ = [
    "Hop",
    "NodeKind",
    "Segment",
    "TraceSummary",
    "TraceTree",
    "adjust_skew",
    "build_tree",
    "critical_path",
    "first_failure",
    "hop_to_dict",
    "service_path",
    "skew_delta",
    "summarize",
    "tree_to_dict",
    "tree_to_json",
]
