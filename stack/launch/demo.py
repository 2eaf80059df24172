"""``hopscope demo``: the demo services, the collector, traffic and the dashboard on this
machine, started in order, shown in the terminal, and stopped cleanly on Ctrl-C.

The parts: :mod:`~stack.launch.supervise` starts, watches and stops the children,
:mod:`~stack.launch.traffic_report` reads what the traffic sent, :mod:`~stack.launch.tally`
counts lines and records, :mod:`~stack.launch.console` shows it all.
"""

from __future__ import annotations

import json
import signal
import webbrowser
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from types import FrameType
from typing import Any

from rich.console import Console

from stack.launch.console import show_running, show_summary
from stack.launch.options import DemoError, DemoOptions
from stack.launch.ports import PortTaken
from stack.launch.supervise import Running, start, stop, watch
from stack.launch.tally import count_lines, stored_records
from stack.launch.traffic_report import describe, example_traces, sent_so_far

__all__ = ["DemoError", "DemoOptions", "run_demo", "summary"]


def _sigterm_as_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def _interrupt_on_sigterm() -> Iterator[None]:
    previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def summary(options: DemoOptions, running: Running) -> dict[str, Any]:
    lines = {p.name: count_lines(log) for p, _url, log in running.services}
    return {
        "payments": dict(sent_so_far(options.traffic_report)),
        "lines_written": lines,
        "records_stored": stored_records(options.store_url),
        "store": options.store_shown,
        "example_traces": example_traces(options.traffic_report),
    }


def run_demo(options: DemoOptions, console: Console | None = None) -> int:
    console = console or Console(stderr=True)
    running = Running()
    code = 0
    with ExitStack() as files, _interrupt_on_sigterm():
        try:
            start(options, console, files, running)
            show_running(console, options, running)
            if options.browser and running.dashboard is not None:
                webbrowser.open(f"http://{options.host}:{options.dashboard_port}")
            with console.status("traffic flowing") as status:
                watch(running, lambda: status.update(describe(sent_so_far(options.traffic_report))))
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
    result = summary(options, running)
    (options.demo_dir / "summary.json").write_text(json.dumps(result, indent=2) + "\n")
    show_summary(console, options, result)
    return code
