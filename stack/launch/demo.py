"""``hopscope demo``: the demo services, the collector, traffic and the dashboard on this
machine, started in order, shown in the terminal, and stopped cleanly on Ctrl-C."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
import webbrowser
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from sdk.redaction import without_password
from sdk.store_location import STATE_DIR, store_url_in
from stack.launch import available
from stack.launch.plan import DASHBOARD_PORT, DEFAULT_PORTS, SERVICES, Secrets, demo_plan
from stack.launch.ports import PortTaken, check_ports, wait_listening
from stack.launch.processes import ManagedProcess
from stack.launch.routes import CollectorRoute, FileRoute, LogRoute, hopscope_argv

START_TIMEOUT_S = 60.0
#: a clean stop: 0, or the signal we sent (SIGINT; SIGTERM from ``hopscope run``), also as
#: the shell's 128 + N
CLEAN_EXITS = frozenset({None, 0, -signal.SIGINT, -signal.SIGTERM, 130, 143})


class DemoError(RuntimeError):
    """The demo could not start; the message says what to do."""


@dataclass
class DemoOptions:
    host: str = "127.0.0.1"
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    dashboard_port: int = DASHBOARD_PORT
    state_dir: Path = Path(STATE_DIR)
    store: str | None = None  # default: the store in state_dir
    duration: float | None = None
    browser: bool = True
    dashboard: bool = True
    faults: str = "all"
    rate: float = 4.0

    @property
    def store_url(self) -> str:
        return self.store or store_url_in(self.state_dir)

    @property
    def store_shown(self) -> str:
        """The store URL without its password, for the terminal and the summary file."""
        return without_password(self.store_url)

    @property
    def demo_dir(self) -> Path:
        return self.state_dir / "demo"

    @property
    def log_dir(self) -> Path:
        return self.demo_dir / "logs"

    @property
    def traffic_report(self) -> Path:
        return self.demo_dir / "traffic.jsonl"


@dataclass
class Running:
    """What the demo started, in start order."""

    services: list[tuple[ManagedProcess, str, Path]] = field(default_factory=list)
    dashboard: ManagedProcess | None = None
    traffic: ManagedProcess | None = None


def port_hints() -> dict[str, str]:
    hints = {name: f"--port {name}=PORT" for name in SERVICES}
    hints["dashboard"] = "--dashboard-port PORT"
    return hints


def choose_route(options: DemoOptions) -> LogRoute:
    if available.has_command("run"):
        return CollectorRoute(
            options.store_url, options.demo_dir / "collector", shown=options.store_shown
        )
    return FileRoute()


def dashboard_command(options: DemoOptions) -> list[str] | None:
    if not options.dashboard or not available.has_command("dashboard"):
        return None
    argv = hopscope_argv("dashboard", "--store", options.store_url)
    for option, value in (("--host", options.host), ("--port", str(options.dashboard_port))):
        if available.has_option("dashboard", option):
            argv += [option, value]
    if available.has_option("dashboard", "--no-browser"):
        argv.append("--no-browser")  # the demo opens the browser itself, once ready
    return argv


def dashboard_env(options: DemoOptions) -> dict[str, str]:
    """Streamlit's own settings: listen on the demo's address only, and phone nobody."""
    return {
        "STREAMLIT_SERVER_ADDRESS": options.host,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }


def _sigterm_as_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def _interrupt_on_sigterm() -> Iterator[None]:
    previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _ready(process: ManagedProcess, host: str, port: int, log: Path, deadline: float) -> bool:
    """Whether it listens yet; :class:`DemoError` once it died or the deadline passed."""
    if wait_listening(host, port):
        return True
    code = process.exit_code()
    if code is not None:
        raise DemoError(f"{process.name} exited with status {code} while starting; see {log}")
    if time.monotonic() > deadline:
        raise DemoError(
            f"{process.name} did not listen on {host}:{port} within "
            f"{START_TIMEOUT_S:.0f}s; see {log}"
        )
    return False


def _open_log(path: Path) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("wb")


def start(options: DemoOptions, console: Console, files: ExitStack) -> Running:
    """Start everything with a progress display; :class:`DemoError` on failure.

    The services and the dashboard start side by side (none calls another while starting);
    the traffic starts once all of them listen.
    """
    ports: dict[str, int] = {name: options.ports[name] for name in SERVICES}
    dashboard_argv = dashboard_command(options)
    if dashboard_argv is not None:
        ports["dashboard"] = options.dashboard_port
    check_ports(options.host, ports, port_hints())
    options.log_dir.mkdir(parents=True, exist_ok=True)
    options.traffic_report.unlink(missing_ok=True)
    route = choose_route(options)
    keys = Secrets()
    running = Running()
    plan = demo_plan(options.host, options.ports, keys)
    waiting: list[tuple[ManagedProcess, int, Path]] = []
    for service in plan:
        log = options.log_dir / f"{service.name}.log"
        err = options.log_dir / f"{service.name}.stderr.log"
        process = ManagedProcess(
            service.name,
            route.command(service.name, service.command()),
            service.env,
            stdout=files.enter_context(_open_log(log)),
            stderr=files.enter_context(_open_log(err)),
        )
        process.start()
        running.services.append((process, service.url, log))
        waiting.append((process, service.port, err))
    if dashboard_argv is not None:
        log = options.log_dir / "dashboard.log"
        running.dashboard = ManagedProcess(
            "dashboard",
            dashboard_argv,
            dashboard_env(options),
            stdout=files.enter_context(_open_log(log)),
            stderr=subprocess.STDOUT,
        )
        running.dashboard.start()
        waiting.append((running.dashboard, options.dashboard_port, log))
    _wait_all_ready(options, console, running, waiting)
    traffic_argv = [
        sys.executable,
        "-m",
        "stack.demo.traffic",
        "--gateway",
        plan[-1].url,
        "--sso",
        plan[0].url,
        "--faults",
        options.faults,
        "--rate",
        str(options.rate),
        "--report",
        str(options.traffic_report),
    ]
    if options.duration is not None:
        traffic_argv += ["--duration", str(options.duration)]
    running.traffic = ManagedProcess(
        "traffic",
        traffic_argv,
        {"SSO_USERS": keys.users},
        stderr=files.enter_context(_open_log(options.demo_dir / "traffic.log")),
    )
    running.traffic.start()
    _show_running(console, options, route, running)
    return running


def _wait_all_ready(
    options: DemoOptions,
    console: Console,
    running: Running,
    waiting: list[tuple[ManagedProcess, int, Path]],
) -> None:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        tasks = {
            process.name: progress.add_task(f"starting {process.name} on port {port}")
            for process, port, _log in waiting
        }
        pending = list(waiting)
        deadline = time.monotonic() + START_TIMEOUT_S
        while pending:
            for item in list(pending):
                process, port, log = item
                try:
                    ready = _ready(process, options.host, port, log, deadline)
                except DemoError as exc:
                    if process is not running.dashboard:
                        raise
                    # The services and the store are what matter: go on without it.
                    console.print(f"[yellow]The dashboard did not start: {exc}")
                    process.stop()
                    running.dashboard = None
                    ready = True
                if ready:
                    pending.remove(item)
                    progress.update(tasks[process.name], description=f"[green]{process.name} ready")
                    progress.stop_task(tasks[process.name])
            time.sleep(0.1)


def _show_running(
    console: Console, options: DemoOptions, route: LogRoute, running: Running
) -> None:
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
    table.add_row("records", route.destination, "", "")
    table.add_row(
        "traffic",
        f"{options.rate:g}/s, faults: {options.faults}",
        str(running.traffic.pid if running.traffic else ""),
        str(options.traffic_report),
    )
    console.print(table)
    if running.dashboard is None and not available.has_command("dashboard"):
        console.print("[yellow]The dashboard command is not installed: no dashboard started.")
    if isinstance(route, FileRoute):
        console.print(
            "[yellow]The collector's 'hopscope run' is not installed: lines are only "
            f"written to {options.log_dir}."
        )
    length = f"for {options.duration:g}s" if options.duration is not None else "until Ctrl-C"
    console.print(f"Running {length}. Press Ctrl-C to stop.")


def _report(report: Path) -> list[dict[str, Any]]:
    """The traffic generator's report: one object per payment sent."""
    try:
        text = report.read_text(encoding="utf-8")
    except OSError:
        return []
    sent = []
    for line in text.splitlines():
        try:
            sent.append(json.loads(line))
        except ValueError:
            continue  # the line being written right now
    return sent


