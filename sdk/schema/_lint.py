"""Checking lines of text against the record schema."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

from sdk.schema._validation import problem


@dataclass
class LintReport:
    checked: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)


def line_problem(line: bytes) -> str | None:
    """Why one line is not a valid record, or ``None``."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return f"not JSON: {exc}"
    return problem(record)


def lint_lines(lines: Iterable[bytes]) -> LintReport:
    report = LintReport()
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip(b"\r\n")
        if not line.strip():
            continue
        report.checked += 1
        reason = line_problem(line)
        if reason is not None:
            report.problems.append((number, reason))
    return report
