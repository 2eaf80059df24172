"""``hopscope demo``: the demo services, the collector, traffic and the dashboard on this
machine, started in order, shown in the terminal, and stopped cleanly on Ctrl-C.

The parts: :mod:`~stack.launch.supervise` starts, watches and stops the children,
:mod:`~stack.launch.traffic_report` reads what the traffic sent, :mod:`~stack.launch.tally`
counts lines and records, :mod:`~stack.launch.console` shows it all.
"""

from __future__ import annotations

import json
import signal
import time
import webbrowser
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from types import FrameType
from typing import Any

from rich.console import Console

from stack.launch.console import live_status, show_running, show_summary
from stack.launch.options import DemoError, DemoOptions
from stack.launch.plan import SERVICES
from stack.launch.ports import PortTaken
from stack.launch.supervise import Running, start, stop, watch
from stack.launch.tally import Tally
from stack.launch.traffic_report import example_traces, sent_so_far

__all__ = ["DemoError", "DemoOptions", "run_demo", "summary"]

#: how often the live status asks the store again
STORE_EVERY_S = 2.0


def _sigterm_as_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def _interrupt_on_sigterm() -> Iterator[None]:
    previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def summary(options: DemoOptions, tally: Tally) -> dict[str, Any]:
    """This run's figures, for the terminal and ``summary.json``: the lines its services
    wrote, and how many of its request lines the store holds (not the records of every run)."""
    tally.refresh()
    return {
        "payments": dict(sent_so_far(options.traffic_report)),
        "lines": {
            "written": tally.written.total,
            "by_service": {name: tally.written.by_service[name] for name in SERVICES},
            "in_requests": tally.written.in_requests,
            "stored": None if tally.problem else tally.stored_total,
            "problem": tally.problem,
        },
        "store": options.store_shown,
        "example_traces": example_traces(options.traffic_report),
    }


class _Status:
    """The live status line: payments from the report each tick, the store every few
    seconds (counting is a query per unfinished trace)."""

    def __init__(self, options: DemoOptions, tally: Tally, update: Callable[[str], None]):
        self.options = options
        self.tally = tally
        self.update = update
        self.asked = 0.0

    def __call__(self) -> None:
        if time.monotonic() - self.asked >= STORE_EVERY_S:
            self.tally.refresh()
            self.asked = time.monotonic()
        stored = None if self.tally.problem else self.tally.stored_total
        payments = sent_so_far(self.options.traffic_report)
        self.update(live_status(payments, self.tally.written.in_requests, stored))


def run_demo(options: DemoOptions, console: Console | None = None) -> int:
    console = console or Console(stderr=True)
    running = Running()
    # The log files the services' output is copied to, new for each run (start truncates them).
    logs = {name: options.log_dir / f"{name}.log" for name in SERVICES}
    tally = Tally(logs, options.store_url)
    code = 0
    with ExitStack() as files, _interrupt_on_sigterm():
        try:
            start(options, console, files, running)
            show_running(console, options, running)
            if options.browser and running.dashboard is not None:
                webbrowser.open(f"http://{options.host}:{options.dashboard_port}")
            with console.status("traffic flowing") as status:
                watch(running, _Status(options, tally, status.update))
        except PortTaken as exc:
            console.print(f"[red]hopscope demo: {exc}")
            return 2
        except DemoError as exc:
            console.print(f"[red]hopscope demo: {exc}")
            code = 1
        except KeyboardInterrupt:
            console.print("Ctrl-C: stopping the demo")
        finally:
            for problem in stop(running, console):
                console.print(f"[yellow]{problem}")
    try:
        result = summary(options, tally)
    finally:
        tally.close()
    (options.demo_dir / "summary.json").write_text(json.dumps(result, indent=2) + "\n")
    show_summary(console, options, result)
    return code