def sent_so_far(report: Path) -> Counter[str]:
    """Payments sent by outcome."""
    return Counter(str(s.get("status") or "no answer") for s in _report(report))


def example_traces(report: Path) -> dict[str, str]:
    """One trace id per kind of payment (healthy, each fault), to look at first."""
    examples: dict[str, str] = {}
    for sent in _report(report):
        kind = sent.get("fault") or ("healthy" if sent.get("status") == 201 else None)
        if kind and kind not in examples and sent.get("trace_id"):
            examples[kind] = sent["trace_id"]
    return examples


def _describe(outcomes: Mapping[str, int]) -> str:
    total = sum(outcomes.values())
    parts = ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
    return f"{total} payments sent" + (f" ({parts})" if parts else "")


def wait(options: DemoOptions, console: Console, running: Running) -> None:
    """Until the traffic is done (``--duration``) or a child dies; Ctrl-C ends it early."""
    with console.status("traffic flowing") as status:
        while True:
            if running.traffic is None or running.traffic.exit_code() is not None:
                return
            for process, _url, _log in running.services:
                if process.exit_code() is not None:
                    raise DemoError(
                        f"{process.name} stopped unexpectedly (status {process.exit_code()})"
                    )
            status.update(_describe(sent_so_far(options.traffic_report)))
            time.sleep(0.5)


