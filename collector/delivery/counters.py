"""Counters per source and per sink, so that ``read = stored + dead-lettered`` can be
checked by anyone watching, and their rendering for the terminal."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class SourceCounts:
    read: int = 0  # entries read, blank lines not included: a traceback counts as one
    blank: int = 0  # blank lines, counted apart and not stored
    bytes: int = 0
    lag: int = 0  # bytes in the source not read yet


@dataclass
class SinkCounts:
    stored: int = 0
    dead_lettered: int = 0
    retried: int = 0  # records sent again after a failed attempt
    buffered: int = 0  # records waiting on disk for this sink now
    down: bool = False
    by_source: Counter[str] = field(default_factory=Counter)  # stored + dead-lettered


@dataclass
class Counters:
    sources: dict[str, SourceCounts] = field(default_factory=dict)
    sinks: dict[str, SinkCounts] = field(default_factory=dict)

    def source(self, name: str) -> SourceCounts:
        counts = self.sources.get(name)
        if counts is None:
            counts = self.sources[name] = SourceCounts()
        return counts

    def sink(self, name: str) -> SinkCounts:
        counts = self.sinks.get(name)
        if counts is None:
            counts = self.sinks[name] = SinkCounts()
        return counts

    @property
    def read(self) -> int:
        return sum(c.read for c in self.sources.values())

    @property
    def blank(self) -> int:
        return sum(c.blank for c in self.sources.values())

    def render(self) -> str:
        lines = []
        width = max([len(n) for n in (*self.sources, *self.sinks)] + [6])
        lines.append(f"{'source':<{width}}  {'read':>10} {'blank':>8} {'lag bytes':>12}")
        for name, s in sorted(self.sources.items()):
            lines.append(f"{name:<{width}}  {s.read:>10} {s.blank:>8} {s.lag:>12}")
        lines.append(
            f"{'sink':<{width}}  {'stored':>10} {'dead':>8} {'retried':>12} {'buffered':>10}"
        )
        for name, k in sorted(self.sinks.items()):
            state = "  (unavailable)" if k.down else ""
            lines.append(
                f"{name:<{width}}  {k.stored:>10} {k.dead_lettered:>8} "
                f"{k.retried:>12} {k.buffered:>10}{state}"
            )
        return "\n".join(lines)
