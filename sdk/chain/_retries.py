"""Retried calls: the client hops of one call (same caller hop, same callee and request,
attempts 1..n) grouped under one ``call`` node, so a retry reads as one call that took
several tries rather than as unrelated calls."""

from __future__ import annotations

from sdk.chain._model import Hop

_Key = tuple[str, str | None, str]


def group_retries(hop: Hop) -> None:
    """Regroup the client children of *hop* (call it on every hop)."""
    clients = [c for c in hop.children if c.kind == "client"]
    if len(clients) < 1 or not any((c.attempt or 1) > 1 for c in clients):
        return
    open_groups: dict[_Key, list[Hop]] = {}
    groups: list[list[Hop]] = []
    for client in sorted(clients, key=lambda c: c.start_ns):
        key: _Key = (client.service, client.target, client.operation)
        attempt = client.attempt or 1
        group = open_groups.get(key)
        if group is not None and attempt > (group[-1].attempt or 1):
            group.append(client)
        else:
            group = [client]
            open_groups[key] = group
            groups.append(group)
    grouped = {id(c): g for g in groups for c in g}
    children: list[Hop] = []
    for child in hop.children:
        group = grouped.get(id(child))
        if group is None:
            children.append(child)
        elif group[0] is child:
            is_retry = len(group) > 1 or (child.attempt or 1) > 1
            children.append(_call_node(hop, group) if is_retry else child)
    hop.children = children


def _call_node(parent: Hop, attempts: list[Hop]) -> Hop:
    last = attempts[-1]
    start = min(a.start_ns for a in attempts)
    end = max(a.end_ns for a in attempts)
    return Hop(
        kind="call",
        span_id=None,
        parent_id=parent.span_id,
        service=last.service,
        operation=last.operation,
        start_ns=start,
        end_ns=end,
        record=None,
        status_code=last.status_code,
        failed=last.failed,
        error_type=last.error_type,
        error_message=last.error_message,
        attempt=len(attempts),
        target=last.target,
        host=last.host,
        children=list(attempts),
        adj_start_ns=start,
        adj_end_ns=end,
    )
