"""Hop records -> :class:`Hop` nodes (times parsed, names picked), and log lines apart."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit

from sdk.chain import _fields as f
from sdk.chain._fields import is_failure, read_ns
from sdk.chain._model import Hop, NodeKind
from sdk.schema import Record

_KINDS: frozenset[str] = frozenset({"server", "client", "internal"})


def split_records(records: Iterable[Record]) -> tuple[list[Record], list[Record]]:
    """(hop records, every other record)."""
    hops: list[Record] = []
    logs: list[Record] = []
    for record in records:
        (hops if record.get(f.HOP_KIND) in _KINDS else logs).append(record)
    return hops, logs


def hop_times(record: Record) -> tuple[int, int]:
    """(start, end) in Unix ns: ``event.start`` plus ``event.duration`` (one parse per hop),
    else whichever of ``event.end``, ``event.duration`` and ``@timestamp`` (the line is
    written when the hop ends) the record has. A time that cannot be read counts as absent;
    a record with no time at all sits at the epoch."""
    duration = record.get(f.DURATION)
    if not isinstance(duration, int):
        duration = None
    start = read_ns(record.get(f.START))
    if start is not None and duration is not None:
        return start, start + duration
    end = read_ns(record.get(f.END))
    if start is None and end is None:
        end = read_ns(record.get(f.TIMESTAMP)) or 0
    if start is None:
        assert end is not None
        start = end - duration if duration is not None else end
    if end is None:
        end = start
    return start, max(end, start)


def client_target(record: Record) -> str | None:
    target = record.get(f.TARGET)
    if isinstance(target, str) and target:
        return target
    url = record.get(f.URL_FULL)
    if isinstance(url, str) and url:
        return _url_parts(url)[0]
    return None


@lru_cache(maxsize=4096)
def _url_parts(url: str) -> tuple[str | None, str]:
    """(host, path) of a URL; a trace calls the same few URLs many times over."""
    parts = urlsplit(url)
    return parts.hostname or None, parts.path


def operation(record: Record, kind: str) -> str:
    method = record.get(f.METHOD)
    prefix = f"{method} " if method else ""
    if kind == "server":
        return prefix + str(record.get(f.ROUTE) or record.get(f.URL_PATH) or "")
    if kind == "client":
        route = record.get(f.ROUTE)
        url = record.get(f.URL_FULL)
        path = route or (_url_parts(url)[1] if isinstance(url, str) else "") or ""
        return prefix + str(path)
    return str(record.get(f.MESSAGE) or "")


def make_hop(record: Record) -> Hop:
    kind = str(record[f.HOP_KIND])
    start, end = hop_times(record)
    status = record.get(f.STATUS)
    attempt = record.get(f.ATTEMPT)
    node_kind: NodeKind = "internal"
    if kind in ("server", "client"):
        node_kind = "server" if kind == "server" else "client"
    service = str(record.get(f.SERVICE) or "?")
    return Hop(
        kind=node_kind,
        span_id=_text(record.get(f.SPAN_ID)),
        parent_id=_text(record.get(f.PARENT_ID)),
        service=service,
        operation=operation(record, kind),
        start_ns=start,
        end_ns=end,
        record=record,
        status_code=status if isinstance(status, int) else None,
        failed=is_failure(record),
        error_type=_text(record.get(f.ERROR_TYPE)),
        error_message=_text(record.get(f.ERROR_MESSAGE)),
        attempt=attempt if isinstance(attempt, int) else None,
        target=client_target(record) if kind == "client" else None,
        host=str(record.get(f.HOST) or record.get(f.NODE) or service),
        adj_start_ns=start,
        adj_end_ns=end,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
