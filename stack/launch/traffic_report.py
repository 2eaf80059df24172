"""The traffic generator's report (one JSON object per payment sent), read while it is
being written: payments by outcome, and one trace per kind of payment to look at first."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def read_report(report: Path) -> list[dict[str, Any]]:
    """One object per payment sent; a line still being written is left for the next read."""
    try:
        text = report.read_text(encoding="utf-8")
    except OSError:
        return []
    sent = []
    for line in text.splitlines():
        try:
            sent.append(json.loads(line))
        except ValueError:
            continue
    return sent


def sent_so_far(report: Path) -> Counter[str]:
    """Payments sent by outcome."""
    return Counter(str(s.get("status") or "no answer") for s in read_report(report))


def example_traces(report: Path) -> dict[str, str]:
    """One trace id per kind of payment (healthy, each fault), to look at first."""
    examples: dict[str, str] = {}
    for sent in read_report(report):
        kind = sent.get("fault") or ("healthy" if sent.get("status") == 201 else None)
        if kind and kind not in examples and sent.get("trace_id"):
            examples[kind] = sent["trace_id"]
    return examples


def failed(outcomes: Mapping[str, int]) -> int:
    """Payments answered with a server error, or not answered at all."""
    return sum(n for status, n in outcomes.items() if not status.isdigit() or int(status) >= 500)


def describe(outcomes: Mapping[str, int]) -> str:
    total = sum(outcomes.values())
    parts = ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
    return f"{total} payments sent" + (f" ({parts})" if parts else "")