def stop(running: Running, console: Console) -> list[str]:
    """Traffic first, then the edge (the gateway finishes its in-flight calls), then the
    rest side by side; returns the processes that did not exit cleanly."""
    services = [process for process, _url, _log in running.services]
    edge = [p for p in services if p.name == "payment-gateway"]
    rest = [p for p in services if p not in edge]
    if running.dashboard is not None:
        rest.append(running.dashboard)
    stages = [[running.traffic] if running.traffic else [], edge, rest]
    problems = []
    everything = [p for stage in stages for p in stage]

    def kill_all(_signum: int, _frame: FrameType | None) -> None:
        console.print("Ctrl-C again: killing what is left")
        for process in everything:
            process.kill()

    previous = signal.signal(signal.SIGINT, kill_all)
    try:
        with (
            console.status("stopping (Ctrl-C again to kill)") as status,
            ThreadPoolExecutor(max_workers=8) as pool,
        ):
            for stage in stages:
                if not stage:
                    continue
                status.update(f"stopping {', '.join(p.name for p in stage)}")
                codes = pool.map(ManagedProcess.stop, stage)
                for process, code in zip(stage, codes, strict=True):
                    if code not in CLEAN_EXITS:
                        problems.append(f"{process.name} exited with status {code}")
    finally:
        signal.signal(signal.SIGINT, previous)
    return problems


def count_lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for _ in handle)
    except OSError:
        return 0


def stored_records(store: str) -> int | None:
    """Records in the SQLite store, or None when the store is not a readable SQLite file."""
    prefix = "sqlite:///"
    if not store.startswith(prefix):
        return None
    path = Path(store[len(prefix) :])
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            row = connection.execute("SELECT count(*) FROM records").fetchone()
    except sqlite3.Error:
        return None
    return int(row[0])


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
            running = start(options, console, files)
            if options.browser and running.dashboard is not None:
                webbrowser.open(f"http://{options.host}:{options.dashboard_port}")
            wait(options, console, running)
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
    console.print(_describe(result["payments"]) + ".")
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
        _show_next_steps(console, options.store_shown, result["example_traces"])
    return code


def _show_next_steps(console: Console, store: str, examples: Mapping[str, str]) -> None:
    console.print("Explore them again:")
    if available.has_command("dashboard"):
        console.print(f"  hopscope dashboard --store {store}", soft_wrap=True)
    if available.has_command("trace"):
        for kind, trace_id in examples.items():
            console.print(f"  hopscope trace {trace_id} --store {store}   # {kind}", soft_wrap=True)
