"""The demo's watchdog: ends the demo's children when the demo itself ends without
stopping them (SIGKILL, a crash, a closed terminal).

It runs in its own session, reading its standard input, a pipe whose other end only the
demo holds: ``+PGID`` puts a process group under watch, ``-PGID`` takes it off, ``done``
means the demo stopped everything itself. End of input without ``done`` means the demo is
gone: every group still watched gets SIGTERM (the collector under ``hopscope run`` then
stores its last lines), and SIGKILL after a grace period. This works wherever pipes do;
on Linux the children also get a parent-death signal (see :mod:`stack.launch.processes`).

Run as ``python -m stack.launch.watchdog [GRACE_SECONDS]``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterable

GRACE_S = 5.0


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def end_groups(groups: Iterable[int], grace_s: float = GRACE_S) -> None:
    """SIGTERM every group, then SIGKILL the ones still there after ``grace_s``."""
    left = [g for g in groups if _alive(g)]
    for pgid in left:
        _signal(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = [g for g in left if _alive(g)]
    for pgid in left:
        _signal(pgid, signal.SIGKILL)


def watch(lines: Iterable[str], grace_s: float = GRACE_S) -> bool:
    """Follow the demo's messages; True when it said ``done``, else the groups were ended."""
    groups: set[int] = set()
    for line in lines:
        word = line.strip()
        if word == "done":
            return True
        if word[:1] in "+-" and word[1:].isdigit():
            (groups.add if word[0] == "+" else groups.discard)(int(word[1:]))
    end_groups(sorted(groups), grace_s)
    return False


def main(argv: list[str]) -> int:
    # Ctrl-C and a closed terminal are meant for the demo; this must outlive it.
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    grace = float(argv[0]) if argv else GRACE_S
    watch(sys.stdin, grace)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
