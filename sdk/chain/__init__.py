"""Hop-chain reconstruction: pure functions from a trace's records to its tree, timings,
critical path and summary. Pure Python; shared by the dashboard, ``hopscope trace`` and
``sdk.testing``."""

from sdk.chain._build import build_tree
from sdk.chain._critical import critical_path
from sdk.chain._export import hop_to_dict, tree_to_dict, tree_to_json
from sdk.chain._failure import first_failure
from sdk.chain._fields import FAILURE_STATUS, is_failure, read_ns
from sdk.chain._model import Hop, NodeKind, Segment, TraceSummary, TraceTree
from sdk.chain._skew import adjust_skew, skew_delta
from sdk.chain._summary import service_path, summarize
from sdk.schema import Record

__all__ = [
    "FAILURE_STATUS",
    "Hop",
    "NodeKind",
    "Record",
    "Segment",
    "TraceSummary",
    "TraceTree",
    "adjust_skew",
    "build_tree",
    "critical_path",
    "first_failure",
    "hop_to_dict",
    "is_failure",
    "read_ns",
    "service_path",
    "skew_delta",
    "summarize",
    "tree_to_dict",
    "tree_to_json",
]
