"""Hop chains written as text, as a test states them, and compared with a rebuilt chain.

One line per server hop ``SERVICE METHOD ROUTE [STATUS]``; a call whose callee wrote no
server hop (a fake or an external service) as ``-> SERVICE METHOD PATH [STATUS]``; two more
spaces of indentation per level. Siblings match in any order; a missing status matches any.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any


@dataclass(slots=True)
class Node:
    service: str
    method: str
    path: str
    status: int | None
    external: bool
    children: list[Node] = field(default_factory=list)

    def text(self) -> str:
        status = "" if self.status is None else f" {self.status}"
        arrow = "-> " if self.external else ""
        return f"{arrow}{self.service} {self.method} {self.path}{status}"


def parse_chain(text: str) -> list[Node]:
    """The expected chain; a ``ValueError`` names the line that cannot be read."""
    roots: list[Node] = []
    stack: list[tuple[int, Node]] = []
    for number, raw in enumerate(textwrap.dedent(text).splitlines(), start=1):
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if indent % 2:
            raise ValueError(f"chain line {number}: indent by two spaces per level: {raw!r}")
        level = indent // 2
        node = _parse_line(raw.strip(), number)
        while stack and stack[-1][0] >= level:
            stack.pop()
        if level != (stack[-1][0] + 1 if stack else 0):
            raise ValueError(f"chain line {number}: indented too far: {raw!r}")
        (stack[-1][1].children if stack else roots).append(node)
        stack.append((level, node))
    if not roots:
        raise ValueError("the expected chain is empty")
    return roots


def _parse_line(line: str, number: int) -> Node:
    external = line.startswith("->")
    words = line.removeprefix("->").split()
    status: int | None = None
    if len(words) == 4 and words[3].isdigit():
        status = int(words[3])
        words = words[:3]
    if len(words) != 3:
        raise ValueError(
            f"chain line {number}: expected '[-> ]SERVICE METHOD PATH [STATUS]': {line!r}"
        )
    service, method, path = words
    return Node(service, method.upper(), path, status, external)


def actual_chain(chain: Mapping[str, Any]) -> list[Node]:
    """The chain of ``tree_to_dict`` as nodes: server hops, and calls no server hop answered
    (client hops whose children hold the callee's server hop are not lines of their own)."""
    return _nodes(chain["roots"])


def _nodes(items: Iterable[Mapping[str, Any]]) -> list[Node]:
    out: list[Node] = []
    for item in items:
        kind = item["kind"]
        children = _nodes(item["children"])
        if kind == "server":
            method, _, path = str(item["operation"]).partition(" ")
            out.append(Node(item["service"], method, path, item["status_code"], False, children))
        elif kind == "external":
            method, _, path = str(item["operation"]).partition(" ")
            callee = item["target"] or "?"
            out.append(Node(callee, method, path, item["status_code"], True, children))
        else:  # client hops answered by a server hop, retry groups, internal spans
            out.extend(children)
    return out


def matches(expected: list[Node], actual: list[Node]) -> bool:
    """Whether the two sibling lists pair up one to one, in any order."""
    if len(expected) != len(actual):
        return False
    if not expected:
        return True
    first, rest = expected[0], expected[1:]
    for i, candidate in enumerate(actual):
        if _same(first, candidate) and matches(rest, actual[:i] + actual[i + 1 :]):
            return True
    return False


def _same(expected: Node, actual: Node) -> bool:
    return (
        expected.service == actual.service
        and expected.method == actual.method
        and expected.path == actual.path
        and expected.external == actual.external
        and (expected.status is None or expected.status == actual.status)
        and matches(expected.children, actual.children)
    )


def render(nodes: list[Node], level: int = 0) -> list[str]:
    lines: list[str] = []
    for node in nodes:
        lines.append("  " * level + node.text())
        lines.extend(render(node.children, level + 1))
    return lines


def side_by_side(left: list[str], right: list[str]) -> str:
    width = max([len("expected"), *map(len, left)])
    rows = [f"{'expected':<{width}} | actual", f"{'-' * width} | {'-' * 8}"]
    for one, other in zip_longest(left, right, fillvalue=""):
        rows.append(f"{one:<{width}} | {other}".rstrip())
    return "\n".join(rows)


def chain_mismatch(text: str, chain: Mapping[str, Any]) -> str | None:
    """None when the chain is the one written in ``text``, else the assertion message."""
    expected = parse_chain(text)
    actual = actual_chain(chain)
    if matches(expected, actual):
        return None
    table = side_by_side(render(expected), render(actual))
    return f"hop chain of trace {chain['trace_id']} does not match:\n{table}"
