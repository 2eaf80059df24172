"""What the demo shows in the terminal: what runs where, a one-line live status, and the
closing summary with commands to explore the records again that work in a fresh shell."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from stack.launch import available
from stack.launch.options import DemoOptions
from stack.launch.routes import FileRoute
from stack.launch.supervise import Running
from stack.launch.traffic_report import describe, failed

#: the checkout this package runs from (``python3 -m stack`` works there)
CHECKOUT = Path(__file__).resolve().parents[2]


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


def live_status(payments: Mapping[str, int], written: int, stored: int | None) -> str:
    """One line while the demo runs: payments, lines stored of lines written, errors."""
    total = sum(payments.values())
    kept = "not counted" if stored is None else f"{stored}/{written}"
    return f"payments: {total} | request lines stored: {kept} | errors: {failed(payments)}"


def hopscope_command(cwd: Path | None = None) -> str:
    """How to run ``hopscope`` from a fresh shell: ``python3 -m stack hopscope`` in the
    checkout (it finds the project's environment itself), else this environment's script."""
    here = (cwd or Path.cwd()).resolve()
    if here == CHECKOUT and (CHECKOUT / "stack" / "bootstrap.py").is_file():
        return "python3 -m stack hopscope"
    script = Path(sys.executable).with_name("hopscope")
    if script.is_file():
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m stack.cli"


def store_argument(store: str, cwd: Path | None = None) -> str:
    """The store as a ``--store`` value that works from anywhere: a relative SQLite path
    made absolute (``python3 -m stack`` runs in the checkout, the demo maybe elsewhere)."""
    prefix = "sqlite:///"
    if store.startswith(prefix) and not store.startswith(prefix + "/"):
        path = (cwd or Path.cwd()) / store[len(prefix) :]
        store = f"sqlite:///{path.resolve()}"
    return shlex.quote(store)


def show_summary(console: Console, options: DemoOptions, result: Mapping[str, Any]) -> None:
    console.print(describe(result["payments"]) + ".")
    lines = result["lines"]
    where = options.store_shown
    if lines["stored"] is None:
        counted = f"not counted in {where} ({lines['problem']})"
    else:
        counted = f"{lines['stored']} of them stored in {where}"
    console.print(
        f"This run: {lines['written']} lines written by the services, "
        f"{lines['in_requests']} of them in its requests; {counted}.",
        soft_wrap=True,
    )
    if lines["stored"]:
        show_next_steps(console, options.store_shown, result["example_traces"])


def show_next_steps(console: Console, store: str, examples: Mapping[str, str]) -> None:
    hopscope = hopscope_command()
    shown = store_argument(store)
    console.print("Explore them again:")
    if available.has_command("dashboard"):
        console.print(f"  {hopscope} dashboard --store {shown}", soft_wrap=True)
    if available.has_command("trace"):
        for kind, trace_id in examples.items():
            console.print(
                f"  {hopscope} trace {trace_id} --store {shown}   # {kind}", soft_wrap=True
            )
