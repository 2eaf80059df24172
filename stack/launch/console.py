"""What the demo shows in the terminal: what runs where, and the closing summary with the
commands to explore the records again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

from stack.launch import available
from stack.launch.options import DemoOptions
from stack.launch.routes import FileRoute
from stack.launch.supervise import Running
from stack.launch.traffic_report import describe


def show_running(console: Console, options: DemoOptions, running: Running) -> None:
    table = Table(title="hopscope demo", title_justify="left")
    table.add_column("what")
    table.add_column("where")
    table.add_column("pid", justify="right")
    table.add_column("output")
    for process, url, log in running.services:
        table.add_row(process.name, url, str(process.pid), str(log))
    if running.dashboard is not None:
        url = f"http://{options.host}:{options.dashboard_port}"
        table.add_row(
            "dashboard", url, str(running.dashboard.pid), str(options.log_dir / "dashboard.log")
        )
    table.add_row("records", running.route.destination, "", "")
    table.add_row(
        "traffic",
        f"{options.rate:g}/s, faults: {options.faults}",
        str(running.traffic.pid if running.traffic else ""),
        str(options.traffic_report),
    )
    console.print(table)
    if running.dashboard is None and not available.has_command("dashboard"):
        console.print("[yellow]The dashboard command is not installed: no dashboard started.")
    if isinstance(running.route, FileRoute):
        console.print(
            "[yellow]The collector's 'hopscope run' is not installed: lines are only "
            f"written to {options.log_dir}."
        )
    length = f"for {options.duration:g}s" if options.duration is not None else "until Ctrl-C"
    console.print(f"Running {length}. Press Ctrl-C to stop.")


def show_summary(console: Console, options: DemoOptions, result: Mapping[str, Any]) -> None:
    console.print(describe(result["payments"]) + ".")
    written = sum(result["lines_written"].values())
    stored = result["records_stored"]
    counted = (
        "records not counted (not a SQLite store)" if stored is None else (f"{stored} records")
    )
    console.print(
        f"{written} lines written by the services; {counted} in {options.store_shown}.",
        soft_wrap=True,
    )
    if stored:
        show_next_steps(console, options.store_shown, result["example_traces"])


def show_next_steps(console: Console, store: str, examples: Mapping[str, str]) -> None:
    console.print("Explore them again:")
    if available.has_command("dashboard"):
        console.print(f"  hopscope dashboard --store {store}", soft_wrap=True)
    if available.has_command("trace"):
        for kind, trace_id in examples.items():
            console.print(f"  hopscope trace {trace_id} --store {store}   # {kind}", soft_wrap=True)
