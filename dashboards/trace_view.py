"""A hop chain in the terminal: an indented tree with service, operation, status, duration,
network gap and errors. Rich when the output is a terminal, plain text otherwise (pipes,
files, CI logs). Log content is printed as text, never interpreted as markup."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from dashboards import records as f
from dashboards.records import format_ns
from sdk.chain import Hop, TraceTree, summarize


def _ms(ns: int) -> str:
    return f"{ns / 1e6:.1f} ms"


def hop_label(hop: Hop) -> str:
    """One line about a hop, without indentation."""
    who = hop.service
    if hop.kind in ("client", "external", "call") and hop.target:
        who = f"{hop.service} -> {hop.target}"
    parts = [hop.kind, who, hop.operation]
    parts.append(str(hop.status_code) if hop.status_code is not None else "-")
    parts.append(_ms(hop.duration_ns))
    if hop.gap_ns is not None:
        parts.append(f"gap {_ms(hop.gap_ns)}")
    if hop.kind == "call":
        parts.append(f"{hop.attempt} attempts")
    elif hop.attempt and hop.attempt > 1:
        parts.append(f"attempt {hop.attempt}")
    if hop.failed:
        parts.append("ERROR " + ": ".join(x for x in (hop.error_type, hop.error_message) if x))
    flags = [
        name
        for name, on in (
            ("orphan", hop.orphan),
            ("re-entered", hop.reentrant),
            (f"skew {_ms(hop.skew_ns)}", hop.adjusted),
            (f"x{hop.duplicates + 1} duplicate", hop.duplicates > 0),
        )
        if on
    ]
    if hop.orphan and hop.likely_caller:
        flags.append(f"likely called by {hop.likely_caller}")
    if flags:
        parts.append("[" + ", ".join(flags) + "]")
    return "  ".join(p for p in parts if p)


def heading(tree: TraceTree) -> str:
    summary = summarize(tree)
    status = "ERROR" if summary.error else "ok"
    return (
        f"trace {tree.trace_id}  {summary.root_service or '?'} {summary.root_route or ''}  "
        f"{format_ns(summary.start_ns)}  {_ms(summary.duration_ns)}  {summary.hop_count} hops  "
        f"{status}  path: {summary.signature}"
    )


def plain_lines(tree: TraceTree, *, logs: bool = False) -> Iterator[str]:
    """The tree as plain text lines (``*`` marks hops on the critical path)."""
    yield heading(tree)
    for hop in tree.hops:
        mark = "*" if hop.critical else " "
        indent = "  " * hop.depth
        yield f"{mark} {indent}{hop_label(hop)}"
        if logs:
            for line in hop.logs:
                yield f"  {indent}    | {line.get(f.LEVEL, '')} {line.get(f.MESSAGE, '')}"
    if tree.first_failure is not None:
        yield f"first failure: {hop_label(tree.first_failure)}"
    if tree.unattached_logs:
        yield f"{len(tree.unattached_logs)} log line(s) outside any hop"


def render(tree: TraceTree, out: IO[str], *, logs: bool = False, color: bool | None = None) -> None:
    """Print the tree to *out*: rich when it is a terminal (or ``color=True``)."""
    use_rich = out.isatty() if color is None else color
    if not use_rich:
        for line in plain_lines(tree, logs=logs):
            out.write(line + "\n")
        return
    from rich.console import Console
    from rich.text import Text
    from rich.tree import Tree

    console = Console(file=out, force_terminal=True, highlight=False)
    top = Tree(Text(heading(tree), style="bold"))
    parent_of = {id(c): h for h in tree.hops for c in h.children}
    nodes: dict[int, Tree] = {}
    for hop in tree.hops:
        style = "red" if hop.failed else "bold" if hop.critical else ""
        if hop.kind in ("call", "external"):
            style += " italic"
        parent = parent_of.get(id(hop))
        node = (top if parent is None else nodes[id(parent)]).add(
            Text(hop_label(hop), style=style.strip())
        )
        nodes[id(hop)] = node
        if logs:
            for record in hop.logs:
                text = f"{record.get(f.LEVEL, '')} {record.get(f.MESSAGE, '')}"
                node.add(Text(text, style="dim"))
    console.print(top)
    if tree.first_failure is not None:
        console.print(Text("first failure: " + hop_label(tree.first_failure), style="red"))
