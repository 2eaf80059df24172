"""Supervision of the demo's children: start them in order and wait until each listens,
watch them while traffic flows, and stop them in order (traffic, the edge, the rest)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from stack.launch import available
from stack.launch.options import DemoError, DemoOptions
from stack.launch.plan import SERVICES, Secrets, demo_plan
from stack.launch.ports import check_ports, wait_listening
from stack.launch.processes import ManagedProcess, Watchdog
from stack.launch.routes import CollectorRoute, FileRoute, LogRoute, hopscope_argv

START_TIMEOUT_S = 60.0
#: a clean stop: 0, or the signal we sent (SIGINT; SIGTERM from ``hopscope run``), also as
#: the shell's 128 + N
CLEAN_EXITS = frozenset({None, 0, -signal.SIGINT, -signal.SIGTERM, 130, 143})


@dataclass
class Running:
    """What the demo started, in start order."""

    route: LogRoute = field(default_factory=FileRoute)
    #: ends the children should the demo die without stopping them
    watchdog: Watchdog | None = None
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


def start(options: DemoOptions, console: Console, files: ExitStack, running: Running) -> None:
    """Start everything into ``running`` with a progress display; :class:`DemoError` on
    failure (``running`` then holds what did start, for :func:`stop`).

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
    running.route = choose_route(options)
    running.watchdog = Watchdog()
    keys = Secrets()
    plan = demo_plan(options.host, options.ports, keys)
    waiting: list[tuple[ManagedProcess, int, Path]] = []
    for service in plan:
        log = options.log_dir / f"{service.name}.log"
        err = options.log_dir / f"{service.name}.stderr.log"
        process = ManagedProcess(
            service.name,
            running.route.command(service.name, service.command()),
            service.env,
            stdout=files.enter_context(_open_log(log)),
            stderr=files.enter_context(_open_log(err)),
            watchdog=running.watchdog,
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
            watchdog=running.watchdog,
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
        watchdog=running.watchdog,
    )
    running.traffic.start()


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


def watch(running: Running, tick: Callable[[], None], every_s: float = 0.5) -> None:
    """Until the traffic is done (``--duration``) or a service dies (:class:`DemoError`);
    ``tick`` runs between looks (the live status). Ctrl-C ends it early."""
    while True:
        if running.traffic is None or running.traffic.exit_code() is not None:
            return
        for process, _url, _log in running.services:
            if process.exit_code() is not None:
                raise DemoError(
                    f"{process.name} stopped unexpectedly (status {process.exit_code()})"
                )
        tick()
        time.sleep(every_s)


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
    if running.watchdog is not None:  # everything stopped in order: nothing left to end
        running.watchdog.close()
    return problems
