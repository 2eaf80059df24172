"""Exact values grouped into statistics rows with nearest-rank percentiles (the SQLite
store computes everything here; the search store lets the server aggregate)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from dashboards.records import from_ns
from dashboards.store.base import Edge, LatencyStats, nearest_rank


@dataclass(slots=True)
class _Tally:
    durations: list[int] = field(default_factory=list)
    count: int = 0
    errors: int = 0

    def add(self, duration: int | None, failed: bool) -> None:
        self.count += 1
        self.errors += bool(failed)
        if duration is not None:
            self.durations.append(duration)

    def percentiles_ms(self) -> tuple[float, float, float]:
        values = self.durations
        values.sort()
        return (
            nearest_rank(values, 50) / 1e6,
            nearest_rank(values, 95) / 1e6,
            nearest_rank(values, 99) / 1e6,
        )


def latency_rows(
    samples: Iterable[tuple[str, str | None, int | None, int | None, bool]],
) -> list[LatencyStats]:
    """``(service, route, bucket_start_ns, duration_ns, failed)`` -> sorted stats rows."""
    tallies: dict[tuple[str, str | None, int | None], _Tally] = {}
    for service, route, bucket, duration, failed in samples:
        tally = tallies.get((service, route, bucket))
        if tally is None:
            tally = tallies[(service, route, bucket)] = _Tally()
        tally.add(duration, failed)
    rows: list[LatencyStats] = []
    for service, route, bucket in sorted(tallies, key=lambda k: (k[0], k[1] or "", k[2] or 0)):
        tally = tallies[(service, route, bucket)]
        p50, p95, p99 = tally.percentiles_ms()
        rows.append(
            LatencyStats(
                service=service,
                route=route,
                bucket_start=None if bucket is None else from_ns(bucket),
                count=tally.count,
                errors=tally.errors,
                p50_ms=p50,
                p95_ms=p95,
                p99_ms=p99,
            )
        )
    return rows


def edge_rows(samples: Iterable[tuple[str, str, int | None, bool]]) -> list[Edge]:
    """``(caller, callee, duration_ns, failed)`` -> edges sorted by caller, callee."""
    tallies: dict[tuple[str, str], _Tally] = {}
    for caller, callee, duration, failed in samples:
        tally = tallies.get((caller, callee))
        if tally is None:
            tally = tallies[(caller, callee)] = _Tally()
        tally.add(duration, failed)
    edges: list[Edge] = []
    for caller, callee in sorted(tallies):
        tally = tallies[(caller, callee)]
        p50, p95, p99 = tally.percentiles_ms()
        edges.append(Edge(caller, callee, tally.count, tally.errors, p50, p95, p99))
    return edges
