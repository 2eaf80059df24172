"""Log lines in the terminal: time, service, level, message and trace id, one line each;
an unstructured line shows its raw text and why it is not a record. Colour by level on a
terminal, none otherwise. Log content is text: control characters are shown escaped, so a
line cannot move the cursor, change colours or retitle the terminal."""

from __future__ import annotations

import re
from typing import Final

from dashboards.records import format_ns
from dashboards.store.logs import LogLine

#: SGR colour per level (debug dim, warning yellow, error red, critical bold red).
LEVEL_COLOURS: Final = {
    "debug": "2",
    "info": "32",
    "warning": "33",
    "error": "31",
    "critical": "1;31",
}
RESET: Final = "\x1b[0m"
#: the service column: fits the demo's longest name (``payment-gateway``); a longer name
#: is cut with an ellipsis so the columns after it stay in line, ``--follow`` included
SERVICE_WIDTH: Final = 15
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def shown(text: str) -> str:
    """*text* with control characters (escape, carriage return, ...) written as ``\\xNN``;
    tabs stay, and newlines are the caller's to lay out."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def service_column(service: str) -> str:
    """*service* padded to :data:`SERVICE_WIDTH`, or cut to it with a final ``…``."""
    if len(service) > SERVICE_WIDTH:
        return service[: SERVICE_WIDTH - 1] + "…"
    return f"{service:<{SERVICE_WIDTH}}"


def render_line(line: LogLine, *, colour: bool, mark: str = "") -> str:
    """One log line as text (several for an unstructured line of several lines), without
    a final newline. *mark* goes first (``>`` for a match among context lines)."""
    level = line.level.upper()
    if colour:
        code = LEVEL_COLOURS.get(line.level)
        level = f"\x1b[{code}m{level:<8}{RESET}" if code else f"{level:<8}"
    else:
        level = f"{level:<8}"
    if line.unstructured and line.raw_text is not None:
        first, *rest = line.raw_text.split("\n")
    else:
        first, rest = line.message.replace("\n", " "), []
    parts = [format_ns(line.time_ns), service_column(shown(line.service)), level, shown(first)]
    if line.trace_id:
        parts.append(f"trace={line.trace_id}")
    if line.unstructured:
        parts.append(f"[unstructured: {shown(line.reason or 'no reason given')}]")
    head = (mark + " " if mark else "") + "  ".join(parts)
    pad = " " * (len(mark) + 1 if mark else 0)
    return "\n".join([head, *(f"{pad}    {shown(r)}" for r in rest)])
